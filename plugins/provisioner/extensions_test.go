package provisioner

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	"k8s.io/utils/ptr"

	"github.com/tailor-sh/tailor/pkg/moves"
)

// A pod whose controller had pods moved to a node by the disruption
// controller scores that node highest while the node holds fewer of them than
// the plan put there and the move counts, so that the scheduler follows the
// plan; other pods, and the same pod after the move expired, score it as any
// other.
func TestScoreSendsMovedPodsWhereThePlanPutThem(t *testing.T) {
	now := time.Now()
	p := &Provisioner{flight: newFlight(), now: func() time.Time { return now }}
	owned := func(uid string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: uid + "-x", UID: "pod-" + k8stypes.UID(uid),
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: uid, UID: k8stypes.UID("rs-" + uid), Controller: ptr.To(true)}}}}
	}
	target := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "target"}}
	value, _ := moves.Add(target, nil, []*corev1.Pod{owned("web")}, now.Add(time.Minute), now)
	target.Annotations = map[string]string{moves.AnnotationKey: value}
	info := framework.NewNodeInfo()
	info.SetNode(target)
	other := framework.NewNodeInfo()
	other.SetNode(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "other"}})
	score := func(pod *corev1.Pod, n *framework.NodeInfo) int64 {
		s, status := p.Score(context.Background(), nil, pod, n)
		if !status.IsSuccess() {
			t.Fatal(status)
		}
		return s
	}
	if got := score(owned("web"), info); got != framework.MaxNodeScore {
		t.Errorf("a web pod scores the node its pods moved to %d, want %d", got, framework.MaxNodeScore)
	}
	if got := score(owned("web"), other); got != 0 {
		t.Errorf("a web pod scores another node %d, want 0", got)
	}
	if got := score(owned("batch"), info); got != 0 {
		t.Errorf("a batch pod scores web's target %d, want 0", got)
	}
	info.AddPod(owned("web"))
	if got := score(owned("web"), info); got != 0 {
		t.Errorf("once the node holds the one web pod moved there, another scores it %d, want 0", got)
	}
	info.RemovePod(klog.Background(), owned("web"))
	now = now.Add(time.Minute)
	if got := score(owned("web"), info); got != 0 {
		t.Errorf("after the move expired a web pod scores the node %d, want 0", got)
	}
}
