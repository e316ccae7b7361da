package scheduling

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestIntersectsAgreesWithIntersection checks the allocation-free Intersects
// against its definition (a shared value, or both allow absence) over every pair
// of a varied set of requirements, in both orders.
func TestIntersectsAgreesWithIntersection(t *testing.T) {
	many := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}
	all := []*Requirement{
		req(corev1.NodeSelectorOpIn, "5"),
		req(corev1.NodeSelectorOpIn, "2", "5"),
		req(corev1.NodeSelectorOpIn, "a", "b"),
		req(corev1.NodeSelectorOpIn, many...),
		req(corev1.NodeSelectorOpIn),
		req(corev1.NodeSelectorOpNotIn, "5"),
		req(corev1.NodeSelectorOpNotIn, many...),
		req(corev1.NodeSelectorOpExists),
		req(corev1.NodeSelectorOpDoesNotExist),
		req(corev1.NodeSelectorOpGt, "2"),
		req(corev1.NodeSelectorOpGt, "10"),
		req(corev1.NodeSelectorOpLt, "5"),
		req(corev1.NodeSelectorOpGt, "2").Intersection(req(corev1.NodeSelectorOpLt, "4")),
		req(corev1.NodeSelectorOpGt, "2").Intersection(req(corev1.NodeSelectorOpNotIn, "3")).Intersection(req(corev1.NodeSelectorOpLt, "4")),
		req(corev1.NodeSelectorOpIn, many...).Intersection(req(corev1.NodeSelectorOpGt, "8")),
	}
	for _, a := range all {
		for _, b := range all {
			want := (a.AllowsAbsence() && b.AllowsAbsence()) || a.Intersection(b).Len() > 0
			if got := a.Intersects(b); got != want {
				t.Errorf("%s intersects %s = %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestValuesAndAnyAfterIntersection(t *testing.T) {
	r := req(corev1.NodeSelectorOpIn, "9", "3", "7").Intersection(req(corev1.NodeSelectorOpNotIn, "3"))
	if got := r.Values(); len(got) != 2 || got[0] != "7" || got[1] != "9" {
		t.Errorf("Values = %v, want [7 9]", got)
	}
	if r.Any() != "7" {
		t.Errorf("Any = %q, want the smallest value 7", r.Any())
	}
	values := r.Values()
	values[0] = "changed"
	if r.Has("changed") || !r.Has("7") {
		t.Error("changing the slice Values returned changed the requirement")
	}
	if empty := req(corev1.NodeSelectorOpDoesNotExist).Values(); empty == nil || len(empty) != 0 {
		t.Errorf("Values of DoesNotExist = %#v, want an empty list", empty)
	}
}

func TestMatcherAgreesWithCompatible(t *testing.T) {
	defined := map[string]bool{"karpenter.k8s.aws/instance-gpu-count": true, key: true}
	types := []Requirements{
		NewLabelRequirements(map[string]string{key: "5", corev1.LabelArchStable: "amd64"}),
		NewLabelRequirements(map[string]string{key: "2", "karpenter.k8s.aws/instance-gpu-count": "1"}),
		NewRequirements(req(corev1.NodeSelectorOpIn, "5", "6"), NewRequirement(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "amd64", "arm64")),
		{},
	}
	pools := []Requirements{
		{},
		NewRequirements(req(corev1.NodeSelectorOpGt, "2")),
		NewRequirements(req(corev1.NodeSelectorOpNotIn, "5")),
		NewRequirements(req(corev1.NodeSelectorOpDoesNotExist)),
		NewRequirements(NewRequirement(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "arm64")),
		NewRequirements(NewRequirement("team", corev1.NodeSelectorOpIn, "data")),
		NewRequirements(NewRequirement("karpenter.k8s.aws/instance-gpu-count", corev1.NodeSelectorOpExists)),
		NewRequirements(NewRequirement("karpenter.k8s.aws/instance-gpu-count", corev1.NodeSelectorOpDoesNotExist), req(corev1.NodeSelectorOpLt, "6")),
	}
	for i, pool := range pools {
		m := NewMatcher(pool, defined)
		for j, typ := range types {
			want := typ.Compatible(pool, defined) == nil
			if got := m.Compatible(typ); got != want {
				t.Errorf("pool %d (%s), type %d (%s): Matcher says %v, Compatible %v", i, pool, j, typ, got, want)
			}
			if got := typ.IsCompatible(pool, defined); got != want {
				t.Errorf("pool %d, type %d: IsCompatible says %v, Compatible %v", i, j, got, want)
			}
		}
	}
}
