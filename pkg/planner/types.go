// Package planner decides where pending pods go when no existing node holds them:
// onto NodeClaims already in flight, or onto new nodes it plans from NodePools and
// instance types, judging every fit with the scheduler profile's own PreFilter and
// Filter plugins on virtual nodes. It is a pure function of its input: it writes
// nothing and calls no cloud. See docs/designs/0004-planner.md.
package planner

import (
	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// Input is one planning round.
type Input struct {
	// Pods to place, e.g. the pending pods of one batch window.
	Pods []*corev1.Pod
	// NodePools with the instance types their node class can launch (not yet
	// narrowed by the NodePool's requirements).
	NodePools []NodePoolInput
	// Nodes are the cluster's existing nodes with their pods: they give topology
	// domains and the pods that affinity and spread rules count.
	Nodes []NodeWithPods
	// InFlight are nodes already planned or launching but not yet Ready; pods that
	// fit them wait for them.
	InFlight []*Node
	// DaemonSetPods are one pod per DaemonSet (the DaemonSet's template); each new
	// node reserves room for those that would run on it.
	DaemonSetPods []*corev1.Pod
}

// NodePoolInput is a NodePool and what it can launch.
type NodePoolInput struct {
	NodePool      *karpv1.NodePool
	InstanceTypes []*cloudprovider.InstanceType
	// Remaining is the NodePool's limits minus what its nodes already hold (nil:
	// unlimited). New nodes count their largest remaining instance type against it.
	Remaining corev1.ResourceList
}

// NodeWithPods is an existing node.
type NodeWithPods struct {
	Node *corev1.Node
	Pods []*corev1.Pod
}

// Node is a planned or in-flight node.
type Node struct {
	// Name is the virtual node name (and hostname label) used during planning; for
	// in-flight nodes the CapacityRequest or NodeClaim name.
	Name     string
	NodePool string
	// Requirements every instance type of the node meets (NodePool requirements
	// narrowed by the pods), including zone and capacity type.
	Requirements scheduling.Requirements
	// InstanceTypes that hold every pod of the node, cheapest first.
	InstanceTypes []*cloudprovider.InstanceType
	// Pods planned onto the node (DaemonSet pods excluded).
	Pods []*corev1.Pod
	// DaemonSetPods reserved on the node.
	DaemonSetPods []*corev1.Pod
	// Labels and Taints the node will carry from its NodePool template.
	Labels map[string]string
	Taints []corev1.Taint
}

// Plan is the outcome of a round.
type Plan struct {
	// NewNodes to launch, with their pods.
	NewNodes []*Node
	// InFlight nodes that received pods, by name.
	InFlight map[string][]*corev1.Pod
	// Unplaced pods and why, per NodePool where that helps the user.
	Unplaced []Unplaced
}

// Unplaced is a pod no node can hold.
type Unplaced struct {
	Pod    *corev1.Pod
	Reason string
}
