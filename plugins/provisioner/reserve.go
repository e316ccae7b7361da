package provisioner

import (
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"
	fwk "k8s.io/kube-scheduler/framework"

	"github.com/tailor-sh/tailor/pkg/moves"
)

// keepsMovedRoom refuses pod on a node whose moves record still awaits pods
// of other controllers, when pod would take the room kept for them (pkg/moves).
// Score alone only preferred the node for the awaited pods: a pod whose own
// planned node had filled went by least-allocated scoring, often to the
// emptiest node, where it took a moved pod's place; that pod, held to its zone
// by a topology spread, then found no node and the Provisioner launched one.
func (p *Provisioner) keepsMovedRoom(pod *corev1.Pod, nodeInfo fwk.NodeInfo) *fwk.Status {
	node := nodeInfo.Node()
	if node.Annotations[moves.AnnotationKey] == "" {
		return nil
	}
	pods := make([]*corev1.Pod, 0, len(nodeInfo.GetPods()))
	for _, pi := range nodeInfo.GetPods() {
		pods = append(pods, pi.GetPod())
	}
	reserved := moves.Reserved(node, pods, moves.Owner(pod), p.now())
	if len(reserved) == 0 {
		return nil
	}
	need := quotav1.Add(podRequests(pod), corev1.ResourceList{corev1.ResourcePods: *resource.NewQuantity(1, resource.DecimalSI)})
	free := freeOn(nodeInfo)
	for name, q := range quotav1.Add(need, reserved) {
		if f, ok := free[name]; ok && q.Cmp(f) > 0 {
			r := reserved[name]
			return fwk.NewStatus(fwk.Unschedulable, fmt.Sprintf("node keeps room for pods the disruption controller moves here (%s %s)", r.String(), name))
		}
	}
	return nil
}

// freeOn is what the node has left of each resource it offers: allocatable
// less what its pods (assumed ones included) request.
func freeOn(nodeInfo fwk.NodeInfo) corev1.ResourceList {
	alloc, used := nodeInfo.GetAllocatable(), nodeInfo.GetRequested()
	out := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewMilliQuantity(alloc.GetMilliCPU()-used.GetMilliCPU(), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(alloc.GetMemory()-used.GetMemory(), resource.BinarySI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(alloc.GetEphemeralStorage()-used.GetEphemeralStorage(), resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(int64(alloc.GetAllowedPodNumber()-len(nodeInfo.GetPods())), resource.DecimalSI),
	}
	for name, n := range alloc.GetScalarResources() {
		out[name] = *resource.NewQuantity(n-used.GetScalarResources()[name], resource.DecimalSI)
	}
	return out
}

// keepMovedRoom puts on each node of in that awaits moved pods a stand-in for
// each (pkg/moves), except for the controllers of the batch's own pods, so
// that the planner, which runs without this plugin's Filter, sees the room
// kept there as the Filter does: a pod refused only by it is planned onto new
// capacity instead of onto the room it may not take.
func keepMovedRoom(in *batchInput, now time.Time) {
	owners := map[types.UID]bool{}
	for _, pod := range in.Pods {
		owners[moves.Owner(pod)] = true
	}
	for i, n := range in.Nodes {
		if n.Node.Annotations[moves.AnnotationKey] == "" {
			continue
		}
		if standIns := moves.StandIns(n.Node, n.Pods, owners, now); len(standIns) > 0 {
			in.Nodes[i].Pods = slices.Concat(n.Pods, standIns)
		}
	}
}
