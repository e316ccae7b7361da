package planner

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// target chooses a new node's type among scored (types on a NodePool's
// efficient frontier that hold the node's first pod and DaemonSet pods, which
// need, worth value): the one that costs least for what it would hold, price
// over the value of the pod, of the own group's pods it can expect (own) and of
// the pods a fill would pull in (fill.go), the
// larger on ties. Types are tried best bound first, and the fill is simulated
// only for those whose bound can still win. It returns nil when none scores.
func (r *round) target(scored []*cloudprovider.InstanceType, reqs scheduling.Requirements, need demand, value float64, own reserve) *cloudprovider.InstanceType {
	density := r.densities(own)
	zoneFixed := reqs.Get(corev1.LabelTopologyZone).Len() == 1
	type option struct {
		it           *cloudprovider.InstanceType
		price, bound float64
	}
	options := make([]option, 0, len(scored))
	for _, it := range scored {
		if price, ok := cheapestOffering(it, reqs); ok {
			options = append(options, option{it, price, price / density.bound(r.shapes.of(it), need, value)})
		}
	}
	slices.SortFunc(options, func(a, b option) int { return cmp.Compare(a.bound, b.bound) })
	var best *cloudprovider.InstanceType
	var bestCost float64
	for _, o := range options {
		if best != nil && o.bound > bestCost*(1+1e-9) {
			break
		}
		worth := r.fillValue(r.shapes.of(o.it), need, value, own, zoneFixed)
		if worth <= 0 {
			continue
		}
		cost := o.price / worth
		if best == nil || cost < bestCost*(1-1e-9) || (cost <= bestCost*(1+1e-9) && r.shapes.of(o.it).cpuMilli > r.shapes.of(best).cpuMilli) {
			best, bestCost = o.it, cost
		}
	}
	return best
}

// upTo keeps the types of family no larger than best: the node's final type is
// the smallest of them (or any cheaper type) that holds what it got.
func (r *round) upTo(family []*cloudprovider.InstanceType, best *cloudprovider.InstanceType) []*cloudprovider.InstanceType {
	limit := r.shapes.of(best)
	var out []*cloudprovider.InstanceType
	for _, it := range family {
		if s := r.shapes.of(it); s.cpuMilli <= limit.cpuMilli && s.memory <= limit.memory {
			out = append(out, it)
		}
	}
	return out
}
