package planner_test

import (
	"testing"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// A catalog where a general-purpose family prices by memory: its shape fits a mix
// of cpu-heavy and memory-heavy pods, and is cheaper than a compute node for the
// first plus a memory node for the second.
func mixedCatalog() []*cloudprovider.InstanceType {
	return []*cloudprovider.InstanceType{
		instanceType("t.large", "t", 2, 8, 0.08),
		instanceType("t.xlarge", "t", 4, 16, 0.16),
		instanceType("t.2xlarge", "t", 8, 32, 0.32),
		instanceType("c.xlarge", "c", 4, 8, 0.15),
		instanceType("c.2xlarge", "c", 8, 16, 0.30),
		instanceType("r.large", "r", 2, 16, 0.1125),
		instanceType("r.xlarge", "r", 4, 32, 0.225),
		instanceType("r.2xlarge", "r", 8, 64, 0.45),
	}
}

func TestPodsOfDifferentRatiosShareANodeOfTheirMix(t *testing.T) {
	pool := nodePool("default", 0)
	pool.InstanceTypes = mixedCatalog()
	// 2 × (3 cpu, 2Gi) and 2 × (1 cpu, 14Gi): 8 cpu and 32Gi in all, one t.2xlarge
	// ($0.32); apart they need a c node for the first and an r node for the
	// second ($0.45 at least).
	in := planner.Input{Pods: append(pods("batch", 2, "3", 2), pods("cache", 2, "1", 14)...), NodePools: []planner.NodePoolInput{pool}}
	out := plan(t, in)
	if len(out.Unplaced) != 0 || len(out.NewNodes) != 1 || len(out.NewNodes[0].Pods) != 4 || cheapest(out.NewNodes[0]) != "t.2xlarge" {
		var got []string
		for _, n := range out.NewNodes {
			got = append(got, cheapest(n))
		}
		t.Fatalf("nodes %v (unplaced %d), want the 4 pods on one t.2xlarge", got, len(out.Unplaced))
	}
}

func TestNewNodeIsFilledWithPodsThatComplementIt(t *testing.T) {
	pool := nodePool("default", 0)
	pool.InstanceTypes = mixedCatalog()
	// Taken largest first, three 2.5-cpu pods would fill a node's cpu and leave
	// its memory idle; the fill pulls in memory-heavy pods instead, two of each
	// per t.2xlarge (7 cpu, 30Gi).
	in := planner.Input{Pods: append(pods("batch", 4, "2500m", 1), pods("cache", 4, "1", 14)...), NodePools: []planner.NodePoolInput{pool}}
	out := plan(t, in)
	total := 0.0
	for _, n := range out.NewNodes {
		total += n.InstanceTypes[0].Offerings[0].PricePerHour
	}
	if len(out.Unplaced) != 0 || len(out.NewNodes) != 2 || total > 0.64+1e-9 {
		t.Fatalf("%d nodes costing $%.3f/h (unplaced %d), want two t.2xlarge ($0.64/h)", len(out.NewNodes), total, len(out.Unplaced))
	}
}

func TestInFlightRoomIsUsedBeforeANewNodeIsFilled(t *testing.T) {
	inFlight := &planner.Node{Name: "default-abc12", NodePool: "default", InstanceTypes: catalog()[0:1]}
	in := planner.Input{
		Pods:      append(pods("big", 1, "3", 2), pods("small", 2, "500m", 1)...),
		InFlight:  []*planner.Node{inFlight},
		NodePools: []planner.NodePoolInput{nodePool("default", 0)},
	}
	out := plan(t, in)
	if len(out.InFlight["default-abc12"]) != 2 || len(out.NewNodes) != 1 || len(out.NewNodes[0].Pods) != 1 {
		t.Fatalf("in flight %d pods, new nodes %d; want the 2 small pods on the in-flight node and the big one on a new node", len(out.InFlight["default-abc12"]), len(out.NewNodes))
	}
}

// At equal price, fewer nodes win: fewer IPs, DaemonSet pods and boot waits.
func TestEqualPriceFavoursFewerNodes(t *testing.T) {
	// 8 pods of 1 cpu and 4Gi: four m.large, two m.xlarge or one m.2xlarge, all
	// $0.40/h (a c node holds fewer of them per dollar).
	out := plan(t, planner.Input{Pods: pods("even", 8, "1", 4), NodePools: []planner.NodePoolInput{nodePool("default", 0)}})
	if len(out.Unplaced) != 0 || len(out.NewNodes) != 1 || cheapest(out.NewNodes[0]) != "m.2xlarge" {
		var got []string
		for _, n := range out.NewNodes {
			got = append(got, cheapest(n))
		}
		t.Fatalf("nodes %v (unplaced %d), want one m.2xlarge", got, len(out.Unplaced))
	}
}
