// Package lowerbound computes the fluid lower bound on what nodes for a set of pods
// must cost (see /work/shared/bench/README.md): the cost if cpu and memory could
// be bought in any fraction of any instance type. Its dual prices per core and per
// GiB also tell which instance types are cost-efficient for the pods
// (docs/designs/0004-planner.md, Cost).
package lowerbound

import (
	"cmp"
	"math"
	"slices"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// gib is bytes per GiB.
const gib = 1 << 30

// idleDirection weighs cpu and memory (GiB) when pods request neither, so that
// the dual prices returned still rank types: a general-purpose ratio of 4 GiB per
// core.
var idleDirection = point{x: 1, y: 4}

// Fluid returns the fluid lower bound on the hourly cost of nodes that hold pods,
// and the dual prices a (per core-hour) and b (per GiB-hour) that prove it:
//
//	max a*sum(cpu) + b*sum(memGiB)  s.t.  a*cpu_t + b*mem_t <= price_t for every type t, a, b >= 0
//
// with pods' requested cpu and memory, each type's allocatable cpu and memory and
// the price of its cheapest available offering. Any set of nodes whose
// allocatable covers the pods' requests costs at least a*sum(cpu) + b*sum(mem).
// DaemonSet pods, pod counts and other resources are not counted, so the bound
// stays valid but may be loose. It is +Inf when pods request cpu or memory that no
// type with an available offering provides. Solved exactly in O(T log T).
func Fluid(pods []*corev1.Pod, types []*cloudprovider.InstanceType) (dollarsPerHour float64, a, b float64) {
	cpu, mem := demand(pods)
	return solve(point{x: cpu, y: mem}, supplies(types))
}

// Efficient returns the types whose cpu and memory, valued at a per core-hour and
// b per GiB-hour, are worth at least (1-slack) of their cheapest available price,
// in the order given. With Fluid's a and b these are the types an optimal fluid
// packing buys from (slack 0) or nearly so.
func Efficient(types []*cloudprovider.InstanceType, a, b, slack float64) []*cloudprovider.InstanceType {
	var out []*cloudprovider.InstanceType
	for _, it := range types {
		s, ok := supplyOf(it)
		if ok && a*s.cpu+b*s.mem >= (1-slack)*s.price {
			out = append(out, it)
		}
	}
	return out
}

// point is a pair of amounts of cpu (x, cores) and memory (y, GiB), or of
// prices of them.
type point struct{ x, y float64 }

// supply is what one node of a type provides, and its price.
type supply struct{ cpu, mem, price float64 }

// demand sums the pods' cpu (cores) and memory (GiB) requests.
func demand(pods []*corev1.Pod) (cpu, mem float64) {
	var milli, bytes int64
	for _, p := range pods {
		m, b := podRequests(p)
		milli += m
		bytes += b
	}
	return float64(milli) / 1000, float64(bytes) / gib
}

// podRequests is a pod's cpu (millicores) and memory (bytes) request as the
// scheduler counts it. Most pods only have containers, whose requests add up;
// the others (init containers, overhead, pod-level resources) take the
// scheduler's own helper, which allocates.
func podRequests(p *corev1.Pod) (milli, bytes int64) {
	if len(p.Spec.InitContainers) > 0 || p.Spec.Overhead != nil || p.Spec.Resources != nil {
		requests := resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})
		return requests.Cpu().MilliValue(), requests.Memory().Value()
	}
	for i := range p.Spec.Containers {
		requests := p.Spec.Containers[i].Resources.Requests
		if q, ok := requests[corev1.ResourceCPU]; ok {
			milli += q.MilliValue()
		}
		if q, ok := requests[corev1.ResourceMemory]; ok {
			bytes += q.Value()
		}
	}
	return milli, bytes
}

// supplies are the types that can be bought.
func supplies(types []*cloudprovider.InstanceType) []supply {
	out := make([]supply, 0, len(types))
	for _, it := range types {
		if s, ok := supplyOf(it); ok {
			out = append(out, s)
		}
	}
	return out
}

// supplyOf is a type's allocatable cpu and memory and its cheapest available
// price; ok is false when it has no available offering.
func supplyOf(it *cloudprovider.InstanceType) (supply, bool) {
	price, ok := math.MaxFloat64, false
	for _, o := range it.Offerings {
		if o.Available && o.PricePerHour < price {
			price, ok = o.PricePerHour, true
		}
	}
	if !ok {
		return supply{}, false
	}
	allocatable := it.Allocatable()
	return supply{
		cpu:   float64(allocatable.Cpu().MilliValue()) / 1000,
		mem:   float64(allocatable.Memory().Value()) / gib,
		price: price,
	}, true
}

