package disruption

import (
	"fmt"
	"strings"
	"time"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

const (
	// expireWait bounds how long an expired node waits for the replacements
	// of its pods before it is deleted anyway.
	expireWait = 5 * time.Minute
	// replaceWait bounds how long a voluntary replacement (drift,
	// consolidation) may take to initialize before it is given up and the
	// old node kept.
	replaceWait = 10 * time.Minute
)

// expire decides on the nodes past their expireAfter, all in one command
// whatever the budgets, do-not-disrupt and consolidateAfter say (the drain's
// evictions still respect PodDisruptionBudgets): their pods are planned on the
// other nodes and, for those that fit none, replacements are launched first
// and waited for, up to expireWait.
func (d *decider) expire() {
	var expired []*Candidate
	for _, c := range d.s.Candidates {
		if !isDisrupting(c) && isExpired(c, d.s.Now) {
			expired = append(expired, c)
			d.disrupting[nodePoolOf(c)]++
		}
	}
	if len(expired) == 0 {
		return
	}
	cmd := Command{Reason: ReasonExpired, Action: ActionDelete, Candidates: expired, Immediate: true,
		Message: fmt.Sprintf("Expired: %s reached expireAfter; removing it", nodesOf(expired))}
	if pods := workloadOf(expired); d.s.Plan != nil && len(pods) > 0 {
		p, err := d.s.Plan(pods, expired)
		cmd.Moves = p.Onto
		switch {
		case err != nil:
			cmd.Message += fmt.Sprintf(" without replacement (planning one failed: %v)", err)
		case len(p.New) > 0:
			cmd.Action, cmd.Replacements, cmd.Deadline = ActionReplace, p.New, d.s.Now.Add(expireWait)
			cmd.Message = fmt.Sprintf("Expired: %s reached expireAfter; launching %s for its pods first, removing it once they are initialized or at %s",
				nodesOf(expired), countNodes(len(p.New)), cmd.Deadline.UTC().Format(time.RFC3339))
		}
		if p.Unplaced > 0 {
			cmd.Message += fmt.Sprintf("; %d of its pods fit no node and no NodePool (%s)", p.Unplaced, p.Why)
		}
	}
	d.commands = append(d.commands, cmd)
}

// isExpired reports whether c's claim is older than its expireAfter.
func isExpired(c *Candidate, now time.Time) bool {
	d := c.Claim.Spec.ExpireAfter.Duration
	return d != nil && !now.Before(c.Claim.CreationTimestamp.Add(*d))
}

// drift decides on the nodes that no longer match their NodePool: as many as
// the budgets for Drifted allow, cheapest to disrupt first, in one command
// whose pods are planned together; replacements are launched first and the
// old nodes kept if they fail. Nodes whose pods fit nowhere are held back.
func (d *decider) drift() {
	if d.s.Plan == nil {
		return
	}
	var drifted []*Candidate
	whys := map[*Candidate]string{}
	hashes := poolHashes{}
	for _, c := range d.s.Candidates {
		np := d.s.NodePools[nodePoolOf(c)]
		if np == nil || isDisrupting(c) || !claims.IsTrue(c.Claim, karpv1.ConditionTypeInitialized) {
			continue
		}
		_, why := driftOf(c, np, hashes)
		if why == "" {
			continue
		}
		if p := protected(c, d.s.PDBs, d.s.Now); p != "" {
			d.block(c, karpv1.DisruptionReasonDrifted, why+"; "+p)
			continue
		}
		drifted, whys[c] = append(drifted, c), why
	}
	byDisruptionCost(drifted, d.s.Now)
	var take []*Candidate
	taken := map[string]int{}
	for _, c := range drifted {
		name := nodePoolOf(c)
		n, why := allowed(d.s.NodePools[name], karpv1.DisruptionReasonDrifted, d.s.Now, d.total[name], d.disrupting[name])
		if taken[name] >= n {
			d.block(c, karpv1.DisruptionReasonDrifted, whys[c]+"; "+why)
			continue
		}
		taken[name]++
		take = append(take, c)
	}
	if len(take) == 0 {
		return
	}
	var said []string
	for _, c := range take {
		said = append(said, whys[c])
	}
	message := "Drifted: " + strings.Join(said, "; ")
	p, err := d.s.Plan(workloadOf(take), take)
	if err == nil && p.Unplaced > 0 {
		err = fmt.Errorf("%d of their pods fit no other node and no NodePool (%s)", p.Unplaced, p.Why)
	}
	if err != nil {
		for _, c := range take {
			d.block(c, karpv1.DisruptionReasonDrifted, whys[c]+"; "+err.Error())
		}
		return
	}
	cmd := Command{Reason: karpv1.DisruptionReasonDrifted, Action: ActionDelete, Candidates: take, Moves: p.Onto, Message: message + "; removing " + nodesOf(take) + ", its pods fit the other nodes"}
	if len(p.New) > 0 {
		cmd.Action, cmd.Replacements, cmd.Deadline = ActionReplace, p.New, d.s.Now.Add(replaceWait)
		cmd.Message = fmt.Sprintf("%s; replacing %s by %s", message, nodesOf(take), countNodes(len(p.New)))
	}
	for _, c := range take {
		d.disrupting[nodePoolOf(c)]++
	}
	d.commands = append(d.commands, cmd)
}

// Drift reasons, as Karpenter names them on the Drifted condition.
const (
	driftNodeClass    = "NodeClassDrifted"
	driftNodePool     = "NodePoolDrifted"
	driftRequirements = "RequirementsDrifted"
)

// driftOf says how c's node no longer matches np, with a reason, or "": its
// instance drifted from the node class (the cloud provider says so), np's
// template changed since the claim was made (its hash), or a label of the
// node no longer meets one of np's requirements. A label the node lacks is
// not drift: a requirement on a label no node carries would replace every node.
func driftOf(c *Candidate, np *karpv1.NodePool, hashes poolHashes) (reason, why string) {
	if c.CloudDrift != "" {
		return driftNodeClass, fmt.Sprintf("node %s: its instance drifted from its node class (%s)", c.Node.Name, c.CloudDrift)
	}
	if stamped := c.Claim.Annotations[wellknown.NodePoolHashAnnotationKey]; stamped != "" &&
		c.Claim.Annotations[wellknown.NodePoolHashVersionAnnotationKey] == claims.NodePoolHashVersion && stamped != hashes.of(np) {
		return driftNodePool, fmt.Sprintf("node %s: NodePool %s's template changed since the node was launched", c.Node.Name, np.Name)
	}
	for _, r := range np.Spec.Template.Spec.Requirements {
		value, ok := c.Node.Labels[r.Key]
		if !ok {
			continue
		}
		req, err := scheduling.ParseRequirement(r.Key, r.Operator, r.Values...)
		if err == nil && !req.Has(value) {
			return driftRequirements, fmt.Sprintf("node %s: label %s=%s no longer meets NodePool %s's requirement %s", c.Node.Name, r.Key, value, np.Name, req)
		}
	}
	return "", ""
}

// poolHashes are the template hashes of one snapshot's NodePools, each
// computed once for all of its candidates.
type poolHashes map[string]string

func (h poolHashes) of(np *karpv1.NodePool) string {
	v, ok := h[np.Name]
	if !ok {
		v = claims.Hash(np)
		h[np.Name] = v
	}
	return v
}

func countNodes(n int) string {
	if n == 1 {
		return "1 new node"
	}
	return fmt.Sprintf("%d new nodes", n)
}
