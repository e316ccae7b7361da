package planner_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/planner"
)

func TestPodsArrivingTogetherShareNodes(t *testing.T) {
	out := plan(t, planner.Input{Pods: pods("web", 12, "1", 2), NodePools: []planner.NodePoolInput{nodePool("default", 0)}})
	if len(out.Unplaced) != 0 {
		t.Fatalf("unplaced: %v", out.Unplaced[0].Reason)
	}
	placed := 0
	for _, n := range out.NewNodes {
		placed += len(n.Pods)
	}
	if placed != 12 || len(out.NewNodes) > 3 {
		t.Errorf("%d pods on %d nodes, want 12 pods on at most 3 nodes (8 cpu each)", placed, len(out.NewNodes))
	}
}

func TestCheapestTypeThatHoldsAllPodsWins(t *testing.T) {
	out := plan(t, planner.Input{Pods: pods("web", 1, "1500m", 3), NodePools: []planner.NodePoolInput{nodePool("default", 0)}})
	if len(out.NewNodes) != 1 || cheapest(out.NewNodes[0]) != "c.large" {
		t.Fatalf("nodes = %d, cheapest %q; want one c.large (2 cpu, 4Gi, the cheapest that holds 1.5 cpu 3Gi)", len(out.NewNodes), cheapest(out.NewNodes[0]))
	}
	for _, it := range out.NewNodes[0].InstanceTypes[1:] {
		if it.Offerings[0].PricePerHour < out.NewNodes[0].InstanceTypes[0].Offerings[0].PricePerHour {
			t.Errorf("instance types not ordered by price: %s before %s", out.NewNodes[0].InstanceTypes[0].Name, it.Name)
		}
	}
}

func TestNodeSelectorOnInstanceTypeNarrowsTheNode(t *testing.T) {
	out := plan(t, planner.Input{
		Pods: pods("big", 1, "1", 1, func(p *corev1.Pod) {
			p.Spec.NodeSelector = map[string]string{corev1.LabelInstanceTypeStable: "m.2xlarge"}
		}),
		NodePools: []planner.NodePoolInput{nodePool("default", 0)},
	})
	if len(out.NewNodes) != 1 || len(out.NewNodes[0].InstanceTypes) != 1 || cheapest(out.NewNodes[0]) != "m.2xlarge" {
		t.Fatalf("plan = %+v, want one node of exactly m.2xlarge", out.NewNodes)
	}
}

func TestTaintedNodePoolNeedsAToleration(t *testing.T) {
	tainted := nodePool("gpu", 0, func(np *karpv1.NodePool) {
		np.Spec.Template.Spec.Taints = karpv1.Taints{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	})
	out := plan(t, planner.Input{Pods: pods("plain", 1, "1", 1), NodePools: []planner.NodePoolInput{tainted}})
	if len(out.NewNodes) != 0 || len(out.Unplaced) != 1 || !strings.Contains(out.Unplaced[0].Reason, "untolerated taint") {
		t.Fatalf("plan = %d nodes, unplaced %+v; want the pod unplaced because of the taint", len(out.NewNodes), out.Unplaced)
	}
	tolerating := pods("tolerating", 1, "1", 1, func(p *corev1.Pod) {
		p.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	})
	if out := plan(t, planner.Input{Pods: tolerating, NodePools: []planner.NodePoolInput{tainted}}); len(out.NewNodes) != 1 {
		t.Fatalf("tolerating pod: %d nodes, unplaced %+v; want one node", len(out.NewNodes), out.Unplaced)
	}
}

func TestZoneSpreadUsesEveryZone(t *testing.T) {
	spread := func(p *corev1.Pod) {
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}},
		}}
	}
	out := plan(t, planner.Input{Pods: pods("spread", 6, "1", 1, spread), NodePools: []planner.NodePoolInput{nodePool("default", 0)}})
	perZone := map[string]int{}
	for _, n := range out.NewNodes {
		perZone[label(n, corev1.LabelTopologyZone)] += len(n.Pods)
	}
	if len(out.Unplaced) != 0 || len(perZone) != 3 || perZone[zones[0]] != 2 || perZone[zones[1]] != 2 || perZone[zones[2]] != 2 {
		t.Fatalf("pods per zone = %v (unplaced %d), want 2 in each of 3 zones", perZone, len(out.Unplaced))
	}
}

func TestHostnameAntiAffinityPutsOnePodPerNode(t *testing.T) {
	anti := func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "solo"}},
			}},
		}}
	}
	out := plan(t, planner.Input{Pods: pods("solo", 4, "500m", 1, anti), NodePools: []planner.NodePoolInput{nodePool("default", 0)}})
	if len(out.NewNodes) != 4 {
		t.Fatalf("%d nodes for 4 pods with hostname anti-affinity, want 4", len(out.NewNodes))
	}
	for _, n := range out.NewNodes {
		if len(n.Pods) != 1 {
			t.Errorf("node %s holds %d pods, want 1", n.Name, len(n.Pods))
		}
	}
}

func TestDaemonSetOverheadIsReserved(t *testing.T) {
	daemon := pods("logging", 1, "1", 1)
	// 1.5 cpu pods: with a 1 cpu DaemonSet pod, a 2 cpu type no longer holds one.
	out := plan(t, planner.Input{Pods: pods("web", 1, "1500m", 1), DaemonSetPods: daemon, NodePools: []planner.NodePoolInput{nodePool("default", 0)}})
	if len(out.NewNodes) != 1 || len(out.NewNodes[0].DaemonSetPods) != 1 || cheapest(out.NewNodes[0]) != "c.xlarge" {
		t.Fatalf("plan = %+v, want one c.xlarge node reserving the DaemonSet pod", out.NewNodes)
	}
}

func TestHeavierNodePoolFirstAndLimitsRespected(t *testing.T) {
	limited := nodePool("preferred", 50)
	limited.Remaining = corev1.ResourceList{corev1.ResourceCPU: *resourceQuantity("8")}
	fallback := nodePool("fallback", 10)
	out := plan(t, planner.Input{Pods: pods("web", 12, "1", 1), NodePools: []planner.NodePoolInput{fallback, limited}})
	perPool := map[string]int{}
	for _, n := range out.NewNodes {
		perPool[n.NodePool] += len(n.Pods)
	}
	if perPool["preferred"] == 0 || perPool["fallback"] == 0 || perPool["preferred"]+perPool["fallback"] != 12 {
		t.Fatalf("pods per NodePool = %v, want the weighted pool used up to its 8 cpu limit and the rest on fallback", perPool)
	}
}

func TestInFlightNodeIsUsedBeforeANewOne(t *testing.T) {
	inFlight := &planner.Node{Name: "default-abc12", NodePool: "default", InstanceTypes: catalog()[2:3]}
	out := plan(t, planner.Input{Pods: pods("web", 2, "1", 1), InFlight: []*planner.Node{inFlight}, NodePools: []planner.NodePoolInput{nodePool("default", 0)}})
	if len(out.NewNodes) != 0 || len(out.InFlight["default-abc12"]) != 2 {
		t.Fatalf("new nodes %d, in flight %v; want both pods to wait for default-abc12", len(out.NewNodes), out.InFlight)
	}
}

func TestHostPortsConflictOnOneNode(t *testing.T) {
	port := func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
	}
	out := plan(t, planner.Input{Pods: pods("ingress", 2, "100m", 1, port), NodePools: []planner.NodePoolInput{nodePool("default", 0)}})
	if len(out.NewNodes) != 2 {
		t.Fatalf("%d nodes for 2 pods on host port 8080, want 2", len(out.NewNodes))
	}
}
