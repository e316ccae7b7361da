package planner

import (
	"math"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// target narrows a new node's candidate types to one shape: the type that serves
// the pods still to place most cheaply (price per share of their cpu and memory,
// at their cpu:memory ratio), and the smaller sizes of its family. Packing then
// fills nodes of a shape that matches the work, and the node's final type is the
// smallest of the family (or any cheaper type) that holds what it got.
func (r *round) target(candidates []*cloudprovider.InstanceType, reqs scheduling.Requirements) []*cloudprovider.InstanceType {
	cpu, mem := r.remaining.Cpu().AsApproximateFloat64(), r.remaining.Memory().AsApproximateFloat64()
	// share compares bytes with bytes and cores with cores.
	if len(candidates) < 2 || (cpu <= 0 && mem <= 0) {
		return candidates
	}
	var best *cloudprovider.InstanceType
	bestCost := math.Inf(1)
	for _, it := range candidates {
		price, ok := cheapestOffering(it, reqs)
		if !ok {
			continue
		}
		sh := r.shapes.of(it)
		if cost := price / share(sh, cpu, mem); cost < bestCost ||
			(cost == bestCost && sh.cpuMilli > r.shapes.of(best).cpuMilli) {
			best, bestCost = it, cost
		}
	}
	if best == nil {
		return candidates
	}
	return r.familyUpTo(candidates, best)
}

// share is the fraction of the remaining (cpu, mem) demand a node of allocatable
// holds when filled at the demand's ratio.
func share(allocatable shape, cpu, mem float64) float64 {
	s := math.Inf(1)
	if cpu > 0 {
		s = math.Min(s, float64(allocatable.cpuMilli)/1000/cpu)
	}
	if mem > 0 {
		s = math.Min(s, float64(allocatable.memory)/mem)
	}
	if s <= 0 {
		return math.SmallestNonzeroFloat64
	}
	return s
}

// familyUpTo keeps best and the types of its family no larger than it.
func (r *round) familyUpTo(candidates []*cloudprovider.InstanceType, best *cloudprovider.InstanceType) []*cloudprovider.InstanceType {
	family := best.Requirements.Get(wellknown.InstanceFamilyLabelKey)
	if family.Len() != 1 {
		return []*cloudprovider.InstanceType{best}
	}
	limit := r.shapes.of(best)
	var out []*cloudprovider.InstanceType
	for _, it := range candidates {
		s := r.shapes.of(it)
		if s.cpuMilli <= limit.cpuMilli && s.memory <= limit.memory && it.Requirements.Get(wellknown.InstanceFamilyLabelKey).Has(family.Any()) {
			out = append(out, it)
		}
	}
	return out
}
