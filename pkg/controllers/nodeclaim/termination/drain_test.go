package termination

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

func TestDrainOrder(t *testing.T) {
	ds := []metav1.OwnerReference{{Kind: "DaemonSet", Name: "ds", Controller: ptr.To(true)}}
	cases := []struct {
		name      string
		pod       corev1.Pod
		wave      int
		drainable bool
	}{
		{name: "workload pod first", pod: corev1.Pod{}, wave: 0, drainable: true},
		{name: "critical workload pod second", pod: corev1.Pod{Spec: corev1.PodSpec{PriorityClassName: "system-cluster-critical"}}, wave: 1, drainable: true},
		{name: "daemonset pod third", pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{OwnerReferences: ds}}, wave: 2, drainable: true},
		{name: "critical daemonset pod last", pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{OwnerReferences: ds}, Spec: corev1.PodSpec{PriorityClassName: "system-node-critical"}}, wave: 3, drainable: true},
		{name: "mirror pod is not drained", pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{corev1.MirrorPodAnnotationKey: "x"}}}},
		{name: "finished pod is not waited for", pod: corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}},
		{name: "pod tolerating the disrupted taint would come back", pod: corev1.Pod{Spec: corev1.PodSpec{Tolerations: []corev1.Toleration{{Key: wellknown.DisruptedTaintKey, Operator: corev1.TolerationOpExists}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := drainable(&tc.pod); got != tc.drainable {
				t.Errorf("drainable = %v, want %v", got, tc.drainable)
			}
			if tc.drainable {
				if got := wave(&tc.pod); got != tc.wave {
					t.Errorf("wave = %d, want %d", got, tc.wave)
				}
			}
		})
	}
}
