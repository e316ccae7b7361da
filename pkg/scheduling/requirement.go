// Package scheduling holds label requirements as sets, for narrowing instance types
// and offerings by NodePool requirements before any scheduler plugin runs. It decides
// only which label values are possible; whether a pod fits a node is decided by the
// scheduler framework's Filter plugins.
package scheduling

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// Requirement is the set of values a label key may take: a finite set (In), the
// complement of a finite set (NotIn, Exists), optionally bounded by integer limits
// (Gt, Lt). The empty finite set means the label must be absent (DoesNotExist).
type Requirement struct {
	Key        string
	complement bool
	values     sets.Set[string]
	// sorted lists values in order. Both are set when the requirement is made and
	// never change after; the slice makes iterating and looking up small sets
	// cheap on hot paths (matching a NodePool against a whole catalog).
	sorted []string
	// greaterThan and lessThan bound integer values, exclusive.
	greaterThan *int64
	lessThan    *int64
	// MinValues is the least number of distinct values the instance types chosen for
	// a claim must span for this key.
	MinValues *int
}

// NewRequirement builds a requirement from a node selector operator and values. It
// panics on values Gt and Lt cannot parse; validate user input with Validate first.
func NewRequirement(key string, op corev1.NodeSelectorOperator, values ...string) *Requirement {
	r, err := ParseRequirement(key, op, values...)
	if err != nil {
		panic(err)
	}
	return r
}

