// Package bench measures the planner on the workload mixes of
// ../shared/bench/README.md over the shared instance catalog: pods planned per
// second, nodes, hourly cost, and cost over two lower bounds: the fluid one
// (cost/LB) and the tighter bin packing LP (cost/fitLB; fitLB/LB is how much
// tighter it is, so no packing reaches a cost/LB below it). The catalog is
// read from ../shared/bench when present (it is a measuring stick, never part of
// the project); the benchmarks skip and say so when it is absent.
package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/planner/lowerbound"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

// sharedCatalog is the shared benchmark catalog, relative to this package.
var sharedCatalog = filepath.Join("..", "..", "..", "..", "shared", "bench", "aws-us-east-1-instance-types.json")

// Zones stated for the shared catalog, which has none; on-demand prices only.
var benchZones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

func loadShared(b *testing.B) []*cloudprovider.InstanceType {
	b.Helper()
	if _, err := os.Stat(sharedCatalog); err != nil {
		b.Skipf("shared benchmark catalog %s is absent (%v); these benchmarks need it", sharedCatalog, err)
	}
	types, err := planio.LoadCatalog(sharedCatalog, benchZones, 0)
	if err != nil {
		b.Fatalf("loading %s: %v", sharedCatalog, err)
	}
	return types
}

// anyArchNodePool lets the planner choose among every type (linux, on-demand).
func anyArchNodePool(b *testing.B) *karpv1.NodePool {
	b.Helper()
	pools := planio.DefaultNodePools()
	np := pools[0].DeepCopy()
	var reqs []karpv1.NodeSelectorRequirementWithMinValues
	for _, r := range np.Spec.Template.Spec.Requirements {
		if r.Key != corev1.LabelArchStable {
			reqs = append(reqs, r)
		}
	}
	np.Spec.Template.Spec.Requirements = reqs
	return np
}

// speedFloors are the pods/s each mix must plan at, at every size and on every
// NodePool, in a steady state (the NodePools and catalog prepared by an
// earlier round, as in a running scheduler).
var speedFloors = map[string]float64{"generic": 10000, "diverse": 2000}

func BenchmarkPlan(b *testing.B) {
	types := loadShared(b)
	for _, pool := range []struct {
		name string
		np   func(*testing.B) *karpv1.NodePool
	}{{"any", anyArchNodePool}, {"cmr", cmrNodePool}} {
		for _, mix := range []struct {
			name string
			pods func(int, int64) []*corev1.Pod
		}{{"generic", planio.GenericMix}, {"diverse", planio.DiverseMix}} {
			for _, n := range []int{100, 1000, 5000} {
				b.Run(fmt.Sprintf("%s/%s/%d", pool.name, mix.name, n), func(b *testing.B) {
					benchmarkPlan(b, types, pool.np(b), mix.pods(n, 1), speedFloors[mix.name])
				})
			}
		}
	}
}

// cmrNodePool allows c, m and r types newer than the second generation, either
// architecture, on demand: the tutorials' default NodePool.
func cmrNodePool(b *testing.B) *karpv1.NodePool {
	np := anyArchNodePool(b)
	np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements,
		karpv1.NodeSelectorRequirementWithMinValues{Key: wellknown.InstanceCategoryLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{"c", "m", "r"}},
		karpv1.NodeSelectorRequirementWithMinValues{Key: wellknown.InstanceGenerationLabelKey, Operator: corev1.NodeSelectorOpGt, Values: []string{"2"}})
	return np
}

func benchmarkPlan(b *testing.B, types []*cloudprovider.InstanceType, np *karpv1.NodePool, pods []*corev1.Pod, floor float64) {
	ctx := context.Background()
	p, err := planner.NewStandalone(ctx, nil, nil)
	if err != nil {
		b.Fatalf("building planner: %v", err)
	}
	in := planner.Input{Pods: pods, NodePools: []planner.NodePoolInput{{NodePool: np, InstanceTypes: types}}}
	// A running scheduler prepared its NodePools and catalog in an earlier round.
	plan, err := p.Plan(ctx, in)
	if err != nil {
		b.Fatalf("planning: %v", err)
	}
	b.ResetTimer()
	for range b.N {
		if plan, err = p.Plan(ctx, in); err != nil {
			b.Fatalf("planning: %v", err)
		}
	}
	b.StopTimer()
	if err := planio.Validate(plan, pods); err != nil {
		b.Fatalf("invalid plan: %v", err)
	}
	result := planio.NewResult(plan, 0)
	bound, _, _ := lowerbound.Fluid(pods, types)
	fitBound, err := lowerbound.FitAware(pods, types)
	if err != nil {
		b.Fatalf("bounding the cost: %v", err)
	}
	secondsPerPlan := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(len(pods))/secondsPerPlan, "pods/s")
	b.ReportMetric(float64(result.NodeCount), "nodes")
	b.ReportMetric(result.TotalPricePerHour, "$/h")
	b.ReportMetric(result.TotalPricePerHour/bound, "cost/LB")
	b.ReportMetric(fitBound/bound, "fitLB/LB")
	b.ReportMetric(result.TotalPricePerHour/fitBound, "cost/fitLB")
	b.ReportMetric(float64(len(result.Unplaced)), "unplaced")
	if podsPerSecond := float64(len(pods)) / secondsPerPlan; podsPerSecond < floor {
		b.Errorf("%.0f pods/s, below the floor of %.0f", podsPerSecond, floor)
	}
}
