package disruption

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// maxConsolidationTries bounds the candidates whose pods one pass tries to fit
// elsewhere.
const maxConsolidationTries = 10

// consolidate picks at most one underutilized node to delete: of the nodes
// whose NodePool consolidates WhenEmptyOrUnderutilized, whose pods have not
// changed for consolidateAfter and that nothing protects, the cheapest to
// disrupt (fewest workload pods, then the most expensive) whose workload pods
// would all be placed on the other nodes, judged by Fits. Nothing is decided
// while a pod is pending, a node is disrupting, or emptiness removes nodes.
func consolidate(s Snapshot, decided []Command, total, disrupting map[string]int) (*Command, []Blocked) {
	if s.Fits == nil || s.Pending || len(decided) > 0 || sum(disrupting) > 0 {
		return nil, nil
	}
	var candidates []*Candidate
	var held []Blocked
	for _, c := range s.Candidates {
		np := s.NodePools[nodePoolOf(c)]
		if np == nil || np.Spec.Disruption.ConsolidationPolicy != karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized || !isStableFor(c, np, s.Now) || len(workload(c)) == 0 {
			continue
		}
		if why := protected(c, s.PDBs, s.Now); why != "" {
			held = append(held, Blocked{Candidate: c, Reason: karpv1.DisruptionReasonUnderutilized, Why: why})
			continue
		}
		if n, _ := allowed(np, karpv1.DisruptionReasonUnderutilized, s.Now, total[np.Name], disrupting[np.Name]); n == 0 {
			continue
		}
		candidates = append(candidates, c)
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		if a, b := len(workload(candidates[i])), len(workload(candidates[j])); a != b {
			return a < b
		}
		return price(candidates[i]) > price(candidates[j])
	})
	for _, c := range candidates[:min(len(candidates), maxConsolidationTries)] {
		if ok, _ := s.Fits(workload(c), []*Candidate{c}); ok {
			return &Command{Reason: karpv1.DisruptionReasonUnderutilized, Candidates: []*Candidate{c}}, held
		}
	}
	return nil, held
}

// isStableFor reports whether c's pods have not changed for np's
// consolidateAfter, and nothing waits for it.
func isStableFor(c *Candidate, np *karpv1.NodePool, now time.Time) bool {
	after := np.Spec.Disruption.ConsolidateAfter
	if after.IsNever() || c.Awaited || c.StableSince.IsZero() || isDisrupting(c) {
		return false
	}
	wait := time.Duration(0)
	if after.Duration != nil {
		wait = *after.Duration
	}
	return !now.Before(c.StableSince.Add(wait))
}

// workload are c's pods that would have to move.
func workload(c *Candidate) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range c.Pods {
		if IsWorkload(p) {
			out = append(out, p)
		}
	}
	return out
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
