package planner

import (
	"math"

	corev1 "k8s.io/api/core/v1"

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
		if cost := price / share(it.Allocatable(), cpu, mem); cost < bestCost ||
			(cost == bestCost && larger(it.Allocatable(), best.Allocatable())) {
			best, bestCost = it, cost
		}
	}
	if best == nil {
		return candidates
	}
	return familyUpTo(candidates, best)
}

// share is the fraction of the remaining (cpu, mem) demand a node of allocatable
// holds when filled at the demand's ratio.
func share(allocatable corev1.ResourceList, cpu, mem float64) float64 {
	s := math.Inf(1)
	if cpu > 0 {
		s = math.Min(s, allocatable.Cpu().AsApproximateFloat64()/cpu)
	}
	if mem > 0 {
		s = math.Min(s, allocatable.Memory().AsApproximateFloat64()/mem)
	}
	if s <= 0 {
		return math.SmallestNonzeroFloat64
	}
	return s
}

// familyUpTo keeps best and the types of its family no larger than it.
func familyUpTo(candidates []*cloudprovider.InstanceType, best *cloudprovider.InstanceType) []*cloudprovider.InstanceType {
	family := best.Requirements.Get(wellknown.InstanceFamilyLabelKey)
	if family.Len() != 1 {
		return []*cloudprovider.InstanceType{best}
	}
	limit := best.Allocatable()
	var out []*cloudprovider.InstanceType
	for _, it := range candidates {
		if it.Requirements.Get(wellknown.InstanceFamilyLabelKey).Has(family.Any()) && holds(limit, it.Allocatable()) {
			out = append(out, it)
		}
	}
	return out
}
