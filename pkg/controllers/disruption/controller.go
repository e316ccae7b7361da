package disruption

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/controllers/periodic"
	"github.com/tailor-sh/tailor/pkg/planner"
)

const (
	// passInterval is the time between passes.
	passInterval = 10 * time.Second
	// validation is how long a decision must hold before it is carried out: a
	// node that was empty for a moment while pods moved keeps its pods.
	validation = 15 * time.Second
	// movesFor is how long after the eviction starts (a deletion, or the
	// replacement's deadline) the scheduler is asked to send moved pods where
	// the plan put them.
	movesFor = 5 * time.Minute
	// movesNotice is how long after telling a replacement's nodes which pods
	// come the old node is deleted: time for the scheduler's informer to see
	// the record before the pods do.
	movesNotice = 3 * time.Second
)

// Controller runs a disruption pass every passInterval, as a singleton.
type Controller struct {
	kube client.Client
	// reader reads from the API server, past the cache (the manager's API
	// reader; kube where there is no manager).
	reader   client.Reader
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
	// planner judges where pods would go, with the default scheduler
	// profile's plugins; types gives what each NodePool can launch.
	planner    *planner.Planner
	cloud      Cloud
	spotToSpot bool
	// drift holds when each claim's instance was last asked about drift, and
	// the answer.
	drift map[string]driftCheck
	// created holds the capacity requests this process created for
	// replacements, until the cache shows them.
	created map[string]time.Time
	// marked is true when the last pass told nodes which pods come: the
	// nodes the pods leave are deleted in the next pass.
	marked bool
	// movesTold holds the claims of the deletions whose pods' nodes the last
	// pass told (pkg/moves): the next pass deletes them.
	movesTold map[string]bool
}

// Cloud is what the controller asks the cloud provider: what a NodePool can
// launch, and whether an instance drifted from its node class.
type Cloud interface {
	GetInstanceTypes(ctx context.Context, nodePool *karpv1.NodePool) ([]*cloudprovider.InstanceType, error)
	IsDrifted(ctx context.Context, nodeClaim *karpv1.NodeClaim) (cloudprovider.DriftReason, error)
}

// podSet is a node's pods, as a fingerprint, and when it last changed.
type podSet struct {
	fingerprint string
	since       time.Time
}

// NewController builds the controller; spotToSpot allows replacing spot nodes
// by cheaper spot nodes.
func NewController(kube client.Client, cloud Cloud, recorder record.EventRecorder, clk clock.Clock, spotToSpot bool) *Controller {
	return &Controller{kube: kube, reader: kube, cloud: cloud, drift: map[string]driftCheck{}, recorder: recorder, clk: clk, spotToSpot: spotToSpot,
		emptySince: map[string]time.Time{}, pods: map[string]podSet{}, pending: map[string]time.Time{}, created: map[string]time.Time{},
		movesTold: map[string]bool{}}
}

// WithPlanner makes the controller judge fit with p: a planner over the
// scheduler's own profile (the launcher's --scheduler-config). Without one it
// uses kube-scheduler's default profile.
func (c *Controller) WithPlanner(p *planner.Planner) *Controller {
	c.planner = p
	return c
}

// Register adds the controller to mgr.
func (c *Controller) Register(mgr manager.Manager) error {
	c.logger = mgr.GetLogger().WithName("disruption")
	c.reader = mgr.GetAPIReader()
	if c.planner == nil {
		p, err := planner.NewStandalone(context.Background(), nil, nil)
		if err != nil {
			return fmt.Errorf("building the consolidation planner, %w", err)
		}
		c.planner = p
	}
	return mgr.Add(c)
}

// NeedLeaderElection: only the leader disrupts.
func (c *Controller) NeedLeaderElection() bool { return true }

// Start runs passes until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	return periodic.RunPaced(ctx, c.logger, passInterval, "disruption pass", c.Pass, func() time.Duration { return c.nextStep(c.clk.Now()) })
}

// nextStep is how soon a pass is due for a step waiting on time rather than
// on the cluster: a decision's validation ending, or an old node to delete
// once its replacements' nodes were told which pods come (movesNotice).
// Passes otherwise come every passInterval; a step that waited for the next
// one made each consolidation take three passes (30 s) instead of 15 s.
func (c *Controller) nextStep(now time.Time) time.Duration {
	next := passInterval
	for _, first := range c.pending {
		if due := first.Add(validation).Sub(now); due > 0 {
			next = min(next, due)
		}
	}
	if c.marked {
		next = min(next, movesNotice)
	}
	return next
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
	c.forgetMoves(ctx, s.Candidates, c.settled(s))
	commands, blocked := Decide(s)
	eligibleNodes.Set(float64(countCandidates(commands)))
	c.tellBlocked(blocked)
	decided, toldNow := map[string]bool{}, map[string]bool{}
	c.marked = false
	for _, cmd := range commands {
		if !cmd.Immediate && !c.validated(cmd, s.Now, decided) {
			continue
		}
		if cmd.Action == ActionDelete && !c.toldAll(cmd) {
			// The nodes the pods go to hear of them a pass before the drain.
			c.tellMoves(ctx, cmd)
			for _, cand := range cmd.Candidates {
				toldNow[cand.Claim.Name] = true
			}
			continue
		}
		if err := c.execute(ctx, cmd); err != nil {
			log.FromContext(ctx).Error(err, "disrupting", "reason", cmd.Reason, "action", cmd.Action)
		}
	}
	for name := range c.pending {
		if !decided[name] {
			delete(c.pending, name)
		}
	}
	for name := range c.movesTold { // what a pass told is acted on in the next, or told again
		if !toldNow[name] {
			delete(c.movesTold, name)
		}
	}
	c.setConditions(ctx, Conditions(s))
	return nil
}

// settled reports whether nothing moves: no node disrupts, no pod waits to
// be scheduled, and no deletion told its moves for the next pass.
func (c *Controller) settled(s Snapshot) bool {
	if s.Pending || len(c.movesTold) > 0 {
		return false
	}
	return !slices.ContainsFunc(s.Candidates, isDisrupting)
}

// toldAll reports whether the nodes cmd moves pods to were told of them in
// an earlier pass (or it moves none).
func (c *Controller) toldAll(cmd Command) bool {
	if len(cmd.Moves) == 0 {
		return true
	}
	for _, cand := range cmd.Candidates {
		if !c.movesTold[cand.Claim.Name] {
			return false
		}
	}
	return true
}

// tellMoves tells the nodes cmd moves pods to which pods come, and records
// that its candidates may go in the next pass, movesNotice later: evicted in
// the pass that wrote the record, the pods reached the scheduler before it,
// and empty nodes, which least-allocated scoring prefers, took the room
// planned for others.
func (c *Controller) tellMoves(ctx context.Context, cmd Command) {
	c.markMoves(ctx, cmd, c.clk.Now().Add(movesFor))
	for _, cand := range cmd.Candidates {
		c.movesTold[cand.Claim.Name] = true
	}
	c.marked = true
}

// validated reports whether every candidate of cmd has been decided on for
// the validation period, and records them as decided in this pass.
func (c *Controller) validated(cmd Command, now time.Time, decided map[string]bool) bool {
	ok := true
	for _, cand := range cmd.Candidates {
		decided[cand.Claim.Name] = true
		first, seen := c.pending[cand.Claim.Name]
		if !seen {
			c.pending[cand.Claim.Name] = now
		}
		ok = ok && seen && now.Sub(first) >= validation
	}
	return ok
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

func countCandidates(cmds []Command) int {
	n := 0
	for _, c := range cmds {
		n += len(c.Candidates)
	}
	return n
}
