package scheduling

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// Requirements are requirements by label key; adding a key twice intersects.
type Requirements map[string]*Requirement

// NewRequirements returns the intersection of reqs.
func NewRequirements(reqs ...*Requirement) Requirements {
	out := Requirements{}
	out.Add(reqs...)
	return out
}

// NewLabelRequirements returns one In requirement per label.
func NewLabelRequirements(labels map[string]string) Requirements {
	out := make(Requirements, len(labels))
	for k, v := range labels {
		out.Add(NewRequirement(k, corev1.NodeSelectorOpIn, v))
	}
	return out
}

// NewNodeSelectorRequirements converts NodePool or NodeClaim requirements, keeping
// minValues. It fails on requirements the API server should have refused.
func NewNodeSelectorRequirements(reqs ...karpv1.NodeSelectorRequirementWithMinValues) (Requirements, error) {
	out := make(Requirements, len(reqs))
	for _, r := range reqs {
		req, err := ParseRequirement(r.Key, r.Operator, r.Values...)
		if err != nil {
			return nil, err
		}
		req.MinValues = r.MinValues
		out.Add(req)
	}
	return out, nil
}

// Add intersects each of reqs into rs.
func (rs Requirements) Add(reqs ...*Requirement) {
	for _, r := range reqs {
		if existing, ok := rs[r.Key]; ok {
			r = existing.Intersection(r)
		}
		rs[r.Key] = r
	}
}

// Get returns the requirement of key; Exists when rs does not constrain it.
func (rs Requirements) Get(key string) *Requirement {
	if r, ok := rs[key]; ok {
		return r
	}
	return NewRequirement(key, corev1.NodeSelectorOpExists)
}

// Has reports whether rs constrains key.
func (rs Requirements) Has(key string) bool {
	_, ok := rs[key]
	return ok
}

// Keys returns the constrained keys, sorted.
func (rs Requirements) Keys() []string {
	return slices.Sorted(maps.Keys(rs))
}

// Copy returns a copy that can be narrowed without changing rs.
func (rs Requirements) Copy() Requirements {
	out := make(Requirements, len(rs))
	for k, r := range rs {
		out[k] = r
	}
	return out
}

// Compatible reports why a node described by rs cannot also satisfy other: a shared
// key with no common value, or a key of definedKeys that other needs present but rs
// leaves absent. Keys rs does not define, outside definedKeys, become node labels,
// so they never conflict. nil means compatible.
func (rs Requirements) Compatible(other Requirements, definedKeys map[string]bool) error {
	key, conflict := rs.conflict(other, definedKeys)
	if !conflict {
		return nil
	}
	o := other[key]
	r, ok := rs[key]
	if !ok {
		return fmt.Errorf("%s, but the label is not set", o)
	}
	return fmt.Errorf("%s does not allow %s", o, describeValues(r))
}

// IsCompatible is Compatible without the reason: it builds no error, so it is
// cheap enough to run over a whole catalog.
func (rs Requirements) IsCompatible(other Requirements, definedKeys map[string]bool) bool {
	_, conflict := rs.conflict(other, definedKeys)
	return !conflict
}

// Matcher answers IsCompatible for many instance types against the same
// requirements, having worked out once what depends only on those.
type Matcher struct {
	checks []check
}

// check is one requirement to match and what is known of it up front.
type check struct {
	req *Requirement
	// allowsAbsence: a node without the label satisfies req.
	allowsAbsence bool
	// defined: types without the label lack the attribute (definedKeys).
	defined bool
}

// NewMatcher prepares to match against other; see Requirements.Compatible for
// definedKeys.
func NewMatcher(other Requirements, definedKeys map[string]bool) Matcher {
	m := Matcher{checks: make([]check, 0, len(other))}
	for key, o := range other {
		m.checks = append(m.checks, check{req: o, allowsAbsence: o.AllowsAbsence(), defined: definedKeys[key]})
	}
	return m
}

// Compatible is rs.IsCompatible(other, definedKeys) for the matcher's other and
// definedKeys.
func (m Matcher) Compatible(rs Requirements) bool {
	for _, c := range m.checks {
		r, ok := rs[c.req.Key]
		if !ok {
			if c.defined && !c.allowsAbsence {
				return false
			}
			continue
		}
		if !(c.allowsAbsence && r.AllowsAbsence()) && !r.sharesValue(c.req) {
			return false
		}
	}
	return true
}

// conflict returns a key of other that a node described by rs cannot satisfy.
func (rs Requirements) conflict(other Requirements, definedKeys map[string]bool) (string, bool) {
	for key, o := range other {
		r, ok := rs[key]
		if !ok {
			if definedKeys[key] && !o.AllowsAbsence() {
				return key, true
			}
			continue
		}
		if !r.Intersects(o) {
			return key, true
		}
	}
	return "", false
}

// Labels returns the labels a node of rs is sure to carry: keys with exactly one
// allowed value.
func (rs Requirements) Labels() map[string]string {
	out := map[string]string{}
	for k, r := range rs {
		if !r.complement && r.values.Len() == 1 {
			out[k] = r.Any()
		}
	}
	return out
}

// NodeSelectorRequirements expresses rs for the Kubernetes API, sorted by key.
func (rs Requirements) NodeSelectorRequirements() []karpv1.NodeSelectorRequirementWithMinValues {
	out := make([]karpv1.NodeSelectorRequirementWithMinValues, 0, len(rs))
	for _, k := range rs.Keys() {
		r := rs[k].NodeSelectorRequirement()
		out = append(out, karpv1.NodeSelectorRequirementWithMinValues{Key: r.Key, Operator: r.Operator, Values: r.Values, MinValues: rs[k].MinValues})
	}
	return out
}

// String lists the requirements, sorted by key.
func (rs Requirements) String() string {
	parts := make([]string, 0, len(rs))
	for _, k := range rs.Keys() {
		parts = append(parts, rs[k].String())
	}
	return strings.Join(parts, ", ")
}

func describeValues(r *Requirement) string {
	if values := r.Values(); len(values) == 1 {
		return fmt.Sprintf("%s=%s", r.Key, values[0])
	}
	return r.String()
}
