package whatif

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// NodePoolRequirements are what every node of np meets: its template's
// requirements and labels, and its own name as karpenter.sh/nodepool (as the
// planner prepares a NodePool).
func NodePoolRequirements(np *karpv1.NodePool) (scheduling.Requirements, error) {
	reqs, err := scheduling.NewNodeSelectorRequirements(np.Spec.Template.Spec.Requirements...)
	if err != nil {
		return nil, fmt.Errorf("nodepool %s has invalid requirements, %w", np.Name, err)
	}
	for k, v := range np.Spec.Template.ObjectMeta.Labels {
		reqs.Add(scheduling.NewRequirement(k, corev1.NodeSelectorOpIn, v))
	}
	reqs.Add(scheduling.NewRequirement(wellknown.NodePoolLabelKey, corev1.NodeSelectorOpIn, np.Name))
	return reqs, nil
}

// Offerings are the offerings of it a node of the NodePool with requirements
// reqs can be bought as now: available, in a zone and capacity type reqs allow.
func Offerings(it *cloudprovider.InstanceType, reqs scheduling.Requirements) cloudprovider.Offerings {
	return it.Offerings.Available().Compatible(reqs)
}

// LaunchedNode is the Node a node of np launched as type it, bought as offering
// o, registers as, named name: the type's labels, its zone and capacity type,
// the NodePool's template labels and single-valued requirements, its taints,
// the type's allocatable; Ready.
func LaunchedNode(name string, np *karpv1.NodePool, reqs scheduling.Requirements, it *cloudprovider.InstanceType, o cloudprovider.Offering) *corev1.Node {
	labels := it.Requirements.Labels()
	for k, v := range reqs.Labels() {
		labels[k] = v
	}
	for k, v := range np.Spec.Template.ObjectMeta.Labels {
		labels[k] = v
	}
	labels[corev1.LabelInstanceTypeStable] = it.Name
	labels[corev1.LabelTopologyZone] = o.Zone
	labels[wellknown.CapacityTypeLabelKey] = o.CapacityType
	labels[wellknown.NodePoolLabelKey] = np.Name
	labels[corev1.LabelHostname] = name
	allocatable := it.Allocatable()
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.NodeSpec{Taints: np.Spec.Template.Spec.Taints.Core()},
		Status: corev1.NodeStatus{
			Capacity: it.Capacity, Allocatable: allocatable,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
}

// AsType is node as if it had been launched as type it, bought as offering o:
// LaunchedNode under node's name, keeping the labels of node that neither the
// type nor the offering sets (the zone ID goes with the zone).
func AsType(node *corev1.Node, np *karpv1.NodePool, reqs scheduling.Requirements, it *cloudprovider.InstanceType, o cloudprovider.Offering) *corev1.Node {
	out := LaunchedNode(node.Name, np, reqs, it, o)
	for k, v := range node.Labels {
		if _, set := out.Labels[k]; !set && !wellknown.InstanceTypeLabels[k] {
			out.Labels[k] = v
		}
	}
	return out
}
