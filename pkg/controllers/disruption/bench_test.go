package disruption

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// BenchmarkConsolidationPass decides one pass over 1,000 nodes of 10 pods
// each (8 of 16 cpus used, so every node's pods fit elsewhere), the planner
// judging the fit: the goal is under 2 s and 300 MB.
func BenchmarkConsolidationPass(b *testing.B) {
	p, err := planner.NewStandalone(context.Background(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	c := &Controller{planner: p}
	np := nodePool("default", "0s")
	np.Spec.Disruption.ConsolidationPolicy = karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized
	var cands []*Candidate
	for i := range 1000 {
		var pods []*corev1.Pod
		for j := range 10 {
			pods = append(pods, benchPod(fmt.Sprintf("p-%d-%d", i, j), fmt.Sprintf("node-%d", i)))
		}
		cand := candidate(fmt.Sprintf("c-%d", i), "default", "0.68", -1, pods...)
		cand.StableSince = now.Add(-time.Hour)
		cand.Node.Labels = map[string]string{corev1.LabelHostname: cand.Node.Name, corev1.LabelTopologyZone: []string{"a", "b", "c"}[i%3],
			wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeOnDemand, corev1.LabelInstanceTypeStable: "m.4xlarge"}
		cand.Node.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("16"), corev1.ResourceMemory: resource.MustParse("64Gi"), corev1.ResourcePods: resource.MustParse("110")}
		cands = append(cands, cand)
	}
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": np}, Candidates: cands}
	s.Plan = c.planFor(context.Background(), cands, nil, nil)
	var cmds []Command
	b.ResetTimer()
	for range b.N {
		cmds, _ = Decide(s)
	}
	b.StopTimer()
	if len(cmds) != 1 {
		b.Fatalf("%d commands, want one node consolidated", len(cmds))
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.Sys)/(1<<20), "sys-MB")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/pass")
}

func benchPod(name, node string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name), Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("800m"), corev1.ResourceMemory: resource.MustParse("2Gi"),
		}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
}
