// Package disruption removes nodes the cluster no longer needs (empty ones,
// underutilized ones whose pods fit the other nodes or a cheaper one) and
// replaces the ones that expired or drifted from their NodePool, within the
// NodePools' disruption budgets and never against do-not-disrupt, a
// PodDisruptionBudget, or pods waiting for the node: a singleton under leader
// election that decides from a snapshot (Decide, pure) and then acts
// (docs/designs/0007-disruption.md).
package disruption

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// Snapshot is what one pass decides on.
type Snapshot struct {
	Now       time.Time
	NodePools map[string]*karpv1.NodePool
	// Candidates are the NodeClaims with a registered node, of any NodePool.
	Candidates []*Candidate
	PDBs       []policyv1.PodDisruptionBudget
	// Pending is true while some pod waits to be scheduled: consolidation
	// waits too, so that no node goes that a pending pod is about to need.
	Pending bool
	// Plan places pods on the candidates' nodes other than without's and, for
	// those that fit none, on new nodes of the NodePools (nil: consolidation,
	// drift and replacement are off; expired nodes are deleted).
	Plan func(pods []*corev1.Pod, without []*Candidate) (Placement, error)
	// Requests are the capacity requests that replacements wait for, by name;
	// one missing is gone.
	Requests map[string]RequestState
	// SpotToSpot allows replacing spot nodes by cheaper spot nodes (feature gate
	// SpotToSpotConsolidation).
	SpotToSpot bool
}

// Placement is where a plan puts the pods of nodes that would leave.
type Placement struct {
	// New are the nodes to launch for the pods no remaining node holds.
	New []*planner.Node
	// Unplaced counts the pods no node and no NodePool holds; Why names one.
	Unplaced int
	Why      string
	// Onto are the pods placed on remaining nodes, by node name.
	Onto map[string][]*corev1.Pod
}

// Candidate is a NodeClaim, its node and what runs there.
type Candidate struct {
	Claim *karpv1.NodeClaim
	Node  *corev1.Node
	// Pods bound to the node, terminal ones left out.
	Pods []*corev1.Pod
	// EmptySince is when the node was first seen without workload pods (zero
	// while it has some).
	EmptySince time.Time
	// Awaited is true while pods planned for the node have not bound yet, or
	// the node replaces one that is still there.
	Awaited bool
	// Expecting is true while pods moved off a node being removed are
	// expected on this one (pkg/moves) and have not all arrived.
	Expecting bool
	// StableSince is when the node's set of pods last changed.
	StableSince time.Time
	// Replacing is the replacement under way for the node (nil: none).
	Replacing *Replacing
	// CloudDrift is how the instance drifted from its node class, as the
	// cloud provider last said (AMI, subnet; "": it has not).
	CloudDrift string
}

// Action is what a command does. The values are metric labels.
type Action string

const (
	// ActionDelete deletes the candidates' claims; the termination controller
	// drains their nodes.
	ActionDelete Action = "delete"
	// ActionReplace launches the replacements and taints the candidates'
	// nodes; they are deleted once every replacement is initialized.
	ActionReplace Action = "replace"
	// ActionRollBack gives up a replacement: the candidates' nodes are
	// untainted and kept, the replacements not yet initialized deleted.
	ActionRollBack Action = "rollback"
	// ActionMarkMoves tells the nodes of finished replacements which of the
	// candidates' pods come to them; the candidates are deleted in a later
	// pass.
	ActionMarkMoves Action = "mark-moves"
)

// Command does its action to its candidates, for its reason.
type Command struct {
	Reason     karpv1.DisruptionReason
	Action     Action
	Candidates []*Candidate
	// Replacements are the nodes launched first (ActionReplace).
	Replacements []*planner.Node
	// Moves are the candidates' pods the plan puts on remaining nodes, by
	// node name: those nodes are annotated for the scheduler (pkg/moves).
	Moves map[string][]*corev1.Pod
	// Deadline is when a replacement is given up on (ActionReplace): an
	// expired node is deleted then anyway, any other kept.
	Deadline time.Time
	// Immediate commands are carried out in the pass that decides them;
	// the others once the same decision has held for the validation period.
	Immediate bool
	// Message says what and why, for events.
	Message string
}

