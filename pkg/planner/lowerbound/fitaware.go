package lowerbound

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// FitAware returns a lower bound on the hourly cost of nodes that hold pods which,
// unlike Fluid, knows that a pod lands whole on one node and that a node holds a
// limited number of pods. It is the LP relaxation of bin packing the pods,
// grouped into classes c of n_c pods with equal cpu and memory requests, onto the
// types t (allocatable cpu, memory and pods; price of the cheapest available
// offering):
//
//	min  sum_t price_t x_t
//	s.t. sum_t y_ct = n_c                                     for every class c
//	     sum_c cpu_c y_ct <= cpu_t x_t, sum_c mem_c y_ct <= mem_t x_t,
//	     sum_c y_ct <= pods_t x_t                             for every type t
//	     x, y >= 0; y_ct only where one pod of c fits an empty node of t
//
// x_t counts nodes of type t, in fractions, and y_ct the pods of class c on them.
// Every packing of the pods onto nodes is a feasible point, so none costs less.
// Fluid's optimum may sell a type's cheap cpu or memory to pods that do not fit
// it, or beyond its pod limit; this one cannot, so it is never lower, and much
// higher when the most resources per dollar come in nodes too small to use them.
// Like Fluid it ignores DaemonSets, other resources and scheduling constraints,
// which keeps it a lower bound.
//
// Only types that no other type beats per dollar go into the LP (undominated),
// which leaves its optimum unchanged. The LP has a row per class and three per
// remaining type and is solved with gonum's dense simplex. The value returned is
// not the simplex's: it is that of a dual solution checked against every type
// (certify), so it is a lower bound whatever the solver's rounding. The error
// says when some class fits no type, or when the solver failed.
func FitAware(pods []*corev1.Pod, types []*cloudprovider.InstanceType) (dollarsPerHour float64, err error) {
	cs := classesOf(pods)
	if len(cs) == 0 {
		return 0, nil
	}
	ns := nodesFor(cs, types)
	for c, class := range cs {
		if !slices.ContainsFunc(ns, func(n node) bool { return n.fits[c] }) {
			return 0, fmt.Errorf("bounding the cost of %d pods, no instance type with an available offering fits a pod requesting %dm cpu and %d bytes of memory", len(pods), class.milli, class.bytes)
		}
	}
	kept, dominator := undominated(ns)
	lpNodes := make([]node, len(kept))
	for i, t := range kept {
		lpNodes[i] = ns[t]
	}
	primal, keptPrices, err := solveBinPacking(cs, lpNodes)
	if err != nil {
		return 0, fmt.Errorf("bounding the cost of %d pods, %w", len(pods), err)
	}
	prices := make([]unitPrices, len(ns))
	for i, t := range kept {
		prices[t] = keptPrices[i]
	}
	for t, s := range dominator {
		if s != t {
			prices[t] = prices[s]
		}
	}
	bound := certify(cs, ns, prices)
	if bound < primal*(1-certifiedGap) {
		return 0, fmt.Errorf("bounding the cost of %d pods, the bin packing LP's dual proves %v $/h but its solution costs %v: the simplex stopped short of the optimum", len(pods), bound, primal)
	}
	return bound, nil
}

// certifiedGap is how far below the simplex's optimum the certified dual bound
// may fall: rounding only.
const certifiedGap = 1e-6

// class is pods with the same cpu (millicores) and memory (bytes) request.
type class struct {
	milli, bytes int64
	count        int
}

// node is what one node of a type provides and its price, and which classes
// fit it when empty (fits[c] for class c).
type node struct {
	supply
	name string
	pods float64
	fits []bool
}

// unitPrices are dual prices of one type's resources: per core, per GiB and per
// pod slot, in $/h.
type unitPrices struct{ cpu, mem, pod float64 }

// classesOf groups pods by request, in order of cpu then memory.
func classesOf(pods []*corev1.Pod) []class {
	type key struct{ milli, bytes int64 }
	counts := map[key]int{}
	for _, p := range pods {
		m, b := podRequests(p)
		counts[key{m, b}]++
	}
	out := make([]class, 0, len(counts))
	for k, n := range counts {
		out = append(out, class{milli: k.milli, bytes: k.bytes, count: n})
	}
	slices.SortFunc(out, func(a, b class) int {
		return cmp.Or(cmp.Compare(a.milli, b.milli), cmp.Compare(a.bytes, b.bytes))
	})
	return out
}

// nodesFor are the types that can be bought and hold at least one pod of some
// class; the others can take part in no packing.
func nodesFor(cs []class, types []*cloudprovider.InstanceType) []node {
	var out []node
	for _, it := range types {
		s, ok := supplyOf(it)
		if !ok {
			continue
		}
		allocatable := it.Allocatable()
		milli, bytes, pods := allocatable.Cpu().MilliValue(), allocatable.Memory().Value(), allocatable.Pods().Value()
		n := node{supply: s, name: it.Name, pods: float64(pods), fits: make([]bool, len(cs))}
		holdsOne := false
		for c, class := range cs {
			n.fits[c] = pods >= 1 && class.milli <= milli && class.bytes <= bytes
			holdsOne = holdsOne || n.fits[c]
		}
		if holdsOne {
			out = append(out, n)
		}
	}
	return out
}

