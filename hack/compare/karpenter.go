package main

import (
	"context"
	"fmt"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	karpv1 "sigs.k8s.io/karpenter/pkg/apis/v1"
	"sigs.k8s.io/karpenter/pkg/cloudprovider"
	fakecloud "sigs.k8s.io/karpenter/pkg/cloudprovider/fake"
	"sigs.k8s.io/karpenter/pkg/controllers/provisioning/scheduling"
	"sigs.k8s.io/karpenter/pkg/controllers/state"
	"sigs.k8s.io/karpenter/pkg/events"
	"sigs.k8s.io/karpenter/pkg/operator/injection"
	"sigs.k8s.io/karpenter/pkg/operator/options"
)

// karpenterOptions are Karpenter's defaults as its operator sets them, for what
// its scheduler reads: preferences respected, minValues strict, reserved
// capacity on.
func karpenterOptions() *options.Options {
	return &options.Options{
		CPURequests: 2000, PreferencePolicy: options.PreferencePolicyRespect, MinValuesPolicy: options.MinValuesPolicyStrict,
		IgnoreDRARequests: true, FeatureGates: options.FeatureGates{ReservedCapacity: true},
	}
}

// runKarpenter plans the pods with Karpenter's provisioning scheduler on an
// empty cluster, timing one provisioning round: topology, scheduler and Solve.
func runKarpenter(ctx context.Context, pods []*corev1.Pod, pools []*karpv1.NodePool, types []*cloudprovider.InstanceType) (side, error) {
	ctx = options.ToContext(injection.WithControllerName(ctx, "provisioner"), karpenterOptions())
	// Karpenter's API package registers its types in client-go's scheme.
	kube := fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).Build()
	cloud := fakecloud.NewCloudProvider()
	cloud.InstanceTypes = types
	clk := clock.RealClock{}
	cluster := state.NewCluster(clk, kube, cloud)
	byPool := map[string][]*cloudprovider.InstanceType{}
	for _, np := range pools {
		byPool[np.Name] = types
	}
	start := time.Now()
	topology, err := scheduling.NewTopology(ctx, kube, cluster, nil, pools, byPool, pods)
	if err != nil {
		return side{}, fmt.Errorf("building the topology, %w", err)
	}
	s := scheduling.NewScheduler(ctx, kube, pools, cluster, nil, topology, byPool, nil,
		events.NewRecorder(&record.FakeRecorder{}), clk, nil)
	results, err := s.Solve(ctx, pods)
	if err != nil {
		return side{}, fmt.Errorf("solving, %w", err)
	}
	seconds := time.Since(start).Seconds()
	out := side{Nodes: len(results.NewNodeClaims), Unplaced: len(results.PodErrors), Seconds: seconds, PodsPerSecond: float64(len(pods)) / seconds}
	for _, nc := range results.NewNodeClaims {
		price, ok := cheapest(nc)
		if !ok {
			return side{}, fmt.Errorf("a nodeclaim of %d pods has no offering its requirements allow", len(nc.Pods))
		}
		out.PricePerHour += price
	}
	out.PricePerHour = math.Round(out.PricePerHour*1e6) / 1e6
	return out, nil
}

// cheapest is the price of the cheapest available offering, of the claim's
// instance type options, that its requirements allow: what it would launch as
// on-demand (for spot, CreateFleet's allocation strategy may pick another).
func cheapest(nc *scheduling.NodeClaim) (float64, bool) {
	price, ok := math.Inf(1), false
	for _, it := range nc.InstanceTypeOptions {
		if o := it.Offerings.Available().Compatible(nc.Requirements).Cheapest(); o != nil && o.Price < price {
			price, ok = o.Price, true
		}
	}
	return price, ok
}
