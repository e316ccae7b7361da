package planner

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// virtualNode is the node the Filter plugins judge for a planned node: the labels
// every remaining instance type shares (and the requirements fix), the NodePool's
// labels and taints, and the largest remaining allocatable of each resource.
func virtualNode(name string, p *pool, reqs scheduling.Requirements, types []*cloudprovider.InstanceType) *corev1.Node {
	labels := commonLabels(types)
	for k, v := range reqs.Labels() {
		labels[k] = v
	}
	for k, v := range p.labels {
		labels[k] = v
	}
	labels[wellknown.NodePoolLabelKey] = p.name
	labels[corev1.LabelHostname] = name
	allocatable := maxAllocatable(types)
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.NodeSpec{Taints: p.taints},
		Status: corev1.NodeStatus{
			Capacity:    allocatable,
			Allocatable: allocatable,
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
}

// commonLabels are the single-valued labels every type carries with the same value.
func commonLabels(types []*cloudprovider.InstanceType) map[string]string {
	if len(types) == 0 {
		return map[string]string{}
	}
	out := types[0].Requirements.Labels()
	for _, it := range types[1:] {
		for k, v := range out {
			r, ok := it.Requirements[k]
			if !ok || r.Len() != 1 || r.Any() != v {
				delete(out, k)
			}
		}
		if len(out) == 0 {
			break
		}
	}
	return out
}

// maxAllocatable is the largest allocatable of each resource among types.
func maxAllocatable(types []*cloudprovider.InstanceType) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, it := range types {
		for name, q := range it.Allocatable() {
			if have, ok := out[name]; !ok || q.Cmp(have) > 0 {
				out[name] = q.DeepCopy()
			}
		}
	}
	return out
}

// subtract lowers remaining by used (limits accounting).
func subtract(remaining, used corev1.ResourceList) {
	for name := range remaining {
		left := remaining[name]
		if name == "nodes" {
			left.Sub(*resource.NewQuantity(1, resource.DecimalSI))
		} else if q, ok := used[name]; ok {
			left.Sub(q)
		}
		remaining[name] = left
	}
}
