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

	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
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

// BenchmarkFullPass runs one whole pass over 1,000 nodes of 10 pods each: the
// snapshot read from a client (NodePools, PDBs, 10,000 pods, claims, nodes,
// requests, DaemonSets), the NodePool's instance types from the project's
// catalog (so replacements are planned too), Decide, and the validation
// bookkeeping.
func BenchmarkFullPass(b *testing.B) {
	types, err := planio.LoadCatalog("", nil, 0)
	if err != nil {
		b.Fatal(err)
	}
	np := nodePool("default", "0s")
	np.Spec.Disruption.ConsolidationPolicy = karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized
	np.Spec.Template.Spec.NodeClassRef = &karpv1.NodeClassReference{Name: "default"}
	objs := []client.Object{np}
	for i := range 1000 {
		cand := candidate(fmt.Sprintf("c-%d", i), "default", "0.68", -1)
		cand.Claim.Status.NodeName = cand.Node.Name
		cand.Node.Labels = map[string]string{corev1.LabelHostname: cand.Node.Name, corev1.LabelTopologyZone: []string{"us-west-2a", "us-west-2b", "us-west-2c"}[i%3],
			wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeOnDemand, corev1.LabelInstanceTypeStable: "m5.4xlarge"}
		cand.Node.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("16"), corev1.ResourceMemory: resource.MustParse("64Gi"), corev1.ResourcePods: resource.MustParse("110")}
		objs = append(objs, cand.Claim, cand.Node)
		for j := range 10 {
			objs = append(objs, benchPod(fmt.Sprintf("p-%d-%d", i, j), cand.Node.Name))
		}
	}
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(objs...).Build()
	p, err := planner.NewStandalone(context.Background(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	c := NewController(kube, catalogCloud{types}, record.NewFakeRecorder(100000), clock.RealClock{}, false)
	c.planner = p
	b.ResetTimer()
	for range b.N {
		if err := c.Pass(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if len(c.pending) == 0 {
		b.Fatal("the pass decided nothing; want underutilized nodes consolidated")
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(len(c.pending)), "nodes-decided")
	b.ReportMetric(float64(m.Sys)/(1<<20), "sys-MB")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/pass")
}

// catalogCloud offers every NodePool the same instance types; no instance drifts.
type catalogCloud struct{ types []*cloudprovider.InstanceType }

func (c catalogCloud) GetInstanceTypes(context.Context, *karpv1.NodePool) ([]*cloudprovider.InstanceType, error) {
	return c.types, nil
}

func (catalogCloud) IsDrifted(context.Context, *karpv1.NodeClaim) (cloudprovider.DriftReason, error) {
	return "", nil
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