// solve maximises a*want.x + b*want.y over the dual prices (a, b) >= 0 that price
// no type above its price. Dividing each constraint by the type's price, type t
// is the point u_t = (cpu_t, mem_t)/price_t (resources per dollar) and the
// constraint is (a, b)·u_t <= 1; only the points on the upper-right (Pareto)
// convex hull of the u_t bind. The feasible prices form a polygon whose corners
// are (0, 1/max mem per dollar), the intersections of the constraint lines of
// neighbouring hull points, and (1/max cpu per dollar, 0); the optimum is the
// best corner.
func solve(want point, types []supply) (float64, float64, float64) {
	perDollar := make([]point, 0, len(types))
	for _, s := range types {
		if s.price > 0 && (s.cpu > 0 || s.mem > 0) {
			perDollar = append(perDollar, point{x: s.cpu / s.price, y: s.mem / s.price})
		}
	}
	hull := paretoHull(perDollar)
	if len(hull) == 0 || (want.x > 0 && hull[len(hull)-1].x == 0) || (want.y > 0 && hull[0].y == 0) {
		if want.x == 0 && want.y == 0 {
			return 0, 0, 0
		}
		return math.Inf(1), 0, 0
	}
	direction := want
	if want.x == 0 && want.y == 0 {
		direction = idleDirection
	}
	best, bestValue := point{}, -1.0
	for _, c := range corners(hull) {
		if v := c.x*direction.x + c.y*direction.y; v > bestValue {
			best, bestValue = c, v
		}
	}
	best = feasible(best, types)
	return best.x*want.x + best.y*want.y, best.x, best.y
}

// corners are the corners of the polygon of feasible prices (a, b), from the
// b axis to the a axis, given the Pareto hull of the resources per dollar.
// A missing resource (every type has none of it) leaves its price at zero.
func corners(hull []point) []point {
	out := make([]point, 0, len(hull)+1)
	if top := hull[0]; top.y > 0 {
		out = append(out, point{x: 0, y: 1 / top.y})
	}
	for i := 1; i < len(hull); i++ {
		p, q := hull[i-1], hull[i]
		det := p.x*q.y - q.x*p.y // < 0: x grows and y falls along the hull
		out = append(out, point{x: (q.y - p.y) / det, y: (p.x - q.x) / det})
	}
	if right := hull[len(hull)-1]; right.x > 0 {
		out = append(out, point{x: 1 / right.x, y: 0})
	}
	return out
}

// paretoHull returns the points on the upper-right convex hull of points, from
// the one with the most y (the rightmost of those) to the one with the most x
// (the highest of those): x strictly grows and y strictly falls along it.
func paretoHull(points []point) []point {
	sorted := slices.Clone(points)
	slices.SortFunc(sorted, func(p, q point) int {
		if p.x != q.x {
			return cmp.Compare(p.x, q.x)
		}
		return cmp.Compare(p.y, q.y)
	})
	// Upper hull, left to right: drop a point that does not make a right turn.
	var upper []point
	for _, p := range sorted {
		for len(upper) >= 2 && cross(upper[len(upper)-2], upper[len(upper)-1], p) >= 0 {
			upper = upper[:len(upper)-1]
		}
		upper = append(upper, p)
	}
	// The Pareto part starts at the last point with the most y.
	start := 0
	for i, p := range upper {
		if p.y >= upper[start].y {
			start = i
		}
	}
	return upper[start:]
}

// cross is the z component of (a-o)×(b-o): positive for a left turn o→a→b.
func cross(o, a, b point) float64 {
	return (a.x-o.x)*(b.y-o.y) - (a.y-o.y)*(b.x-o.x)
}

// feasible scales prices down, if rounding left any type priced above its price,
// so that the bound they prove holds exactly.
func feasible(prices point, types []supply) point {
	scale := 1.0
	for _, s := range types {
		if value := prices.x*s.cpu + prices.y*s.mem; value > s.price {
			scale = math.Min(scale, s.price/value)
		}
	}
	return point{x: prices.x * scale, y: prices.y * scale}
}
