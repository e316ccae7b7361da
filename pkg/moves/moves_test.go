package moves

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func ownedBy(uid types.UID) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: string(uid), UID: uid, Controller: ptr.To(true)}}}}
}

// Pods moved to a node are expected there, by their controller, until the
// time given; later moves add to earlier ones; a bare pod has no controller to
// recreate it and is not recorded; an expired record is stale.
func TestMovedPodsAreExpectedUntilTheyExpire(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	node := &corev1.Node{}
	value, ok := Add(node, []*corev1.Pod{ownedBy("web"), ownedBy("web"), {}}, now.Add(time.Minute), now)
	if !ok {
		t.Fatal("no annotation for two owned pods")
	}
	node.Annotations = map[string]string{AnnotationKey: value}
	if !Expects(node, ownedBy("web"), now) || Expects(node, ownedBy("batch"), now) || Expects(node, &corev1.Pod{}, now) {
		t.Errorf("annotation %s: want web's pods expected, batch's and a bare pod not", value)
	}
	value, _ = Add(node, []*corev1.Pod{ownedBy("batch")}, now.Add(30*time.Second), now)
	node.Annotations[AnnotationKey] = value
	e, ok := Of(node, now)
	if !ok || e.Owners["web"] != 2 || e.Owners["batch"] != 1 || !e.Until.Equal(now.Add(time.Minute)) {
		t.Errorf("after a second move: %+v, want web 2, batch 1, until the later time", e)
	}
	if Expects(node, ownedBy("web"), now.Add(time.Minute)) || !Stale(node, now.Add(time.Minute)) || Stale(node, now) {
		t.Error("want the record to expire at its time, and then be stale")
	}
	if _, ok := Add(node, []*corev1.Pod{{}}, now.Add(time.Minute), now); ok {
		t.Error("an annotation for bare pods only; want none")
	}
	node.Annotations[AnnotationKey] = "not json"
	if Expects(node, ownedBy("web"), now) || !Stale(node, now) {
		t.Error("an unreadable annotation counted; want it ignored and stale")
	}
}