// Blocked is a candidate that qualified for reason but may not be disrupted;
// Unconsolidatable ones are underutilized nodes whose pods fit nowhere else.
type Blocked struct {
	Candidate        *Candidate
	Reason           karpv1.DisruptionReason
	Why              string
	Unconsolidatable bool
}

// ReasonExpired is the disruption of a node that reached its expireAfter;
// budgets do not hold it (Karpenter v1 has no budget reason for it).
const ReasonExpired karpv1.DisruptionReason = "Expired"

// decider is one Decide: the snapshot, the nodes per NodePool, the ones
// disrupting (counting those decided on), and what was decided and held back.
type decider struct {
	s          Snapshot
	total      map[string]int
	disrupting map[string]int
	commands   []Command
	blocked    []Blocked
}

// Decide returns what to do now, and what qualified but is held back, in this
// order (replacing.go, lifetime.go, consolidate.go):
//  1. replacements under way: finished (the old nodes deleted), failed or late
//     (rolled back, or deleted when expired);
//  2. expired nodes: deleted whatever the budgets say, replacements for their
//     pods launched first and waited for, for a bounded time;
//  3. empty nodes (no workload pods for consolidateAfter), per NodePool up to
//     what its budgets allow, most expensive first;
//  4. drifted nodes, replaced within budgets, while nothing else disrupts;
//  5. when no pod is pending and nothing disrupts, one consolidation: several
//     or one underutilized nodes deleted, or replaced by one cheaper node.
func Decide(s Snapshot) ([]Command, []Blocked) {
	d := &decider{s: s, total: map[string]int{}, disrupting: map[string]int{}}
	for _, c := range s.Candidates {
		d.total[nodePoolOf(c)]++
		if isDisrupting(c) {
			d.disrupting[nodePoolOf(c)]++
		}
	}
	d.progress()
	d.expire()
	d.empty()
	if len(d.commands) == 0 && sum(d.disrupting) == 0 {
		d.drift()
	}
	if len(d.commands) == 0 && sum(d.disrupting) == 0 && !s.Pending {
		d.consolidate()
	}
	return d.commands, d.blocked
}

// empty decides on the nodes without workload pods for consolidateAfter,
// but not one that pods moved off a node being removed are to come to while
// they still may (a PDB lets them come one at a time): without it they
// would find no room, and the Provisioner would launch a node for them.
func (d *decider) empty() {
	empty := map[string][]*Candidate{}
	moving := sum(d.disrupting) > 0 || d.s.Pending // moved pods may still come
	for _, c := range d.s.Candidates {
		np := d.s.NodePools[nodePoolOf(c)]
		if np == nil || isDisrupting(c) || d.decided(c) || !isEmptyFor(c, np, d.s.Now) || c.Expecting && moving {
			continue
		}
		if why := protected(c, d.s.PDBs, d.s.Now); why != "" {
			d.block(c, karpv1.DisruptionReasonEmpty, why)
			continue
		}
		empty[np.Name] = append(empty[np.Name], c)
	}
	for _, name := range sortedKeys(empty) {
		cs := empty[name]
		sort.SliceStable(cs, func(i, j int) bool { return price(cs[i]) > price(cs[j]) })
		n, why := allowed(d.s.NodePools[name], karpv1.DisruptionReasonEmpty, d.s.Now, d.total[name], d.disrupting[name])
		n = min(n, len(cs))
		if n > 0 {
			d.commands = append(d.commands, Command{Reason: karpv1.DisruptionReasonEmpty, Action: ActionDelete, Candidates: cs[:n]})
		}
		for _, c := range cs[n:] {
			d.block(c, karpv1.DisruptionReasonEmpty, why)
		}
		d.disrupting[name] += n
	}
}

func (d *decider) block(c *Candidate, reason karpv1.DisruptionReason, why string) {
	d.blocked = append(d.blocked, Blocked{Candidate: c, Reason: reason, Why: why})
}

// decided reports whether a command of this pass already takes c.
func (d *decider) decided(c *Candidate) bool {
	for _, cmd := range d.commands {
		if slices.Contains(cmd.Candidates, c) {
			return true
		}
	}
	return false
}