// undominated returns the indices of the nodes that no other beats per dollar,
// and for every node one of those that beats it (itself if kept). s beats t
// when it has at least as much cpu, memory and pod room per dollar and room for
// every class t has room for. Dropping t leaves the LP optimum unchanged:
// price_t/price_s nodes of s cost as much as one of t and hold whatever it held.
// This covers a type that another has as much of everything for no more. Of
// types that tie both ways the first is kept.
func undominated(ns []node) (kept []int, dominator []int) {
	type perDollar struct{ cpu, mem, pods float64 }
	rates := make([]perDollar, len(ns))
	for i, n := range ns {
		rates[i] = perDollar{n.cpu / n.price, n.mem / n.price, n.pods / n.price}
	}
	// The rates are computed once so that beats is a preorder.
	beats := func(s, t int) bool {
		rs, rt := rates[s], rates[t]
		if rs.cpu < rt.cpu || rs.mem < rt.mem || rs.pods < rt.pods {
			return false
		}
		for c, fits := range ns[t].fits {
			if fits && !ns[s].fits[c] {
				return false
			}
		}
		return true
	}
	dominated := func(t int) bool {
		for s := range ns {
			if s != t && beats(s, t) && (s < t || !beats(t, s)) {
				return true
			}
		}
		return false
	}
	dominator = make([]int, len(ns))
	for t := range ns {
		dominator[t] = -1
		if !dominated(t) {
			kept = append(kept, t)
			dominator[t] = t
		}
	}
	for t := range ns {
		// Some kept node beats t, since beats is transitive.
		for _, s := range kept {
			if dominator[t] < 0 && beats(s, t) {
				dominator[t] = s
			}
		}
	}
	return kept, dominator
}

// Solver settings: the simplex's tolerance on reduced costs ($/h), and the
// room every type row gets for free (nodes; see solveBinPacking).
const (
	simplexTolerance = 1e-10
	freeRoom         = 1e-7
)

// solveBinPacking solves FitAware's LP over nodes that every class fits one of,
// and returns its optimum and the dual prices of each node's resources. In
// standard form (A v = b, v >= 0) the columns are x_t, y_ct, z_c and a slack
// per type row, and each type row is divided by the type's capacity so that
// its coefficients lie in [-1, 1]:
//
//	sum_t y_ct + z_c = n_c
//	sum_c (cpu_c/cpu_t) y_ct - x_t + s = e   (and the same for memory and pods)
//
// z_c puts pods of c one per node on the cheapest type that fits them, a
// packing the LP already allows, so it leaves the optimum unchanged; with the
// slacks it makes the identity a feasible starting basis. e is freeRoom,
// slightly different in every row: without it every row starts at zero and the
// simplex's ties among degenerate pivots end in a singular basis. It relaxes
// the LP by under 2e-7 of a node per type, and certify does not depend on it.
func solveBinPacking(cs []class, ns []node) (float64, []unitPrices, error) {
	type pair struct{ c, t int }
	var pairs []pair
	for t, n := range ns {
		for c := range cs {
			if n.fits[c] {
				pairs = append(pairs, pair{c, t})
			}
		}
	}
	rows, cols := len(cs)+3*len(ns), len(ns)+len(pairs)+len(cs)+3*len(ns)
	yAt, zAt, slackAt := len(ns), len(ns)+len(pairs), len(ns)+len(pairs)+len(cs)
	typeRow := func(t, r int) int { return len(cs) + 3*t + r }

	a := mat.NewDense(rows, cols, nil)
	cost := make([]float64, cols)
	b := make([]float64, rows)
	for t, n := range ns {
		cost[t] = n.price
		for r := range 3 {
			a.Set(typeRow(t, r), t, -1)
			a.Set(typeRow(t, r), slackAt+3*t+r, 1)
			b[typeRow(t, r)] = freeRoom * (1 + float64(typeRow(t, r))/float64(rows))
		}
	}
	for i, p := range pairs {
		a.Set(p.c, yAt+i, 1)
		for r, share := range shares(cs[p.c], ns[p.t]) {
			a.Set(typeRow(p.t, r), yAt+i, share)
		}
	}
	for c, class := range cs {
		b[c] = float64(class.count)
		a.Set(c, zAt+c, 1)
		cost[zAt+c] = math.Inf(1)
		for _, n := range ns {
			if n.fits[c] {
				cost[zAt+c] = math.Min(cost[zAt+c], n.price)
			}
		}
	}
	// unit[i] is the column that is row i's unit vector.
	unit := make([]int, rows)
	for c := range cs {
		unit[c] = zAt + c
	}
	for i := range 3 * len(ns) {
		unit[len(cs)+i] = slackAt + i
	}

	optimum, v, err := lp.Simplex(cost, a, b, simplexTolerance, unit)
	if err != nil {
		return 0, nil, fmt.Errorf("solving the bin packing LP (%d rows, %d columns), %w", rows, cols, err)
	}
	duals, err := basisDuals(a, cost, v, unit)
	if err != nil {
		return 0, nil, fmt.Errorf("pricing the bin packing LP's solution, %w", err)
	}
	prices := make([]unitPrices, len(ns))
	for t, n := range ns {
		// The dual of a type row is minus the dollars its resource is worth.
		per := func(r int, capacity float64) float64 {
			if capacity == 0 {
				return 0
			}
			return math.Max(0, -duals[typeRow(t, r)]) / capacity
		}
		prices[t] = unitPrices{cpu: per(0, n.cpu), mem: per(1, n.mem), pod: per(2, n.pods)}
	}
	return optimum, prices, nil
}

