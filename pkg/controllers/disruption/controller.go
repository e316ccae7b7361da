package disruption

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/controllers/periodic"
	"github.com/tailor-sh/tailor/pkg/planner"
)

const (
	// passInterval is the time between passes.
	passInterval = 10 * time.Second
	// validation is how long a decision must hold before it is carried out: a
	// node that was empty for a moment while pods moved keeps its pods.
	validation = 15 * time.Second
)

// Controller runs a disruption pass every passInterval, as a singleton.
type Controller struct {
	kube     client.Client
	recorder record.EventRecorder
	clk      clock.Clock
	logger   logr.Logger
	// emptySince remembers when each claim's node was first seen without
	// workload pods, pods its node's pods and since when they are the same;
	// pending when each was first decided on.
	emptySince map[string]time.Time
	pods       map[string]podSet
	pending    map[string]time.Time
	// told holds the last blocked message said on each node.
	told map[string]string
	// planner judges whether pods fit on the other nodes, with the default
	// scheduler profile's plugins.
	planner *planner.Planner
}

// podSet is a node's pods, as a fingerprint, and when it last changed.
type podSet struct {
	fingerprint string
	since       time.Time
}

// NewController builds the controller.
func NewController(kube client.Client, recorder record.EventRecorder, clk clock.Clock) *Controller {
	return &Controller{kube: kube, recorder: recorder, clk: clk, emptySince: map[string]time.Time{}, pods: map[string]podSet{}, pending: map[string]time.Time{}}
}

// Register adds the controller to mgr.
func (c *Controller) Register(mgr manager.Manager) error {
	c.logger = mgr.GetLogger().WithName("disruption")
	p, err := planner.NewStandalone(context.Background(), nil, nil)
	if err != nil {
		return fmt.Errorf("building the consolidation planner, %w", err)
	}
	c.planner = p
	return mgr.Add(c)
}

// NeedLeaderElection: only the leader disrupts.
func (c *Controller) NeedLeaderElection() bool { return true }

// Start runs passes until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	return periodic.Run(ctx, c.logger, passInterval, "disruption pass", c.Pass)
}

// Pass decides on a snapshot and carries out the decisions that held for the
// validation period.
func (c *Controller) Pass(ctx context.Context) error {
	start := c.clk.Now()
	defer func() { passSeconds.Observe(c.clk.Since(start).Seconds()) }()
	s, err := c.snapshot(ctx)
	if err != nil {
		return err
	}
	commands, blocked := Decide(s)
	eligibleNodes.Set(float64(countCandidates(commands)))
	c.tellBlocked(blocked)
	decided := map[string]bool{}
	for _, cmd := range commands {
		for _, cand := range cmd.Candidates {
			decided[cand.Claim.Name] = true
			first, ok := c.pending[cand.Claim.Name]
			if !ok {
				c.pending[cand.Claim.Name] = s.Now
				continue
			}
			if s.Now.Sub(first) < validation {
				continue
			}
			if err := c.remove(ctx, cmd.Reason, cand, s.Now); err != nil {
				log.FromContext(ctx).Error(err, "removing node", "nodeclaim", cand.Claim.Name)
			}
		}
	}
	for name := range c.pending {
		if !decided[name] {
			delete(c.pending, name)
		}
	}
	return nil
}

// tellBlocked says on each node held back why, once for as long as the
// reason stays the same: a pass every 10 s would repeat it otherwise.
func (c *Controller) tellBlocked(blocked []Blocked) {
	told := make(map[string]string, len(blocked))
	for _, b := range blocked {
		reason, message := "DisruptionBlocked", fmt.Sprintf("%s, not removed: %s", b.Reason, b.Why)
		if b.Unconsolidatable {
			reason, message = "Unconsolidatable", b.Why
		}
		told[b.Candidate.Node.Name] = message
		if c.told[b.Candidate.Node.Name] != message {
			c.recorder.Eventf(b.Candidate.Node, corev1.EventTypeNormal, reason, "%s", message)
		}
	}
	c.told = told
}

// remove deletes cand's claim (the termination controller drains its node).
func (c *Controller) remove(ctx context.Context, reason karpv1.DisruptionReason, cand *Candidate, now time.Time) error {
	message := fmt.Sprintf("%s for %s: removing the node", reason, now.Sub(cand.EmptySince).Round(time.Second))
	if reason == karpv1.DisruptionReasonUnderutilized {
		message = fmt.Sprintf("Underutilized: its %d pods fit on the other nodes; removing the node ($%.4f/h)", len(workload(cand)), price(cand))
	}
	c.recorder.Eventf(cand.Node, corev1.EventTypeNormal, "Disrupting", "%s", message)
	c.recorder.Eventf(cand.Claim, corev1.EventTypeNormal, "Disrupting", "%s", message)
	log.FromContext(ctx).Info("disrupting", "reason", reason, "nodeclaim", cand.Claim.Name, "node", cand.Node.Name, "pricePerHour", price(cand))
	if err := c.kube.Delete(ctx, cand.Claim, client.Preconditions{UID: &cand.Claim.UID}); client.IgnoreNotFound(err) != nil {
		return err
	}
	delete(c.pending, cand.Claim.Name)
	delete(c.emptySince, cand.Claim.Name)
	delete(c.pods, cand.Claim.Name)
	decisionsTotal.WithLabelValues(string(reason)).Inc()
	return nil
}