// isEmptyFor reports whether c has held no workload pod for np's
// consolidateAfter, since it was initialized, and no pod waits for it.
func isEmptyFor(c *Candidate, np *karpv1.NodePool, now time.Time) bool {
	after := np.Spec.Disruption.ConsolidateAfter
	if after.IsNever() {
		return false
	}
	if c.EmptySince.IsZero() || c.Awaited || !claims.IsTrue(c.Claim, karpv1.ConditionTypeInitialized) {
		return false
	}
	wait := time.Duration(0)
	if after.Duration != nil {
		wait = *after.Duration
	}
	return !now.Before(c.EmptySince.Add(wait))
}

// protected says why c may not be disrupted voluntarily, or "": the node or a
// pod carries do-not-disrupt (a pod's may be a duration from its start), or a
// PodDisruptionBudget covering one of its pods allows no eviction now. A PDB
// that allows fewer evictions than the node has of its pods does not hold the
// node: the drain evicts them as the budget allows, each once the one before
// runs elsewhere.
func protected(c *Candidate, pdbs []policyv1.PodDisruptionBudget, now time.Time) string {
	if c.Node.Annotations[wellknown.DoNotDisruptAnnotationKey] == "true" || c.Claim.Annotations[wellknown.DoNotDisruptAnnotationKey] == "true" {
		return fmt.Sprintf("node %s has %s", c.Node.Name, wellknown.DoNotDisruptAnnotationKey)
	}
	covered := map[int]int{}
	for _, p := range c.Pods {
		if why := podProtected(p, now); why != "" {
			return why
		}
		if isMirror(p) {
			continue
		}
		for i := range pdbs {
			if pdbs[i].Namespace == p.Namespace && selects(pdbs[i].Spec.Selector, p) {
				covered[i]++
			}
		}
	}
	for i, n := range covered {
		if pdbs[i].Status.DisruptionsAllowed <= 0 {
			return fmt.Sprintf("PodDisruptionBudget %s/%s allows no disruption now (it covers %d of the node's pods)", pdbs[i].Namespace, pdbs[i].Name, n)
		}
	}
	return ""
}

// podProtected says why p keeps its node, or "": do-not-disrupt "true", or a
// duration that has not passed since the pod started.
func podProtected(p *corev1.Pod, now time.Time) string {
	v, ok := p.Annotations[wellknown.DoNotDisruptAnnotationKey]
	if !ok || v == "false" {
		return ""
	}
	if d, err := time.ParseDuration(v); err == nil {
		start := p.CreationTimestamp.Time
		if p.Status.StartTime != nil {
			start = p.Status.StartTime.Time
		}
		if !now.Before(start.Add(d)) {
			return ""
		}
		return fmt.Sprintf("pod %s/%s has %s for %s (until %s)", p.Namespace, p.Name, wellknown.DoNotDisruptAnnotationKey, v, start.Add(d).UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("pod %s/%s has %s", p.Namespace, p.Name, wellknown.DoNotDisruptAnnotationKey)
}

// IsWorkload reports whether p counts against emptiness: not a DaemonSet's,
// not a mirror pod, not leaving.
func IsWorkload(p *corev1.Pod) bool {
	if isMirror(p) || p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return false
	}
	if owner := metav1.GetControllerOf(p); owner != nil && owner.Kind == "DaemonSet" {
		return false
	}
	return true
}

func isMirror(p *corev1.Pod) bool {
	_, ok := p.Annotations[corev1.MirrorPodAnnotationKey]
	return ok
}

// isDisrupting reports whether c is already on its way out, or being replaced.
func isDisrupting(c *Candidate) bool {
	if c.Claim.DeletionTimestamp != nil || c.Replacing != nil {
		return true
	}
	for _, t := range c.Node.Spec.Taints {
		if t.Key == wellknown.DisruptedTaintKey {
			return true
		}
	}
	return false
}

// price is what c's instance costs per hour, 0 when unknown.
func price(c *Candidate) float64 {
	p, _ := strconv.ParseFloat(c.Claim.Annotations[tailorv1alpha1.PricePerHourAnnotationKey], 64)
	return p
}

func nodePoolOf(c *Candidate) string { return c.Claim.Labels[wellknown.NodePoolLabelKey] }

func selects(selector *metav1.LabelSelector, p *corev1.Pod) bool {
	s, err := metav1.LabelSelectorAsSelector(selector)
	return err == nil && !s.Empty() && s.Matches(labels.Set(p.Labels))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
