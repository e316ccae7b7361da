package disruption

import (
	"sort"
	"strconv"
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
// disrupt (disruptionCost, then the most expensive) whose workload pods would
// all be placed on the other nodes, judged by Fits; those tried whose pods do
// not fit are returned as unconsolidatable, with Fits' reason. Nothing is decided
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
	cost := make(map[*Candidate]float64, len(candidates))
	for _, c := range candidates {
		cost[c] = disruptionCost(c, s.Now)
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		if a, b := cost[candidates[i]], cost[candidates[j]]; a != b {
			return a < b
		}
		return price(candidates[i]) > price(candidates[j])
	})
	for _, c := range candidates[:min(len(candidates), maxConsolidationTries)] {
		ok, why := s.Fits(workload(c), []*Candidate{c})
		if ok {
			return &Command{Reason: karpv1.DisruptionReasonUnderutilized, Candidates: []*Candidate{c}}, held
		}
		held = append(held, Blocked{Candidate: c, Reason: karpv1.DisruptionReasonUnderutilized, Why: why, Unconsolidatable: true})
	}
	return nil, held
}

// disruptionCost is what disrupting c costs, least first: each workload pod
// counts 1, plus its controller.kubernetes.io/pod-deletion-cost and its
// priority, each scaled into [-1, 1]; the sum is scaled by the share of c's
// life left when it expires (a node about to expire costs little to move now).
func disruptionCost(c *Candidate, now time.Time) float64 {
	cost := 0.0
	for _, p := range workload(c) {
		cost++
		if v, err := strconv.ParseFloat(p.Annotations[corev1.PodDeletionCost], 64); err == nil {
			cost += clamp(v / (1 << 27))
		}
		if p.Spec.Priority != nil {
			cost += clamp(float64(*p.Spec.Priority) / (1 << 25))
		}
	}
	if d := c.Claim.Spec.ExpireAfter.Duration; d != nil && *d > 0 {
		left := c.Claim.CreationTimestamp.Add(*d).Sub(now)
		cost *= max(0, min(1, float64(left)/float64(*d)))
	}
	return cost
}

func clamp(v float64) float64 { return max(-1, min(1, v)) }

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