// snapshot reads the cluster from the cache: NodeClaims with registered
// nodes, their pods, NodePools, PDBs, and whether pods wait (capacity
// requests with unbound pods, or fresh pending pods); pods are listed once.
func (c *Controller) snapshot(ctx context.Context) (Snapshot, error) {
	s := Snapshot{Now: c.clk.Now(), NodePools: map[string]*karpv1.NodePool{}}
	var pools karpv1.NodePoolList
	if err := c.kube.List(ctx, &pools); err != nil {
		return s, err
	}
	for i := range pools.Items {
		s.NodePools[pools.Items[i].Name] = &pools.Items[i]
	}
	var pdbs policyv1.PodDisruptionBudgetList
	if err := c.kube.List(ctx, &pdbs); err != nil {
		return s, err
	}
	s.PDBs = pdbs.Items
	var pods corev1.PodList
	if err := c.kube.List(ctx, &pods); err != nil {
		return s, err
	}
	byNode, unbound := map[string][]*corev1.Pod{}, map[types.UID]bool{}
	for i := range pods.Items {
		p := &pods.Items[i]
		switch {
		case p.Spec.NodeName != "":
			byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
		case p.DeletionTimestamp == nil:
			unbound[p.UID] = true
			s.Pending = s.Pending || (p.Status.Phase == corev1.PodPending && s.Now.Sub(p.CreationTimestamp.Time) < freshPending)
		}
	}
	awaited, err := c.awaitedRequests(ctx, unbound)
	if err != nil {
		return s, err
	}
	s.Pending = s.Pending || len(awaited) > 0
	var list karpv1.NodeClaimList
	if err := c.kube.List(ctx, &list); err != nil {
		return s, err
	}
	seen := map[string]bool{}
	for i := range list.Items {
		claim := &list.Items[i]
		if claim.Status.NodeName == "" {
			continue
		}
		cand, err := c.candidate(ctx, claim, byNode[claim.Status.NodeName], s.Now)
		if err != nil || cand == nil {
			continue
		}
		cand.Awaited = awaited[claims.Request(claim)]
		seen[claim.Name] = true
		s.Candidates = append(s.Candidates, cand)
	}
	for name := range c.emptySince {
		if !seen[name] {
			delete(c.emptySince, name)
		}
	}
	for name := range c.pods {
		if !seen[name] {
			delete(c.pods, name)
		}
	}
	if c.planner != nil {
		s.Fits = c.fits(ctx, s.Candidates)
	}
	return s, nil
}

func (c *Controller) candidate(ctx context.Context, claim *karpv1.NodeClaim, pods []*corev1.Pod, now time.Time) (*Candidate, error) {
	node := &corev1.Node{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: claim.Status.NodeName}, node); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	cand := &Candidate{Claim: claim, Node: node}
	workload := false
	for _, p := range pods {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		cand.Pods = append(cand.Pods, p)
		workload = workload || IsWorkload(p)
	}
	if workload {
		delete(c.emptySince, claim.Name)
	} else if _, ok := c.emptySince[claim.Name]; !ok {
		c.emptySince[claim.Name] = now
	}
	cand.EmptySince = c.emptySince[claim.Name]
	fingerprint := podFingerprint(cand.Pods)
	if set, ok := c.pods[claim.Name]; !ok || set.fingerprint != fingerprint {
		c.pods[claim.Name] = podSet{fingerprint: fingerprint, since: now}
	}
	cand.StableSince = c.pods[claim.Name].since
	return cand, nil
}

// awaitedRequests are the capacity requests one of whose pods exists and is
// not bound yet (in unbound): their nodes are waited for.
func (c *Controller) awaitedRequests(ctx context.Context, unbound map[types.UID]bool) (map[string]bool, error) {
	var requests tailorv1alpha1.CapacityRequestList
	if err := c.kube.List(ctx, &requests); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range requests.Items {
		for _, ref := range r.Spec.Pods {
			if unbound[ref.UID] {
				out[r.Name] = true
				break
			}
		}
	}
	return out, nil
}

func countCandidates(cmds []Command) int {
	n := 0
	for _, c := range cmds {
		n += len(c.Candidates)
	}
	return n
}
