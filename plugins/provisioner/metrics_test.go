package provisioner

import (
	"context"
	"math"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/component-base/metrics/testutil"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/planner"
)

func counterValue(t *testing.T, m metrics.CounterMetric) float64 {
	t.Helper()
	v, err := testutil.GetCounterMetricValue(m)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// observations returns the count and sum of a histogram.
func observations(t *testing.T, m metrics.ObserverMetric) (uint64, float64) {
	t.Helper()
	n, err := testutil.GetHistogramMetricCount(m)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := testutil.GetHistogramMetricValue(m)
	if err != nil {
		t.Fatal(err)
	}
	return n, sum
}

// A node handed off twice (a retried batch) is planned twice but created once,
// and its price is observed each time it is asked for.
func TestHandOffCountsPlannedNodesRequestsAndPrices(t *testing.T) {
	p, _ := handOffTo(fake.NewClientBuilder().WithScheme(apis.NewScheme()).Build())
	created := requestsCreated.WithLabelValues("general")
	planned := plannedNodes.WithLabelValues("general", "on-demand")
	price := plannedPrice.WithLabelValues("general")
	createdBefore, plannedBefore := counterValue(t, created), counterValue(t, planned)
	pricesBefore, sumBefore := observations(t, price)
	for range 2 {
		if err := p.handOff(context.Background(), &batchInput{}, planner.Plan{NewNodes: []*planner.Node{plannedNode()}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := counterValue(t, created) - createdBefore; got != 1 {
		t.Errorf("capacityrequests_created_total{nodepool=general} moved by %v, want 1 (the second hand-off finds the request)", got)
	}
	if got := counterValue(t, planned) - plannedBefore; got != 2 {
		t.Errorf("planned_nodes_total{general,on-demand} moved by %v, want 2", got)
	}
	prices, sum := observations(t, price)
	if prices-pricesBefore != 2 || math.Abs(sum-sumBefore-2*0.096) > 1e-9 {
		t.Errorf("planned_node_price_dollars_per_hour got %d observations summing to %v, want 2 of $0.096", prices-pricesBefore, sum-sumBefore)
	}
}

func TestHandOffCountsUnplaceablePodsByReasonClass(t *testing.T) {
	p, _ := handOffTo(fake.NewClientBuilder().WithScheme(apis.NewScheme()).Build())
	resources := unplaceablePods.WithLabelValues("resources")
	before := counterValue(t, resources)
	plan := planner.Plan{Unplaced: []planner.Unplaced{
		{Pod: benchPod(1), Reason: "nodepool general: no instance type holds the pod's requests (cpu 64)"},
		{Pod: benchPod(2), Reason: "nodepool general: no instance type holds the pod's requests (cpu 64); nodepool gpu: label team is not set on nodes of this NodePool (team In [a])"},
	}}
	if err := p.handOff(context.Background(), &batchInput{}, plan); err != nil {
		t.Fatal(err)
	}
	if got := counterValue(t, resources) - before; got != 2 {
		t.Errorf("unplaceable_pods_total{reason=resources} moved by %v, want 2", got)
	}
}

// The classes are judged on what the planner really says, so that a change of
// its wording shows here rather than as pods counted under "filter".
func TestReasonClassOfThePlannersReasons(t *testing.T) {
	ctx := context.Background()
	pl, err := planner.NewStandalone(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	pool := planner.NodePoolInput{
		NodePool:      &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: "general"}},
		InstanceTypes: plannedNode().InstanceTypes,
	}
	huge := benchPod(1)
	huge.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("64")
	selecting := benchPod(2)
	selecting.Spec.NodeSelector = map[string]string{"team": "a"}
	for _, tc := range []struct {
		name  string
		in    planner.Input
		class string
	}{
		{"no nodepool", planner.Input{Pods: []*corev1.Pod{benchPod(3)}}, "no_nodepool"},
		{"no instance types published", planner.Input{Pods: []*corev1.Pod{benchPod(4)}, NodePools: []planner.NodePoolInput{{NodePool: pool.NodePool}}}, "no_instance_types"},
		{"too big for every type", planner.Input{Pods: []*corev1.Pod{huge}, NodePools: []planner.NodePoolInput{pool}}, "resources"},
		{"selects a label the nodepool does not set", planner.Input{Pods: []*corev1.Pod{selecting}, NodePools: []planner.NodePoolInput{pool}}, "requirements"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := planObserved(ctx, pl, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Unplaced) != 1 {
				t.Fatalf("unplaced %v, want the pod", plan.Unplaced)
			}
			if got := reasonClass(plan.Unplaced[0].Reason); got != tc.class {
				t.Errorf("class of %q = %s, want %s", plan.Unplaced[0].Reason, got, tc.class)
			}
		})
	}
}

func TestPlanObservedRecordsBatchSizeAndPlanningTime(t *testing.T) {
	ctx := context.Background()
	pl, err := planner.NewStandalone(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	batchesBefore, podsBefore := observations(t, batchPods.ObserverMetric)
	plansBefore, _ := observations(t, planningSeconds.ObserverMetric)
	if _, err := planObserved(ctx, pl, planner.Input{Pods: []*corev1.Pod{benchPod(1), benchPod(2), benchPod(3)}}); err != nil {
		t.Fatal(err)
	}
	batches, pods := observations(t, batchPods.ObserverMetric)
	if batches-batchesBefore != 1 || pods-podsBefore != 3 {
		t.Errorf("batch_size_pods: %d batches of %v pods, want 1 of 3", batches-batchesBefore, pods-podsBefore)
	}
	if plans, _ := observations(t, planningSeconds.ObserverMetric); plans-plansBefore != 1 {
		t.Errorf("planning_duration_seconds observed %d plans, want 1", plans-plansBefore)
	}
}

const waitingPodsName = "tailor_provisioner_waiting_pods"

// The gauge counts, on scrape, the pods of the open batch, those waiting for a
// request in flight (not for a failed one) and the parked ones, and forgets a
// plugin whose scheduler stopped.
func TestWaitingPodsGauge(t *testing.T) {
	p, _ := handOffTo(fake.NewClientBuilder().WithScheme(apis.NewScheme()).Build())
	ctx, cancel := context.WithCancel(context.Background())
	waiting.watch(ctx, p)
	p.window.add(benchPod(1))
	p.window.add(benchPod(2))
	p.flight.assign("general-a", []*corev1.Pod{benchPod(3), benchPod(4)})
	p.flight.assign("general-b", []*corev1.Pod{benchPod(5)})
	p.flight.fail("general-b", "no capacity")
	p.parked.add(benchPod(6), p.parked.seen())
	want := `
# HELP tailor_provisioner_waiting_pods [ALPHA] Pods waiting for new capacity: in the open batch (batched), for a request in flight (in_flight), or for a NodePool that can run them (unplaceable).
# TYPE tailor_provisioner_waiting_pods gauge
tailor_provisioner_waiting_pods{state="batched"} 2
tailor_provisioner_waiting_pods{state="in_flight"} 2
tailor_provisioner_waiting_pods{state="unplaceable"} 1
`
	if err := testutil.GatherAndCompare(legacyregistry.DefaultGatherer, strings.NewReader(want), waitingPodsName); err != nil {
		t.Error(err)
	}
	cancel()
	gone := strings.ReplaceAll(strings.ReplaceAll(want, "} 2", "} 0"), "} 1", "} 0")
	if err := testutil.GatherAndCompare(legacyregistry.DefaultGatherer, strings.NewReader(gone), waitingPodsName); err != nil {
		t.Errorf("after the scheduler stopped: %v", err)
	}
}
