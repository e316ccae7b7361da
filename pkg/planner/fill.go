package planner

import (
	"cmp"
	"context"
	"math"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// A new node is planned for one pod and then filled at once with pods still to
// place (docs/designs/0004-planner.md, Packing): pods of fillable groups, chosen
// one at a time by how well their cpu, memory and pod slot fit what the node has
// left (the largest that lines up with the free room), each confirmed by tryJoin
// and so by the Filter plugins. Pods of different cpu:memory ratios thus share
// nodes whose shape matches their mix. The node's type is chosen by simulating
// that fill on each candidate type with arithmetic alone: the type whose price is
// lowest against the value of what it would hold wins, where a pod's value is
// what it costs packed only with its like on the cheapest type for it.

// efficientTypes are the types no other type beats: none is as cheap or cheaper
// and at least as large in cpu, memory and pods. Labels and other resources are
// ignored: a pod only such a beaten type holds gets no target (candidates).
func efficientTypes(types []*cloudprovider.InstanceType, reqs scheduling.Requirements, shapes shapes) []*cloudprovider.InstanceType {
	type priced struct {
		it    *cloudprovider.InstanceType
		price float64
	}
	var sorted []priced
	for _, it := range types {
		if price, ok := cheapestOffering(it, reqs); ok {
			sorted = append(sorted, priced{it, price})
		}
	}
	slices.SortStableFunc(sorted, func(a, b priced) int { return cmp.Compare(a.price, b.price) })
	var out []*cloudprovider.InstanceType
	var kept []shape
	for _, p := range sorted {
		s := shapes.of(p.it)
		if !slices.ContainsFunc(kept, func(k shape) bool {
			return k.cpuMilli >= s.cpuMilli && k.memory >= s.memory && k.pods >= s.pods
		}) {
			kept = append(kept, s)
			out = append(out, p.it)
		}
	}
	return out
}

// valueGroups prices each group's pod at its cost packed only with its like: the
// least, over the efficient types of every NodePool, of a type's price over how
// many of the pods it holds. It also lists the fillable groups.
func (r *round) valueGroups() {
	for _, g := range r.groups {
		g.value = math.Inf(1)
		for _, pl := range r.pools {
			for _, it := range pl.efficient {
				n := r.shapes.of(it).count(g.need)
				if price, ok := cheapestOffering(it, pl.reqs); ok && n > 0 {
					g.value = math.Min(g.value, price/float64(n))
				}
			}
		}
		if math.IsInf(g.value, 1) {
			g.value = 0
		}
		if g.fillable {
			r.fillable = append(r.fillable, g)
		}
		if g.fillable || g.pullable {
			r.fillers = append(r.fillers, g)
		}
	}
	r.counts = make([]int64, len(r.fillers))
}

// fillValue is value (a pod's) plus the value of what a fill of a new node of
// shape s, holding need already, would pull in from the pods left now:
// arithmetic only, taking about half of what fits of the chosen group at each
// step.
func (r *round) fillValue(s shape, need demand, value float64, own reserve, zoneFixed bool) float64 {
	if !s.holds(need) {
		return 0
	}
	free := s.minus(need)
	if own.count > 0 {
		take := min(own.count, free.count(own.g.need))
		free = free.minus(own.g.need.times(take))
		value += float64(take) * own.g.value
	}
	// Sizing counts only the pods of fillable groups: pulled pods of spread
	// and anti-affinity groups take what room is left (fill), and simulating
	// them one node-bound pod at a time would cost more than they change.
	for i, f := range r.fillable {
		r.counts[i] = f.pullCount(zoneFixed)
	}
	for {
		i := pick(r.fillable, r.counts, s, free)
		if i < 0 {
			return value
		}
		f := r.fillable[i]
		take := max(1, (min(r.counts[i], free.count(f.need))+1)/2)
		free = free.minus(f.need.times(take))
		r.counts[i] -= take
		value += float64(take) * f.value
	}
}

// density is the most value per millicore, byte and pod slot of the fillable
// pods left.
type density struct{ cpu, memory, pods float64 }

func (r *round) densities(own reserve) density {
	var d density
	for _, f := range r.fillable {
		if f.next < len(f.pods) {
			d.add(f)
		}
	}
	if own.count > 0 {
		d.add(own.g)
	}
	return d
}

func (d *density) add(g *group) {
	d.cpu = math.Max(d.cpu, g.value/float64(max(g.need.cpuMilli, 1)))
	d.memory = math.Max(d.memory, g.value/float64(max(g.need.memory, 1)))
	d.pods = math.Max(d.pods, g.value/float64(max(g.need.pods, 1)))
}

// reserve is room a new node keeps for more pods of the group it was planned
// for (group.share): the fill leaves it to them.
type reserve struct {
	g     *group
	count int64
}

// demand is what the pods still to come need.
func (v reserve) demand() demand {
	if v.g == nil || v.count <= 0 {
		return demand{}
	}
	return v.g.need.times(min(v.count, int64(len(v.g.pods)-v.g.next)))
}

// bound is at least fillValue(s, need, value): no fill of s's free room is
// worth more than its scarcest resource at the highest density.
func (d density) bound(s shape, need demand, value float64) float64 {
	free := s.minus(need)
	fill := math.Min(float64(max(free.cpuMilli, 0))*d.cpu, math.Min(float64(max(free.memory, 0))*d.memory, float64(max(free.pods, 0))*d.pods))
	return value + fill
}

// fill pulls pods still to place onto the new node n until none fits: first
// more of the group n was planned for, where its rules let them come at once,
// then pods of fillable groups into the room that n does not keep for its group.
func (r *round) fill(ctx context.Context, n *plannedNode) error {
	if err := r.fillOwn(ctx, n); err != nil {
		return err
	}
	zoneFixed := n.Requirements.Get(corev1.LabelTopologyZone).Len() == 1
	for i, f := range r.fillers {
		r.counts[i] = f.pullCount(zoneFixed)
	}
	for {
		i := pick(r.fillers, r.counts, n.room, n.room.minus(n.used.plus(n.reserved.demand())))
		if i < 0 {
			return nil
		}
		f := r.fillers[i]
		ok, _, err := r.tryJoin(ctx, f, f.pods[f.next], n)
		if err != nil {
			return err
		}
		if !ok {
			r.counts[i] = 0
			continue
		}
		f.next++
		r.counts[i]--
	}
}

// fillOwn pulls the next pods of n's own group onto n, up to its reserve, unless
// the group spreads over zones: those come one zone after another as the group
// is placed.
func (r *round) fillOwn(ctx context.Context, n *plannedNode) error {
	own := &n.reserved
	if own.g == nil || own.g.zoneSpread {
		return nil
	}
	for own.count > 0 && own.g.next < len(own.g.pods) {
		ok, _, err := r.tryJoin(ctx, own.g, own.g.pods[own.g.next], n)
		if err != nil || !ok {
			break
		}
		own.g.next++
	}
	own.count = 0
	return nil
}

// pick returns the index of the group, of those with pods counted, whose pod fits
// free and lines up best with it (the dot product of the pod's and the free
// room's shares of capacity), or -1.
func pick(groups []*group, counts []int64, capacity, free shape) int {
	best, bestScore := -1, 0.0
	for i, g := range groups {
		if counts[i] <= 0 || !free.holds(g.need) {
			continue
		}
		score := share(g.need.cpuMilli, free.cpuMilli, capacity.cpuMilli) +
			share(g.need.memory, free.memory, capacity.memory) +
			share(g.need.pods, free.pods, capacity.pods)
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

// share is the product of a and b as shares of capacity.
func share(a, b, capacity int64) float64 {
	if capacity <= 0 {
		return 0
	}
	c := float64(capacity)
	return float64(a) / c * float64(b) / c
}