// ParseRequirement builds a requirement, failing on an unknown operator or a Gt/Lt
// value that is not one integer.
func ParseRequirement(key string, op corev1.NodeSelectorOperator, values ...string) (*Requirement, error) {
	r := &Requirement{Key: key, values: sets.New[string]()}
	switch op {
	case corev1.NodeSelectorOpIn:
		r.values.Insert(values...)
	case corev1.NodeSelectorOpNotIn:
		r.complement = true
		r.values.Insert(values...)
	case corev1.NodeSelectorOpExists:
		r.complement = true
	case corev1.NodeSelectorOpDoesNotExist:
	case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
		if len(values) != 1 {
			return nil, fmt.Errorf("requirement %s %s needs exactly one integer value, got %d values", key, op, len(values))
		}
		n, err := strconv.ParseInt(values[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("requirement %s %s needs an integer value, got %q", key, op, values[0])
		}
		r.complement = true
		if op == corev1.NodeSelectorOpGt {
			r.greaterThan = &n
		} else {
			r.lessThan = &n
		}
	default:
		return nil, fmt.Errorf("requirement %s has unknown operator %q", key, op)
	}
	return r.sealed(), nil
}

// sealed records the sorted values once the set is final.
func (r *Requirement) sealed() *Requirement {
	r.sorted = sets.List(r.values)
	return r
}

// linearScanMax is the set size up to which scanning the sorted slice beats
// hashing the value: label requirements mostly hold one to a few values.
const linearScanMax = 8

// contains reports whether value is in the listed values.
func (r *Requirement) contains(value string) bool {
	if len(r.sorted) > linearScanMax {
		return r.values.Has(value)
	}
	for _, v := range r.sorted {
		if v == value {
			return true
		}
	}
	return false
}

// Has reports whether value is allowed.
func (r *Requirement) Has(value string) bool {
	if !r.withinBounds(value) {
		return false
	}
	return r.complement != r.contains(value)
}

// Any returns an allowed value: the smallest listed one for a finite set, else a
// value that is no listed exclusion and within bounds ("" if none can be made).
func (r *Requirement) Any() string {
	if !r.complement {
		if len(r.sorted) == 0 {
			return ""
		}
		return r.sorted[0]
	}
	if r.greaterThan != nil || r.lessThan != nil {
		lo, hi := r.bounds()
		for n := lo + 1; n < hi && n < lo+1+int64(r.values.Len())+1; n++ {
			if v := strconv.FormatInt(n, 10); !r.values.Has(v) {
				return v
			}
		}
		return ""
	}
	for i := 0; ; i++ {
		if v := fmt.Sprintf("value-%d", i); !r.values.Has(v) {
			return v
		}
	}
}

// Values returns the allowed values of a finite set, sorted; nil for a complement.
func (r *Requirement) Values() []string {
	if r.complement {
		return nil
	}
	return append(make([]string, 0, len(r.sorted)), r.sorted...)
}

// Len is the number of allowed values; math.MaxInt for a complement.
func (r *Requirement) Len() int {
	if r.complement {
		if r.isEmptyRange() {
			return 0
		}
		return math.MaxInt
	}
	return r.values.Len()
}

// Operator is the node selector operator that expresses the requirement.
func (r *Requirement) Operator() corev1.NodeSelectorOperator {
	switch {
	case !r.complement && len(r.sorted) == 0:
		return corev1.NodeSelectorOpDoesNotExist
	case !r.complement:
		return corev1.NodeSelectorOpIn
	case len(r.sorted) > 0:
		return corev1.NodeSelectorOpNotIn
	case r.greaterThan != nil:
		return corev1.NodeSelectorOpGt
	case r.lessThan != nil:
		return corev1.NodeSelectorOpLt
	}
	return corev1.NodeSelectorOpExists
}

// AllowsAbsence reports whether a node without the label satisfies the requirement,
// as NotIn and DoesNotExist do in Kubernetes.
func (r *Requirement) AllowsAbsence() bool {
	switch r.Operator() {
	case corev1.NodeSelectorOpDoesNotExist, corev1.NodeSelectorOpNotIn:
		return r.greaterThan == nil && r.lessThan == nil
	}
	return false
}

// Intersection returns the values allowed by both r and o.
func (r *Requirement) Intersection(o *Requirement) *Requirement {
	out := &Requirement{Key: r.Key, greaterThan: maxPtr(r.greaterThan, o.greaterThan), lessThan: minPtr(r.lessThan, o.lessThan)}
	out.MinValues = maxIntPtr(r.MinValues, o.MinValues)
	switch {
	case r.complement && o.complement:
		out.complement = true
		out.values = r.values.Union(o.values)
	case r.complement:
		out.values = o.values.Difference(r.values)
	case o.complement:
		out.values = r.values.Difference(o.values)
	default:
		out.values = r.values.Intersection(o.values)
	}
	if !out.complement {
		for v := range out.values {
			if !out.withinBounds(v) {
				out.values.Delete(v)
			}
		}
		out.greaterThan, out.lessThan = nil, nil
	}
	return out.sealed()
}

// Intersects reports whether some node could satisfy both r and o: they share a
// value, or both allow the label to be absent.
func (r *Requirement) Intersects(o *Requirement) bool {
	return (r.AllowsAbsence() && o.AllowsAbsence()) || r.sharesValue(o)
}

// sharesValue reports whether some value is allowed by both r and o.
func (r *Requirement) sharesValue(o *Requirement) bool {
	// When either side is a finite set, they intersect when one of its values is
	// allowed by both; checking that allocates nothing, unlike Intersection.
	if finite := r.smallerFiniteSet(o); finite != nil {
		other := o
		if finite == o {
			other = r
		}
		for _, v := range finite.sorted {
			// v is in finite's set, so finite allows it when it is within bounds.
			if finite.withinBounds(v) && other.Has(v) {
				return true
			}
		}
		return false
	}
	return r.Intersection(o).Len() > 0
}

// smallerFiniteSet returns whichever of r and o is a finite set (In or
// DoesNotExist), the smaller if both are; nil when both are complements.
func (r *Requirement) smallerFiniteSet(o *Requirement) *Requirement {
	switch {
	case r.complement && o.complement:
		return nil
	case r.complement:
		return o
	case o.complement:
		return r
	case o.values.Len() < r.values.Len():
		return o
	}
	return r
}

// NodeSelectorRequirement expresses r for the Kubernetes API.
func (r *Requirement) NodeSelectorRequirement() corev1.NodeSelectorRequirement {
	op := r.Operator()
	out := corev1.NodeSelectorRequirement{Key: r.Key, Operator: op}
	switch op {
	case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
		out.Values = sets.List(r.values)
	case corev1.NodeSelectorOpGt:
		out.Values = []string{strconv.FormatInt(*r.greaterThan, 10)}
	case corev1.NodeSelectorOpLt:
		out.Values = []string{strconv.FormatInt(*r.lessThan, 10)}
	}
	return out
}

// String is a short human form, e.g. "karpenter.sh/capacity-type In [on-demand spot]".
func (r *Requirement) String() string {
	var b strings.Builder
	b.WriteString(r.Key + " " + string(r.Operator()))
	if values := sets.List(r.values); len(values) > 0 {
		if len(values) > 5 {
			values = append(values[:5], fmt.Sprintf("and %d others", len(r.values)-5))
		}
		b.WriteString(" [" + strings.Join(values, " ") + "]")
	}
	if r.greaterThan != nil {
		fmt.Fprintf(&b, " >%d", *r.greaterThan)
	}
	if r.lessThan != nil {
		fmt.Fprintf(&b, " <%d", *r.lessThan)
	}
	return b.String()
}

func (r *Requirement) withinBounds(value string) bool {
	if r.greaterThan == nil && r.lessThan == nil {
		return true
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return false
	}
	return (r.greaterThan == nil || n > *r.greaterThan) && (r.lessThan == nil || n < *r.lessThan)
}

func (r *Requirement) bounds() (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if r.greaterThan != nil {
		lo = *r.greaterThan
	}
	if r.lessThan != nil {
		hi = *r.lessThan
	}
	return lo, hi
}

func (r *Requirement) isEmptyRange() bool {
	if r.greaterThan == nil || r.lessThan == nil {
		return false
	}
	lo, hi := r.bounds()
	free := hi - lo - 1
	if free <= 0 {
		return true
	}
	excluded := 0
	for v := range r.values {
		if r.withinBounds(v) {
			excluded++
		}
	}
	return free <= int64(excluded)
}

func maxPtr(a, b *int64) *int64 {
	if a == nil || (b != nil && *b > *a) {
		return b
	}
	return a
}

func minPtr(a, b *int64) *int64 {
	if a == nil || (b != nil && *b < *a) {
		return b
	}
	return a
}

func maxIntPtr(a, b *int) *int {
	if a == nil || (b != nil && *b > *a) {
		return b
	}
	return a
}
