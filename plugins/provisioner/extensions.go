package provisioner

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/moves"
)

// PostFilter runs when no existing node fits pod. It never plans on the cycle: a
// pod that waits for a request in flight is told which; any other joins the open
// batch. Either way the pod stays unschedulable until a node appears.
func (p *Provisioner) PostFilter(_ context.Context, _ fwk.CycleState, pod *corev1.Pod, _ framework.NodeToStatusReader) (*framework.PostFilterResult, *fwk.Status) {
	if request, ok := p.flight.waitsFor(pod.UID, p.now()); ok {
		return nil, fwk.NewStatus(fwk.Unschedulable, fmt.Sprintf("waiting for the node of capacity request %s", request))
	}
	p.window.add(pod)
	return nil, fwk.NewStatus(fwk.Unschedulable, "no node fits yet: new capacity is being planned")
}

// Filter keeps a node launched for a capacity request for the pods planned onto it
// until they are bound (or the reservation lapses), so that other pods do not take
// the room they were promised. Likewise a pod planned onto a request still in
// flight is kept off the nodes launched for other requests: taking spare room
// there would leave its own node empty. And a node that the disruption
// controller moves pods to keeps their room from other controllers' pods
// (keepsMovedRoom). DaemonSet pods are never kept off.
func (p *Provisioner) Filter(_ context.Context, _ fwk.CycleState, pod *corev1.Pod, nodeInfo fwk.NodeInfo) *fwk.Status {
	if nodeInfo.Node() == nil || ownedByDaemonSet(pod) {
		return nil
	}
	if status := p.keepsMovedRoom(pod, nodeInfo); status != nil {
		return status
	}
	request := requestOf(nodeInfo.Node())
	if request == "" {
		return nil
	}
	if own, waits := p.flight.waitsFor(pod.UID, p.now()); waits && own != request {
		return fwk.NewStatus(fwk.Unschedulable, "pod waits for the node of capacity request "+own)
	}
	if reserved, member := p.flight.reservedFor(request, pod.UID, p.now()); reserved && !member {
		p.flight.keptOff(request, pod)
		return fwk.NewStatus(fwk.Unschedulable, "node is kept for the pods it was launched for")
	}
	return nil
}

// Score prefers, for a pod planned onto a capacity request, the node launched
// for it; and for a pod whose controller had pods moved off a node the
// disruption controller removes, the nodes its plan moved them to while
// they hold fewer than the plan put there (pkg/moves), so that the scheduler follows the plan that judged the node
// removable and no pod is left without room.
func (p *Provisioner) Score(_ context.Context, _ fwk.CycleState, pod *corev1.Pod, nodeInfo fwk.NodeInfo) (int64, *fwk.Status) {
	if request, ok := p.flight.waitsFor(pod.UID, p.now()); ok && request == requestOf(nodeInfo.Node()) {
		return framework.MaxNodeScore, nil
	}
	if node := nodeInfo.Node(); node != nil && node.Annotations[moves.AnnotationKey] != "" {
		if moves.Wants(node, pod, holding(nodeInfo, moves.Owner(pod)), p.now()) {
			return framework.MaxNodeScore, nil
		}
	}
	return 0, nil
}

// holding counts the pods of owner on the node (assumed ones included) that
// are not leaving.
func holding(nodeInfo fwk.NodeInfo, owner types.UID) int {
	n := 0
	for _, pi := range nodeInfo.GetPods() {
		if pod := pi.GetPod(); pod.DeletionTimestamp == nil && moves.Owner(pod) == owner {
			n++
		}
	}
	return n
}

// ScoreExtensions: scores need no normalizing.
func (p *Provisioner) ScoreExtensions() framework.ScoreExtensions { return nil }

// EventsToRegister: a pod the Filter kept off a node may fit once the node's
// planned pods are bound or deleted, or when nodes come or change.
func (p *Provisioner) EventsToRegister(context.Context) ([]fwk.ClusterEventWithHint, error) {
	return []fwk.ClusterEventWithHint{
		{Event: fwk.ClusterEvent{Resource: fwk.Pod, ActionType: fwk.Add | fwk.Delete}},
		{Event: fwk.ClusterEvent{Resource: fwk.Node, ActionType: fwk.Add | fwk.UpdateNodeLabel | fwk.UpdateNodeTaint}},
	}, nil
}

// requestOf is the capacity request a node was launched for, or "".
func requestOf(node *corev1.Node) string {
	if node == nil {
		return ""
	}
	return node.Labels[tailorv1alpha1.CapacityRequestLabelKey]
}

func ownedByDaemonSet(pod *corev1.Pod) bool {
	ref := metav1.GetControllerOf(pod)
	return ref != nil && ref.Kind == "DaemonSet"
}
