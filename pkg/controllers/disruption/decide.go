// Package disruption removes nodes the cluster no longer needs (empty ones,
// and underutilized ones whose pods fit the other nodes), within the
// NodePools' disruption budgets and never against do-not-disrupt, a
// PodDisruptionBudget, or pods waiting for the node: a singleton under leader
// election that decides from a snapshot (Decide, pure) and then acts
// (docs/designs/0007-disruption.md).
package disruption

import (
	"fmt"
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
	// Fits reports whether pods would all be placed on the candidates' nodes
	// other than without's, and why not (nil: consolidation is off).
	Fits func(pods []*corev1.Pod, without []*Candidate) (bool, string)
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
	// Awaited is true while pods planned for the node have not bound yet.
	Awaited bool
	// StableSince is when the node's set of pods last changed.
	StableSince time.Time
}

// Command removes its candidates, for its reason.
type Command struct {
	Reason     karpv1.DisruptionReason
	Candidates []*Candidate
}

// Blocked is a candidate that qualified for reason but may not be disrupted;
// Unconsolidatable ones are underutilized nodes whose pods fit nowhere else.
type Blocked struct {
	Candidate        *Candidate
	Reason           karpv1.DisruptionReason
	Why              string
	Unconsolidatable bool
}

// Decide returns what to remove now, and what qualified but is held back:
// empty nodes (no workload pods for consolidateAfter), per NodePool up to what
// its budgets allow for Empty, most expensive first; then, when no pod is
// pending and no node is disrupting, one underutilized node whose pods fit on
// the other nodes (consolidate.go).
func Decide(s Snapshot) ([]Command, []Blocked) {
	total, disrupting := map[string]int{}, map[string]int{}
	for _, c := range s.Candidates {
		total[nodePoolOf(c)]++
		if isDisrupting(c) {
			disrupting[nodePoolOf(c)]++
		}
	}
	empty := map[string][]*Candidate{}
	var blocked []Blocked
	for _, c := range s.Candidates {
		np := s.NodePools[nodePoolOf(c)]
		if np == nil || isDisrupting(c) || !isEmptyFor(c, np, s.Now) {
			continue
		}
		if why := protected(c, s.PDBs, s.Now); why != "" {
			blocked = append(blocked, Blocked{Candidate: c, Reason: karpv1.DisruptionReasonEmpty, Why: why})
			continue
		}
		empty[np.Name] = append(empty[np.Name], c)
	}
	var commands []Command
	for _, name := range sortedKeys(empty) {
		cs := empty[name]
		sort.SliceStable(cs, func(i, j int) bool { return price(cs[i]) > price(cs[j]) })
		n, why := allowed(s.NodePools[name], karpv1.DisruptionReasonEmpty, s.Now, total[name], disrupting[name])
		n = min(n, len(cs))
		if n > 0 {
			commands = append(commands, Command{Reason: karpv1.DisruptionReasonEmpty, Candidates: cs[:n]})
		}
		for _, c := range cs[n:] {
			blocked = append(blocked, Blocked{Candidate: c, Reason: karpv1.DisruptionReasonEmpty, Why: why})
		}
		disrupting[name] += n
	}
	if cmd, held := consolidate(s, commands, total, disrupting); cmd != nil || held != nil {
		if cmd != nil {
			commands = append(commands, *cmd)
		}
		blocked = append(blocked, held...)
	}
	return commands, blocked
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
// PodDisruptionBudget allows fewer evictions than c's pods it covers.
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
		if allowed := int(pdbs[i].Status.DisruptionsAllowed); allowed < n {
			return fmt.Sprintf("PodDisruptionBudget %s/%s allows %d disruptions, the node has %d of its pods", pdbs[i].Namespace, pdbs[i].Name, allowed, n)
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

// isDisrupting reports whether c is already on its way out.
func isDisrupting(c *Candidate) bool {
	if c.Claim.DeletionTimestamp != nil {
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
