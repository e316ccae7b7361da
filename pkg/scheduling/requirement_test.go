package scheduling

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const key = "karpenter.k8s.aws/instance-generation"

func req(op corev1.NodeSelectorOperator, values ...string) *Requirement {
	return NewRequirement(key, op, values...)
}

func TestRequirementHas(t *testing.T) {
	for _, tc := range []struct {
		req   *Requirement
		value string
		want  bool
	}{
		{req(corev1.NodeSelectorOpIn, "5", "6"), "5", true},
		{req(corev1.NodeSelectorOpIn, "5", "6"), "4", false},
		{req(corev1.NodeSelectorOpNotIn, "5"), "5", false},
		{req(corev1.NodeSelectorOpNotIn, "5"), "4", true},
		{req(corev1.NodeSelectorOpExists), "anything", true},
		{req(corev1.NodeSelectorOpDoesNotExist), "anything", false},
		{req(corev1.NodeSelectorOpGt, "2"), "3", true},
		{req(corev1.NodeSelectorOpGt, "2"), "2", false},
		{req(corev1.NodeSelectorOpGt, "2"), "ten", false},
		{req(corev1.NodeSelectorOpLt, "4048"), "4047", true},
		{req(corev1.NodeSelectorOpLt, "4048"), "16384", false},
	} {
		if got := tc.req.Has(tc.value); got != tc.want {
			t.Errorf("%s Has(%q) = %v, want %v", tc.req, tc.value, got, tc.want)
		}
	}
}

func TestRequirementIntersects(t *testing.T) {
	in := func(v ...string) *Requirement { return req(corev1.NodeSelectorOpIn, v...) }
	for _, tc := range []struct {
		name string
		a, b *Requirement
		want bool
	}{
		{"In and In sharing a value", in("4", "5"), in("5", "6"), true},
		{"In and In disjoint", in("4"), in("5"), false},
		{"In and NotIn of it", in("5"), req(corev1.NodeSelectorOpNotIn, "5"), false},
		{"In and NotIn of another", in("5"), req(corev1.NodeSelectorOpNotIn, "4"), true},
		{"In and Gt below", in("5"), req(corev1.NodeSelectorOpGt, "2"), true},
		{"In and Gt above", in("2"), req(corev1.NodeSelectorOpGt, "2"), false},
		{"Gt and Lt overlapping", req(corev1.NodeSelectorOpGt, "2"), req(corev1.NodeSelectorOpLt, "5"), true},
		{"Gt and Lt with no integer between", req(corev1.NodeSelectorOpGt, "2"), req(corev1.NodeSelectorOpLt, "3"), false},
		{"DoesNotExist and NotIn both allow absence", req(corev1.NodeSelectorOpDoesNotExist), req(corev1.NodeSelectorOpNotIn, "1"), true},
		{"DoesNotExist and DoesNotExist", req(corev1.NodeSelectorOpDoesNotExist), req(corev1.NodeSelectorOpDoesNotExist), true},
		{"DoesNotExist and Exists", req(corev1.NodeSelectorOpDoesNotExist), req(corev1.NodeSelectorOpExists), false},
		{"DoesNotExist and In", req(corev1.NodeSelectorOpDoesNotExist), in("1"), false},
		{"Exists and NotIn", req(corev1.NodeSelectorOpExists), req(corev1.NodeSelectorOpNotIn, "1"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Intersects(tc.b); got != tc.want {
				t.Errorf("%s intersects %s = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := tc.b.Intersects(tc.a); got != tc.want {
				t.Errorf("%s intersects %s = %v, want %v (reversed)", tc.b, tc.a, got, tc.want)
			}
		})
	}
}

func TestRequirementIntersectionNarrows(t *testing.T) {
	got := req(corev1.NodeSelectorOpIn, "1", "2", "3", "4").
		Intersection(req(corev1.NodeSelectorOpGt, "1")).
		Intersection(req(corev1.NodeSelectorOpNotIn, "3"))
	if values := got.Values(); len(values) != 2 || values[0] != "2" || values[1] != "4" {
		t.Errorf("In [1 2 3 4] ∩ Gt 1 ∩ NotIn [3] = %v, want [2 4]", values)
	}
	if got.Operator() != corev1.NodeSelectorOpIn {
		t.Errorf("operator = %s, want In", got.Operator())
	}
}

func TestParseRequirementRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		op     corev1.NodeSelectorOperator
		values []string
	}{
		{corev1.NodeSelectorOpGt, []string{"two"}},
		{corev1.NodeSelectorOpLt, []string{"1", "2"}},
		{"Equals", []string{"1"}},
	} {
		if _, err := ParseRequirement(key, tc.op, tc.values...); err == nil {
			t.Errorf("ParseRequirement(%s %v) succeeded, want an error", tc.op, tc.values)
		}
	}
}

func TestRequirementsCompatible(t *testing.T) {
	defined := map[string]bool{"karpenter.k8s.aws/instance-gpu-count": true, key: true}
	instanceType := NewLabelRequirements(map[string]string{key: "5", corev1.LabelArchStable: "amd64"})
	for _, tc := range []struct {
		name     string
		nodePool Requirements
		want     bool
	}{
		{"matching generation", NewRequirements(req(corev1.NodeSelectorOpGt, "2")), true},
		{"too old", NewRequirements(req(corev1.NodeSelectorOpGt, "5")), false},
		{"wrong arch", NewRequirements(NewRequirement(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "arm64")), false},
		{"custom label becomes a node label", NewRequirements(NewRequirement("team", corev1.NodeSelectorOpIn, "data")), true},
		{"GPU required but the type has none", NewRequirements(NewRequirement("karpenter.k8s.aws/instance-gpu-count", corev1.NodeSelectorOpExists)), false},
		{"GPU excluded and the type has none", NewRequirements(NewRequirement("karpenter.k8s.aws/instance-gpu-count", corev1.NodeSelectorOpDoesNotExist)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := instanceType.Compatible(tc.nodePool, defined)
			if (err == nil) != tc.want {
				t.Errorf("Compatible = %v, want compatible %v", err, tc.want)
			}
		})
	}
}
