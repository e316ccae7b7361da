package moves

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func ownedBy(uid types.UID) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: string(uid), UID: uid, Controller: ptr.To(true)}}}}
}

// A node that pods are moved to wants as many more of their controller's pods
// as were moved, on top of those it runs; later moves add to earlier ones; a
// bare pod has no controller to recreate it and is not recorded; an expired
// or unreadable record is stale.
func TestMovedPodsAreExpectedUntilTheyArriveOrExpire(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	node := &corev1.Node{}
	present := []*corev1.Pod{ownedBy("web")}
	value, ok := Add(node, present, []*corev1.Pod{ownedBy("web"), ownedBy("web"), {}}, now.Add(time.Minute), now)
	if !ok {
		t.Fatal("no annotation for two owned pods")
	}
	node.Annotations = map[string]string{AnnotationKey: value}
	for holding, want := range []bool{true, true, true, false} {
		if got := Wants(node, ownedBy("web"), holding, now); got != want {
			t.Errorf("holding %d web pods (1 before, 2 moved): wants another %v, want %v", holding, got, want)
		}
	}
	if !Awaits(node, present, now) || !Awaits(node, []*corev1.Pod{ownedBy("web"), ownedBy("web")}, now) ||
		Awaits(node, []*corev1.Pod{ownedBy("web"), ownedBy("web"), ownedBy("web")}, now) {
		t.Error("want the node to await web pods until it holds 3")
	}
	if Wants(node, ownedBy("batch"), 0, now) || Wants(node, &corev1.Pod{}, 0, now) {
		t.Error("want batch's pods and a bare pod not sent there")
	}
	value, _ = Add(node, present, []*corev1.Pod{ownedBy("batch"), ownedBy("web")}, now.Add(30*time.Second), now)
	node.Annotations[AnnotationKey] = value
	e, ok := Of(node, now)
	if !ok || e.Owners["web"] != 4 || e.Owners["batch"] != 1 || !e.Until.Equal(now.Add(time.Minute)) {
		t.Errorf("after a second move: %+v, want web 4, batch 1, until the later time", e)
	}
	if Wants(node, ownedBy("web"), 0, now.Add(time.Minute)) || !Stale(node, now.Add(time.Minute)) || Stale(node, now) {
		t.Error("want the record to expire at its time, and then be stale")
	}
	if _, ok := Add(node, nil, []*corev1.Pod{{}}, now.Add(time.Minute), now); ok {
		t.Error("an annotation for bare pods only; want none")
	}
	node.Annotations[AnnotationKey] = "not json"
	if Wants(node, ownedBy("web"), 0, now) || !Stale(node, now) {
		t.Error("an unreadable annotation counted; want it ignored and stale")
	}
}

func requesting(pod *corev1.Pod, cpu, memory string) *corev1.Pod {
	pod.Spec.Containers = []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)}}}}
	return pod
}

// A node keeps, from the pods of other controllers, the requests and a pod
// slot of each moved pod still to come; the room shrinks as they arrive, and
// a pod of an awaited controller is not kept from its own controller's room.
func TestANodeReservesTheRoomOfThePodsStillToCome(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	node := &corev1.Node{}
	moved := []*corev1.Pod{requesting(ownedBy("web"), "500m", "1Gi"), requesting(ownedBy("web"), "500m", "1Gi"), requesting(ownedBy("batch"), "1", "1Gi")}
	value, _ := Add(node, nil, moved, now.Add(time.Minute), now)
	node.Annotations = map[string]string{AnnotationKey: value}

	want := func(got corev1.ResourceList, cpu, memory string, pods int64) {
		t.Helper()
		if got.Cpu().Cmp(resource.MustParse(cpu)) != 0 || got.Memory().Cmp(resource.MustParse(memory)) != 0 || got.Pods().Value() != pods {
			t.Errorf("reserved %v, want cpu %s, memory %s, %d pods", got, cpu, memory, pods)
		}
	}
	want(Reserved(node, nil, "plain", now), "2", "3Gi", 3)
	want(Reserved(node, nil, "web", now), "1", "1Gi", 1)
	want(Reserved(node, []*corev1.Pod{ownedBy("web")}, "plain", now), "1500m", "2Gi", 2)
	if r := Reserved(node, nil, "plain", now.Add(time.Minute)); len(r) != 0 {
		t.Errorf("an expired record reserves %v", r)
	}
}
