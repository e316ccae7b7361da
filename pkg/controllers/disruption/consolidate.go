package disruption

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

const (
	// maxConsolidationTries bounds the candidates whose pods one pass tries to
	// fit elsewhere on their own.
	maxConsolidationTries = 10
	// maxMultiNode bounds the candidates one command consolidates together.
	maxMultiNode = 100
	// maxReplacementNodes bounds the nodes that replace the nodes of one
	// command.
	maxReplacementNodes = 10
	// minSpotOptions is how many cheaper spot types the one node replacing one
	// spot node must be able to launch: fewer, and each replacement would take
	// the cheapest pool left, where spot capacity is scarce and reclaimed
	// soon, and be replaced again. As in Karpenter, several nodes replaced by
	// one need no minimum; nor does one oversized node split into the smaller
	// nodes its pods need, which have fewer types to choose from.
	minSpotOptions = 15
)

// consolidate decides on at most one consolidation: of the nodes whose
// NodePool consolidates WhenEmptyOrUnderutilized, whose pods have not changed
// for consolidateAfter and that nothing protects, ordered cheapest to disrupt
// first (disruptionCost, then the most expensive), the longest prefix of two
// or more whose pods the plan places on the other nodes and fewer new nodes
// strictly cheaper than them together (the longest, then a binary search);
// else the first single node that goes so: an oversized node is replaced by
// what its pods need. Those tried alone that cannot go are returned as
// unconsolidatable, with the reason.
func (d *decider) consolidate() {
	if d.s.Plan == nil {
		return
	}
	candidates := d.consolidationCandidates()
	if cmd := d.consolidateMany(candidates); cmd != nil {
		d.commands = append(d.commands, *cmd)
		return
	}
	for _, c := range candidates[:min(len(candidates), maxConsolidationTries)] {
		cmd, why := d.tryConsolidate([]*Candidate{c})
		if cmd != nil {
			d.commands = append(d.commands, *cmd)
			return
		}
		d.blocked = append(d.blocked, Blocked{Candidate: c, Reason: karpv1.DisruptionReasonUnderutilized, Why: why, Unconsolidatable: true})
	}
}

// consolidationCandidates are the nodes consolidation may take, cheapest to
// disrupt first; protected ones are held back, saying why.
func (d *decider) consolidationCandidates() []*Candidate {
	var candidates []*Candidate
	for _, c := range d.s.Candidates {
		np := d.s.NodePools[nodePoolOf(c)]
		if np == nil || np.Spec.Disruption.ConsolidationPolicy != karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized || !isStableFor(c, np, d.s.Now) || len(workload(c)) == 0 {
			continue
		}
		if why := protected(c, d.s.PDBs, d.s.Now); why != "" {
			d.block(c, karpv1.DisruptionReasonUnderutilized, why)
			continue
		}
		if n, _ := allowed(np, karpv1.DisruptionReasonUnderutilized, d.s.Now, d.total[np.Name], d.disrupting[np.Name]); n == 0 {
			continue
		}
		candidates = append(candidates, c)
	}
	byDisruptionCost(candidates, d.s.Now)
	return candidates
}

// byDisruptionCost orders cs cheapest to disrupt first, then most expensive
// first; ties keep their order.
func byDisruptionCost(cs []*Candidate, now time.Time) {
	cost := make(map[*Candidate]float64, len(cs))
	for _, c := range cs {
		cost[c] = disruptionCost(c, now)
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if a, b := cost[cs[i]], cost[cs[j]]; a != b {
			return a < b
		}
		return price(cs[i]) > price(cs[j])
	})
}

// consolidateMany finds the longest prefix of candidates, two or more and
// within each NodePool's budget, that consolidates together.
func (d *decider) consolidateMany(candidates []*Candidate) *Command {
	var within []*Candidate
	taken := map[string]int{}
	for _, c := range candidates {
		name := nodePoolOf(c)
		if n, _ := allowed(d.s.NodePools[name], karpv1.DisruptionReasonUnderutilized, d.s.Now, d.total[name], d.disrupting[name]); taken[name] < n {
			taken[name]++
			within = append(within, c)
		}
	}
	// The longest first: several nodes go only for fewer new nodes, so a
	// prefix may consolidate where a shorter one does not.
	hi := min(len(within), maxMultiNode)
	if hi < 2 {
		return nil
	}
	if cmd, _ := d.tryConsolidate(within[:hi]); cmd != nil {
		return cmd
	}
	var best *Command
	for lo, hi := 2, hi-1; lo <= hi; {
		mid := (lo + hi) / 2
		if cmd, _ := d.tryConsolidate(within[:mid]); cmd != nil {
			best, lo = cmd, mid+1
		} else {
			hi = mid - 1
		}
	}
	return best
}

