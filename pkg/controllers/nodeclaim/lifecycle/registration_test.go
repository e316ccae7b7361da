package lifecycle

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

func TestAdoptGivesTheNodeTheClaimsLabelsTaintsAndFinalizer(t *testing.T) {
	claim := &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{wellknown.NodePoolLabelKey: "default", "team": "a"}},
		Spec: karpv1.NodeClaimSpec{
			Requirements:  []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{"us-west-2b"}}},
			Taints:        karpv1.Taints{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}},
			StartupTaints: karpv1.Taints{{Key: "cni", Effect: corev1.TaintEffectNoSchedule}},
		},
	}
	node := &corev1.Node{Spec: corev1.NodeSpec{Taints: []corev1.Taint{wellknown.UnregisteredNoExecuteTaint, {Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}}}
	adopt(node, claim)
	for k, v := range map[string]string{wellknown.NodePoolLabelKey: "default", "team": "a", corev1.LabelTopologyZone: "us-west-2b", wellknown.NodeRegisteredLabelKey: "true"} {
		if node.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, node.Labels[k], v)
		}
	}
	if len(node.Spec.Taints) != 2 || hasTaint(node.Spec.Taints, wellknown.UnregisteredNoExecuteTaint) {
		t.Errorf("taints = %v, want dedicated and cni, once each, and no unregistered taint", node.Spec.Taints)
	}
	if len(node.Finalizers) != 1 || node.Finalizers[0] != wellknown.TerminationFinalizer {
		t.Errorf("finalizers = %v", node.Finalizers)
	}
}

func TestNotInitialized(t *testing.T) {
	ready := []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	gpu := corev1.ResourceName("nvidia.com/gpu")
	claim := &karpv1.NodeClaim{
		Spec:   karpv1.NodeClaimSpec{StartupTaints: karpv1.Taints{{Key: "cni", Effect: corev1.TaintEffectNoSchedule}}},
		Status: karpv1.NodeClaimStatus{Allocatable: corev1.ResourceList{gpu: resource.MustParse("1")}},
	}
	cases := []struct {
		name   string
		node   corev1.Node
		reason string
	}{
		{name: "not ready", node: corev1.Node{}, reason: "NodeNotReady"},
		{name: "startup taint left", node: corev1.Node{Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "cni", Effect: corev1.TaintEffectNoSchedule}}}, Status: corev1.NodeStatus{Conditions: ready}}, reason: "StartupTaintsExist"},
		{name: "gpu not registered", node: corev1.Node{Status: corev1.NodeStatus{Conditions: ready}}, reason: "ResourceNotRegistered"},
		{name: "initialized", node: corev1.Node{Status: corev1.NodeStatus{Conditions: ready, Allocatable: corev1.ResourceList{gpu: resource.MustParse("1")}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if reason, _ := notInitialized(&tc.node, claim); reason != tc.reason {
				t.Errorf("reason = %q, want %q", reason, tc.reason)
			}
		})
	}
}
