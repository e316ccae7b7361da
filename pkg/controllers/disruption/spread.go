package disruption

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// spreads counts, per topology spread constraint of the moved pods, the pods
// it selects in each domain of the candidates' nodes, once per pass: the
// domains a recreated pod may go to follow from these counts.
type spreads struct {
	candidates []*Candidate
	counts     map[string]map[string]int // by namespace, selector and key
}

func newSpreads(candidates []*Candidate) *spreads {
	return &spreads{candidates: candidates, counts: map[string]map[string]int{}}
}

// domains returns where the scheduler would put p, evicted from a node in
// domain from and recreated while its siblings stay: the domains of c's key
// whose count of the pods c selects (p not among them), plus p, is within
// maxSkew of the smallest. With the pods spread evenly that is the domain p
// leaves; after a scale-down, which removes pods regardless of the spread, it
// may be another one only. Nil when c selects nothing readable.
func (s *spreads) domains(p *corev1.Pod, c corev1.TopologySpreadConstraint, from string) []string {
	selector, key, ok := spreadSelector(p, c)
	if !ok {
		return nil
	}
	cacheKey := p.Namespace + "\x00" + key + "\x00" + c.TopologyKey
	counts, done := s.counts[cacheKey]
	if !done {
		counts = s.count(p.Namespace, selector, c.TopologyKey)
		s.counts[cacheKey] = counts
	}
	smallest := -1
	for d, n := range counts {
		if d == from && selector.Matches(labels.Set(p.Labels)) {
			n--
		}
		if smallest < 0 || n < smallest {
			smallest = n
		}
	}
	if c.MinDomains != nil && len(counts) < int(*c.MinDomains) {
		smallest = 0
	}
	var out []string
	for d, n := range counts {
		if d == from && selector.Matches(labels.Set(p.Labels)) {
			n--
		}
		if n+1-smallest <= int(c.MaxSkew) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// count counts the running pods of namespace that selector selects, per
// domain of key among the candidates' nodes (a domain without such pods
// counts 0).
func (s *spreads) count(namespace string, selector labels.Selector, key string) map[string]int {
	counts := map[string]int{}
	for _, cand := range s.candidates {
		d, ok := cand.Node.Labels[key]
		if !ok {
			continue
		}
		counts[d] += 0
		for _, q := range cand.Pods {
			if q.Namespace == namespace && q.DeletionTimestamp == nil && selector.Matches(labels.Set(q.Labels)) {
				counts[d]++
			}
		}
	}
	return counts
}

// spreadSelector is the selector of c for p (its labelSelector and, for each
// of its matchLabelKeys, p's value of that label) and a string naming it.
func spreadSelector(p *corev1.Pod, c corev1.TopologySpreadConstraint) (labels.Selector, string, bool) {
	if c.LabelSelector == nil { // selects no pod, as the scheduler reads it
		return labels.Nothing(), "", true
	}
	ls := c.LabelSelector.DeepCopy()
	for _, k := range c.MatchLabelKeys {
		if v, ok := p.Labels[k]; ok {
			if ls.MatchLabels == nil {
				ls.MatchLabels = map[string]string{}
			}
			ls.MatchLabels[k] = v
		}
	}
	selector, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil, "", false
	}
	return selector, selector.String(), true
}