// tryConsolidate is the command that removes cs, or why there is none: their
// pods fit the other nodes (delete), or those and new nodes strictly cheaper
// than cs together (replace).
func (d *decider) tryConsolidate(cs []*Candidate) (*Command, string) {
	pods := workloadOf(cs)
	p, err := d.s.Plan(pods, cs)
	if err != nil {
		return nil, err.Error()
	}
	what := fmt.Sprintf("its %d pods", len(pods))
	if len(pods) == 1 {
		what = "its pod"
	}
	if len(cs) > 1 {
		what = fmt.Sprintf("the %d pods of %d nodes", len(pods), len(cs))
	}
	switch {
	case p.Unplaced > 0:
		return nil, fmt.Sprintf("%d of %s fit no other node and no NodePool (%s)", p.Unplaced, what, p.Why)
	case len(p.New) == 0:
		return &Command{Reason: karpv1.DisruptionReasonUnderutilized, Action: ActionDelete, Candidates: cs, Moves: p.Onto,
			Message: fmt.Sprintf("Underutilized: %s fit on the other nodes; removing %s ($%.4f/h)", what, nodesOf(cs), priceOf(cs))}, ""
	case len(p.New) > maxReplacementNodes:
		return nil, fmt.Sprintf("%s need %d new nodes (at most %d replace one command's nodes)", what, len(p.New), maxReplacementNodes)
	case len(cs) > 1 && len(p.New) >= len(cs):
		return nil, fmt.Sprintf("%s need %d new nodes: several nodes are replaced by fewer only", what, len(p.New))
	}
	next, why := cheaper(p.New, cs, d.s.SpotToSpot)
	if next == nil {
		return nil, what + " " + why
	}
	return &Command{Reason: karpv1.DisruptionReasonUnderutilized, Action: ActionReplace, Candidates: cs, Replacements: next, Moves: p.Onto,
		Deadline: d.s.Now.Add(replaceWait),
		Message:  fmt.Sprintf("Underutilized: replacing %s ($%.4f/h) by %s for %s", nodesOf(cs), priceOf(cs), describeAll(next), what)}, ""
}

// cheaper is nodes restricted to the instance types that keep them, together,
// cheaper than cs: each may cost its cheapest offering plus the whole saving
// (the others at their cheapest), so the total stays below what cs cost
// unless several launches get a dearer type than their cheapest (on-demand
// launches get the cheapest; spot ones may not). Or nil, and why there are
// none. Nodes replacing only spot nodes must be spot, and only when
// spot-to-spot consolidation is on; one replacing one needs at least
// minSpotOptions types.
func cheaper(nodes []*planner.Node, cs []*Candidate, spotToSpot bool) ([]*planner.Node, string) {
	spot := allSpot(cs)
	if spot && !spotToSpot {
		return nil, "would need a new node, and spot-to-spot consolidation is off (feature gate SpotToSpotConsolidation)"
	}
	out := make([]*planner.Node, len(nodes))
	least := make([]float64, len(nodes))
	total := 0.0
	for i, n := range nodes {
		c := *n
		if spot {
			c.Requirements = n.Requirements.Copy()
			c.Requirements.Add(scheduling.NewRequirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, wellknown.CapacityTypeSpot))
		}
		price, ok := nodePrice(&c)
		if !ok {
			return nil, "would need a new node that no offering allows (spot only, as it replaces spot)"
		}
		out[i], least[i], total = &c, price, total+price
	}
	limit := priceOf(cs)
	if total >= limit {
		return nil, fmt.Sprintf("would need %s ($%.4f/h at best), not cheaper than $%.4f/h", countNodes(len(nodes)), total, limit)
	}
	saving := limit - total
	for i, n := range out {
		var types []*cloudprovider.InstanceType
		for _, it := range n.InstanceTypes {
			if o, ok := it.Offerings.Available().Compatible(n.Requirements).Cheapest(); ok && o.PricePerHour < least[i]+saving {
				types = append(types, it)
			}
		}
		if spot && len(cs) == 1 && len(out) == 1 && len(types) < minSpotOptions {
			return nil, fmt.Sprintf("would need a new spot node, and only %d spot types are cheap enough (%d needed)", len(types), minSpotOptions)
		}
		n.InstanceTypes = types
	}
	return out, ""
}

// describeAll names the replacement nodes, with what they cost at best.
func describeAll(nodes []*planner.Node) string {
	total := 0.0
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		price, _ := nodePrice(n)
		total += price
		names = append(names, describe(n))
	}
	if len(nodes) == 1 {
		return fmt.Sprintf("one %s ($%.4f/h)", names[0], total)
	}
	return fmt.Sprintf("%d nodes (%s; $%.4f/h together)", len(nodes), strings.Join(names, ", "), total)
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

// workloadOf are the pods of cs that would have to move.
func workloadOf(cs []*Candidate) []*corev1.Pod {
	var out []*corev1.Pod
	for _, c := range cs {
		out = append(out, workload(c)...)
	}
	return out
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
