package planner

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// pool is a NodePool prepared for planning.
type pool struct {
	name  string
	input NodePoolInput
	// reqs are the NodePool's requirements plus its template labels.
	reqs scheduling.Requirements
	// types are the instance types reqs allow with an available offering, cheapest first.
	types []*cloudprovider.InstanceType
	// efficient are the types of types no other beats on price and size (fill.go),
	// cheapest first; families holds types by instance family.
	efficient []*cloudprovider.InstanceType
	families  map[string][]*cloudprovider.InstanceType
	// zones are those some type has an available offering in; domainLabels
	// are the labels of the NodePool's zone placeholders (domains.go), but the
	// zone.
	zones        []string
	domainLabels map[string]string
	remaining    corev1.ResourceList
	labels       map[string]string
	taints       []corev1.Taint
	// err says why the NodePool cannot launch anything at all.
	err error
}

// sortPools orders pools by weight, heaviest first, then by name.
func sortPools(out []*pool) []*pool {
	sort.SliceStable(out, func(i, j int) bool {
		wi, wj := weight(out[i]), weight(out[j])
		if wi != wj {
			return wi > wj
		}
		return out[i].name < out[j].name
	})
	return out
}

func weight(p *pool) int32 {
	if w := p.input.NodePool.Spec.Weight; w != nil {
		return *w
	}
	return 0
}

// preparePool prepares what planning needs of a NodePool and its catalog.
func preparePool(in NodePoolInput, shapes shapes) *pool {
	np := in.NodePool
	p := &pool{name: np.Name, input: in, labels: map[string]string{}, remaining: in.Remaining.DeepCopy()}
	reqs, err := scheduling.NewNodeSelectorRequirements(np.Spec.Template.Spec.Requirements...)
	if err != nil {
		p.err = fmt.Errorf("nodepool %s has invalid requirements, %w", np.Name, err)
		return p
	}
	for k, v := range np.Spec.Template.ObjectMeta.Labels {
		reqs.Add(scheduling.NewRequirement(k, corev1.NodeSelectorOpIn, v))
		p.labels[k] = v
	}
	reqs.Add(scheduling.NewRequirement(wellknown.NodePoolLabelKey, corev1.NodeSelectorOpIn, np.Name))
	p.reqs = reqs
	p.taints = np.Spec.Template.Spec.Taints.Core()
	p.types = cloudprovider.Compatible(in.InstanceTypes, reqs, wellknown.InstanceTypeLabels)
	if len(p.types) == 0 {
		p.err = fmt.Errorf("nodepool %s: no instance type with an available offering satisfies its requirements %s", np.Name, reqs)
		return p
	}
	p.efficient = efficientTypes(p.types, p.reqs, shapes)
	p.families = families(p.types)
	p.zones = launchableZones(p)
	p.domainLabels = placeholderLabels(p, p.reqs, p.types)
	return p
}

// podFits reports whether the pod's node requirements alt can hold on a node with
// requirements reqs: shared keys must intersect, and a label neither the NodePool
// nor instance types define must be allowed to be absent.
func podFits(reqs, alt scheduling.Requirements) error {
	for key, r := range alt {
		if have, ok := reqs[key]; ok {
			if !have.Intersects(r) {
				return fmt.Errorf("%s conflicts with %s", r, have)
			}
			continue
		}
		if !wellknown.InstanceTypeLabels[key] && !r.AllowsAbsence() {
			return fmt.Errorf("label %s is not set on nodes of this NodePool (%s)", key, r)
		}
	}
	return nil
}

// typesFor are the types of candidates that hold requests, have an available
// offering reqs allow, and (when labels is true) satisfy reqs' label requirements.
// Cheap checks first: it runs for every new node. Callers pass labels=false when
// every candidate is known to satisfy reqs' labels already.
func (c shapes) typesFor(candidates []*cloudprovider.InstanceType, reqs scheduling.Requirements, requests corev1.ResourceList, labels bool) []*cloudprovider.InstanceType {
	need := demandOf(requests)
	var matcher scheduling.Matcher
	if labels {
		matcher = scheduling.NewMatcher(reqs, wellknown.InstanceTypeLabels)
	}
	var out []*cloudprovider.InstanceType
	for _, it := range candidates {
		if c.of(it).holds(need) && offered(it, reqs) && (!labels || matcher.Compatible(it.Requirements)) {
			out = append(out, it)
		}
	}
	return out
}

// withinLimits keeps the types whose capacity the NodePool's remaining limits hold.
func withinLimits(types []*cloudprovider.InstanceType, remaining corev1.ResourceList) []*cloudprovider.InstanceType {
	if remaining == nil {
		return types
	}
	var out []*cloudprovider.InstanceType
	for _, it := range types {
		ok := true
		for name, left := range remaining {
			if name == "nodes" {
				ok = ok && left.Value() >= 1
				continue
			}
			if c, has := it.Capacity[name]; has && c.Cmp(left) > 0 {
				ok = false
			}
		}
		if ok {
			out = append(out, it)
		}
	}
	return out
}

// families groups types by instance family.
func families(types []*cloudprovider.InstanceType) map[string][]*cloudprovider.InstanceType {
	out := map[string][]*cloudprovider.InstanceType{}
	for _, it := range types {
		if f := it.Requirements.Get(wellknown.InstanceFamilyLabelKey); f.Len() == 1 {
			out[f.Any()] = append(out[f.Any()], it)
		}
	}
	return out
}

// family returns the types of it's instance family, or it alone.
func (p *pool) family(it *cloudprovider.InstanceType) []*cloudprovider.InstanceType {
	if f := it.Requirements.Get(wellknown.InstanceFamilyLabelKey); f.Len() == 1 {
		return p.families[f.Any()]
	}
	return []*cloudprovider.InstanceType{it}
}

// zoneCount is how many of p's zones reqs allow.
func (p *pool) zoneCount(reqs scheduling.Requirements) int {
	allowed := reqs.Get(corev1.LabelTopologyZone)
	n := 0
	for _, z := range p.zones {
		if allowed.Has(z) {
			n++
		}
	}
	return n
}
