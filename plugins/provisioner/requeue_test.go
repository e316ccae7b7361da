package provisioner

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestParkedPodsAreRetriedWhenNodePoolsChange(t *testing.T) {
	k := newParked()
	seen := k.seen()
	a := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a", UID: types.UID("a")}}
	b := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b", UID: types.UID("b")}}
	if !k.add(a, seen) || !k.add(b, seen) {
		t.Fatal("pods judged on the current NodePools were not parked")
	}
	k.remove(b.UID) // bound meanwhile
	retried := k.changed()
	if len(retried) != 1 || retried["ns/a"] != a {
		t.Fatalf("retried %v, want only ns/a", retried)
	}
	if again := k.changed(); len(again) != 0 {
		t.Errorf("pods retried twice: %v", again)
	}
}

func TestPodJudgedOnOldNodePoolsIsRetriedAtOnce(t *testing.T) {
	k := newParked()
	seen := k.seen()
	k.changed() // a NodePool came while the batch was planned
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a", UID: types.UID("a")}}
	if k.add(pod, seen) {
		t.Fatal("a pod judged before the NodePool came was parked, and would wait for the next change")
	}
}
