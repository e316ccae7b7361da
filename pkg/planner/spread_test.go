package planner_test

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailor-sh/tailor/pkg/planner"
)

// Pods of one hostname spread waiting for in-flight nodes stay within maxSkew.
// Which domains the spread plugin tracks as smallest depends on map order, so
// the round is planned several times.
func TestHostnameSpreadStaysWithinSkewOnInFlightNodes(t *testing.T) {
	spread := func(p *corev1.Pod) {
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}},
		}}
	}
	ctx := context.Background()
	p, err := planner.NewStandalone(ctx, nil, nil)
	if err != nil {
		t.Fatalf("building planner: %v", err)
	}
	for range 20 {
		var inFlight []*planner.Node
		for i := range 4 {
			inFlight = append(inFlight, &planner.Node{Name: fmt.Sprintf("default-%d", i), NodePool: "default", InstanceTypes: catalog()[2:3]})
		}
		out, err := p.Plan(ctx, planner.Input{Pods: pods("spread", 8, "250m", 1, spread), InFlight: inFlight, NodePools: []planner.NodePoolInput{nodePool("default", 0)}})
		if err != nil {
			t.Fatalf("planning: %v", err)
		}
		low, high := 8, 0
		for _, n := range inFlight {
			low, high = min(low, len(out.InFlight[n.Name])), max(high, len(out.InFlight[n.Name]))
		}
		if len(out.NewNodes) != 0 || high-low > 1 {
			t.Fatalf("spread pods per in-flight node range from %d to %d (new nodes %d), want 2 on each", low, high, len(out.NewNodes))
		}
	}
}

// Many pods of one zone spread placed in one round stay within maxSkew: the
// planner keeps the spread plugin's state exact between placements.
func TestZoneSpreadStaysWithinSkewForManyPods(t *testing.T) {
	spread := func(p *corev1.Pod) {
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}},
		}}
	}
	in := planner.Input{Pods: pods("spread", 40, "250m", 1, spread), NodePools: []planner.NodePoolInput{nodePool("default", 0)}}
	out := plan(t, in)
	perZone := map[string]int{}
	for _, n := range out.NewNodes {
		perZone[label(n, corev1.LabelTopologyZone)] += len(n.Pods)
	}
	low, high := len(in.Pods), 0
	for _, z := range zones {
		low, high = min(low, perZone[z]), max(high, perZone[z])
	}
	if len(out.Unplaced) != 0 || high-low > 1 {
		t.Fatalf("pods per zone = %v (unplaced %d), want 40 pods spread over 3 zones with a skew of at most 1", perZone, len(out.Unplaced))
	}
}
