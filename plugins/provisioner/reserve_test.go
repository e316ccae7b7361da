package provisioner

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	"k8s.io/utils/ptr"

	"github.com/tailor-sh/tailor/pkg/moves"
	"github.com/tailor-sh/tailor/pkg/planner"
)

func requests(pod *corev1.Pod, cpu, memory string) *corev1.Pod {
	pod.Spec.Containers = []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)}}}}
	return pod
}

// A node the disruption controller moves 2 web pods (500m each) and a batch
// pod (1 CPU) to keeps their room: of its 3 free CPUs, a pod of another
// controller may take only 1; a web pod may take room beside the batch pod's;
// a DaemonSet pod is never kept off; once the record expires the room is free.
func TestANodeKeepsTheRoomOfMovedPodsFromOthers(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"), corev1.ResourcePods: resource.MustParse("110")}}}
	moved := []*corev1.Pod{requests(podOf("web", "w1"), "500m", "1Gi"), requests(podOf("web", "w2"), "500m", "1Gi"), requests(podOf("batch", "b1"), "1", "1Gi")}
	value, _ := moves.Add(node, nil, moved, now.Add(time.Minute), now)
	node.Annotations = map[string]string{moves.AnnotationKey: value}
	running := requests(podOf("plain", "running"), "1", "1Gi")
	running.Spec.NodeName = "n"
	nodeInfo := framework.NewNodeInfo(running)
	nodeInfo.SetNode(node)
	p := &Provisioner{flight: newFlight(), now: func() time.Time { return now }}
	ctx := context.Background()

	status := p.Filter(ctx, nil, requests(podOf("plain", "big"), "1500m", "1Gi"), nodeInfo)
	if status.IsSuccess() || !strings.Contains(status.Message(), "keeps room for pods the disruption controller moves here") {
		t.Errorf("a 1.5-CPU pod of another controller: %v, want it kept off the 2 CPUs reserved", status.AsError())
	}
	if status := p.Filter(ctx, nil, requests(podOf("plain", "small"), "1", "1Gi"), nodeInfo); !status.IsSuccess() {
		t.Errorf("a 1-CPU pod fits beside the reserved room: %v", status.AsError())
	}
	if status := p.Filter(ctx, nil, requests(podOf("web", "w3"), "500m", "1Gi"), nodeInfo); !status.IsSuccess() {
		t.Errorf("an awaited web pod was kept off: %v", status.AsError())
	}
	daemon := requests(podOf("ds", "agent"), "3", "1Gi")
	daemon.OwnerReferences = []metav1.OwnerReference{{Kind: "DaemonSet", Name: "ds", UID: types.UID("ds"), Controller: ptr.To(true)}}
	if status := p.Filter(ctx, nil, daemon, nodeInfo); !status.IsSuccess() {
		t.Errorf("a DaemonSet pod was kept off: %v", status.AsError())
	}
	now = now.Add(time.Minute)
	if status := p.Filter(ctx, nil, requests(podOf("plain", "big"), "1500m", "1Gi"), nodeInfo); !status.IsSuccess() {
		t.Errorf("the record expired, yet the room is kept: %v", status.AsError())
	}
}

// The planner runs without this plugin's Filter: it is given a stand-in per
// awaited pod of the controllers other than the batch's, so that it plans new
// capacity for a pod that only the kept room would hold.
func TestThePlannerSeesTheRoomKeptForMovedPods(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}}
	moved := []*corev1.Pod{requests(podOf("web", "w1"), "500m", "1Gi"), requests(podOf("batch", "b1"), "1", "1Gi")}
	value, _ := moves.Add(node, nil, moved, now.Add(time.Minute), now)
	node.Annotations = map[string]string{moves.AnnotationKey: value}
	running := []*corev1.Pod{requests(podOf("plain", "running"), "1", "1Gi")}
	in := &batchInput{Input: planner.Input{
		Pods:  []*corev1.Pod{requests(podOf("web", "w-new"), "500m", "1Gi")},
		Nodes: []planner.NodeWithPods{{Node: node, Pods: running}, {Node: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, Pods: running}},
	}}
	keepMovedRoom(in, now)
	got := in.Nodes[0].Pods
	if len(got) != 2 || got[1].Spec.NodeName != "n" || got[1].Spec.Containers[0].Resources.Requests.Cpu().String() != "1" {
		t.Fatalf("pods on the awaiting node: %d, want the running one and a 1-CPU stand-in for the batch pod (not for web, the batch's own)", len(got))
	}
	if len(running) != 1 || len(in.Nodes[1].Pods) != 1 {
		t.Error("stand-ins were added to the cluster's list or to a node awaiting nothing")
	}
}
