package planner_test

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

// Zone-spread Deployments cost no more than 10% above the same pods without the
// constraint, on the project's catalog: a planned node pinned to a zone keeps
// room for its zone's share of the Deployment instead of taking one pod. Where
// a third of the pods does not fill whole nodes, the bound is the cost of a
// third of them planned unconstrained, three times: no plan of a zone's share
// does better.
func TestZoneSpreadPacksLikeUnconstrained(t *testing.T) {
	types, err := planio.LoadCatalog("", nil, 0)
	if err != nil {
		t.Fatalf("loading the catalog: %v", err)
	}
	p, err := planner.NewStandalone(context.Background(), nil, nil)
	if err != nil {
		t.Fatalf("building planner: %v", err)
	}
	plan := func(t *testing.T, in planner.Input) planner.Plan {
		t.Helper()
		out, err := p.Plan(context.Background(), in)
		if err != nil {
			t.Fatalf("planning: %v", err)
		}
		return out
	}
	pools := map[string]planner.NodePoolInput{
		"any": {NodePool: nodePool("any", 0).NodePool, InstanceTypes: types},
		"cmr": {NodePool: nodePool("cmr", 0, func(np *karpv1.NodePool) {
			np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements,
				karpv1.NodeSelectorRequirementWithMinValues{Key: wellknown.InstanceCategoryLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{"c", "m", "r"}},
				karpv1.NodeSelectorRequirementWithMinValues{Key: wellknown.InstanceGenerationLabelKey, Operator: corev1.NodeSelectorOpGt, Values: []string{"2"}})
		}).NodePool, InstanceTypes: types},
	}
	others := map[string]func(*corev1.Pod){
		"alone":            func(*corev1.Pod) {},
		"amd64 selector":   func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{corev1.LabelArchStable: "amd64"} },
		"soft host spread": softHostnameSpread,
	}
	for poolName, pool := range pools {
		for _, size := range []struct {
			n     int
			cpu   string
			memGi int64
		}{{24, "500m", 1}, {60, "500m", 1}, {150, "250m", 1}, {90, "1", 2}, {300, "500m", 2}} {
			for _, skew := range []int32{1, 2} {
				for otherName, other := range others {
					name := fmt.Sprintf("%s/%d×%s-%dGi/skew %d/%s", poolName, size.n, size.cpu, size.memGi, skew, otherName)
					t.Run(name, func(t *testing.T) {
						free := plan(t, planner.Input{Pods: pods("web", size.n, size.cpu, size.memGi, other), NodePools: []planner.NodePoolInput{pool}})
						spread := plan(t, planner.Input{Pods: pods("web", size.n, size.cpu, size.memGi, other, zoneSpread(skew)), NodePools: []planner.NodePoolInput{pool}})
						if len(free.Unplaced)+len(spread.Unplaced) != 0 {
							t.Fatalf("unplaced pods: %d without the spread, %d with it", len(free.Unplaced), len(spread.Unplaced))
						}
						expectSkew(t, spread, int(skew))
						third := plan(t, planner.Input{Pods: pods("web", size.n/3, size.cpu, size.memGi, other), NodePools: []planner.NodePoolInput{pool}})
						freeCost, spreadCost, zonesCost := planCost(free), planCost(spread), 3*planCost(third)
						bound := max(freeCost, zonesCost)
						t.Logf("spread $%.4f/h on %d nodes, unconstrained $%.4f/h on %d nodes (%.3fx), a third unconstrained in each zone $%.4f/h",
							spreadCost, len(spread.NewNodes), freeCost, len(free.NewNodes), spreadCost/freeCost, zonesCost)
						if spreadCost > 1.10*bound {
							t.Errorf("spread plan costs $%.4f/h, %.2fx the $%.4f/h of the same pods unconstrained (or a third of them per zone); want at most 1.10x", spreadCost, spreadCost/bound, bound)
						}
					})
				}
			}
		}
	}
}

func zoneSpread(skew int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, corev1.TopologySpreadConstraint{
			MaxSkew: skew, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": p.Labels["app"]}},
		})
	}
}

func softHostnameSpread(p *corev1.Pod) {
	p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, corev1.TopologySpreadConstraint{
		MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": p.Labels["app"]}},
	})
}

// expectSkew checks the plan's pods per zone differ by at most skew.
func expectSkew(t *testing.T, p planner.Plan, skew int) {
	t.Helper()
	perZone := map[string]int{}
	for _, n := range p.NewNodes {
		perZone[label(n, corev1.LabelTopologyZone)] += len(n.Pods)
	}
	low, high := -1, 0
	for _, z := range planio.DefaultZones {
		if low < 0 || perZone[z] < low {
			low = perZone[z]
		}
		high = max(high, perZone[z])
	}
	if high-low > skew {
		t.Errorf("pods per zone %v: skew %d, want at most %d", perZone, high-low, skew)
	}
}

// planCost is the hourly price of the plan's new nodes, each at the cheapest
// offering of its cheapest type that its requirements allow.
func planCost(p planner.Plan) float64 {
	total := 0.0
	for _, n := range p.NewNodes {
		o, _ := n.InstanceTypes[0].Offerings.Available().Compatible(n.Requirements).Cheapest()
		total += o.PricePerHour
	}
	return total
}

// Pods that require node labels share the nodes planned for them, as many as
// fit, and pods that repel their like (hostname anti-affinity) get one node
// each, spread or not.
func TestPodsWithNodeRequirementsShareNodes(t *testing.T) {
	types, err := planio.LoadCatalog("", nil, 0)
	if err != nil {
		t.Fatalf("loading the catalog: %v", err)
	}
	pool := planner.NodePoolInput{NodePool: nodePool("any", 0).NodePool, InstanceTypes: types}
	arm := func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{corev1.LabelArchStable: "arm64"} }
	out := plan(t, planner.Input{Pods: pods("arm", 40, "500m", 1, arm), NodePools: []planner.NodePoolInput{pool}})
	for _, n := range out.NewNodes {
		if label(n, corev1.LabelArchStable) != "arm64" {
			t.Errorf("node %s is not arm64", n.Name)
		}
	}
	if len(out.Unplaced) != 0 || len(out.NewNodes) > 14 {
		t.Errorf("40 arm pods of 500m on %d nodes (unplaced %d), want them sharing nodes (at most 14)", len(out.NewNodes), len(out.Unplaced))
	}
	apart := func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": p.Labels["app"]}},
		}}}}
	}
	out = plan(t, planner.Input{Pods: pods("apart", 9, "500m", 1, apart, zoneSpread(1)), NodePools: []planner.NodePoolInput{pool}})
	if len(out.Unplaced) != 0 || len(out.NewNodes) != 9 {
		t.Errorf("9 pods with hostname anti-affinity on %d nodes (unplaced %d), want 9", len(out.NewNodes), len(out.Unplaced))
	}
	expectSkew(t, out, 1)
}