// shares are the fractions of a node's cpu, memory and pod room that one pod
// of a class takes (zero where the class requests none of it).
func shares(c class, n node) [3]float64 {
	frac := func(want, have float64) float64 {
		if want == 0 {
			return 0
		}
		return want / have
	}
	return [3]float64{frac(float64(c.milli)/1000, n.cpu), frac(float64(c.bytes)/gib, n.mem), 1 / n.pods}
}

// basisDuals are the duals (row prices) of a basic solution v of min cost·v
// s.t. A v = b: they solve Bᵀ π = cost_B for the basis B. The basis is v's
// nonzero columns, completed, when v is degenerate, by the unit columns of rows
// those leave uncovered (unit[i] for row i).
func basisDuals(a *mat.Dense, cost, v []float64, unit []int) ([]float64, error) {
	rows, _ := a.Dims()
	var basis []int
	for j, x := range v {
		if x != 0 {
			basis = append(basis, j)
		}
	}
	if len(basis) > rows {
		return nil, fmt.Errorf("the solution has %d nonzero values, more than its %d rows: it is not basic", len(basis), rows)
	}
	for _, i := range uncoveredRows(a, basis) {
		basis = append(basis, unit[i])
	}
	b := mat.NewDense(rows, len(basis), nil)
	costB := mat.NewVecDense(len(basis), nil)
	for k, j := range basis {
		b.SetCol(k, mat.Col(nil, j, a))
		costB.SetVec(k, cost[j])
	}
	var duals mat.VecDense
	if err := duals.SolveVec(b.T(), costB); err != nil {
		return nil, err
	}
	return duals.RawVector().Data, nil
}

// uncoveredRows are rows whose unit vectors, with A's columns cols (linearly
// independent), make a basis: the rows Gaussian elimination with partial
// pivoting does not pivot on.
func uncoveredRows(a *mat.Dense, cols []int) []int {
	rows, _ := a.Dims()
	m := mat.NewDense(rows, len(cols), nil)
	for k, j := range cols {
		m.SetCol(k, mat.Col(nil, j, a))
	}
	pivoted := make([]bool, rows)
	for k := range cols {
		best := -1
		for i := range rows {
			if !pivoted[i] && (best < 0 || math.Abs(m.At(i, k)) > math.Abs(m.At(best, k))) {
				best = i
			}
		}
		if best < 0 || m.At(best, k) == 0 {
			continue
		}
		pivoted[best] = true
		for i := range rows {
			if pivoted[i] || m.At(i, k) == 0 {
				continue
			}
			f := m.At(i, k) / m.At(best, k)
			for l := k; l < len(cols); l++ {
				m.Set(i, l, m.At(i, l)-f*m.At(best, l))
			}
		}
	}
	var out []int
	for i, p := range pivoted {
		if !p {
			out = append(out, i)
		}
	}
	return out
}

// certify returns the lower bound that dual prices for every node prove, by
// weak duality: with each node's prices scaled down until its resources are
// worth no more than its price, a pod of class c is worth u_c, the least it is
// worth on any node it fits; then any packing costs at least sum_c n_c u_c,
// since each node's price covers what its pods are worth there.
func certify(cs []class, ns []node, prices []unitPrices) float64 {
	worth := make([]float64, len(cs))
	for c := range worth {
		worth[c] = math.Inf(1)
	}
	for t, n := range ns {
		p := prices[t]
		if value := p.cpu*n.cpu + p.mem*n.mem + p.pod*n.pods; value > n.price {
			scale := n.price / value
			p = unitPrices{cpu: p.cpu * scale, mem: p.mem * scale, pod: p.pod * scale}
		}
		for c, class := range cs {
			if n.fits[c] {
				worth[c] = math.Min(worth[c], p.cpu*float64(class.milli)/1000+p.mem*float64(class.bytes)/gib+p.pod)
			}
		}
	}
	bound := 0.0
	for c, class := range cs {
		bound += float64(class.count) * worth[c]
	}
	return bound * (1 - roundingMargin)
}

// roundingMargin covers the rounding of the few hundred operations that go
// into a certified bound, each off by at most 1e-16 of its value.
const roundingMargin = 1e-12
