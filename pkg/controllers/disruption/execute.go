package disruption

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
	"github.com/tailor-sh/tailor/pkg/moves"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// execute carries cmd out. Every step is idempotent and recorded on the
// claims before the next, so a pass after a failure or a restart goes on from
// the claims' annotations and the nodes' taints.
func (c *Controller) execute(ctx context.Context, cmd Command) error {
	switch cmd.Action {
	case ActionDelete:
		return c.deleteClaims(ctx, cmd)
	case ActionReplace:
		return c.replace(ctx, cmd)
	case ActionRollBack:
		return c.rollBack(ctx, cmd)
	case ActionMarkMoves:
		return c.markReplacementMoves(ctx, cmd)
	}
	return fmt.Errorf("unknown action %q", cmd.Action)
}

// deleteClaims deletes the candidates' claims (the ones read, not claims of
// the same name made since); the termination controller drains their nodes.
// The nodes their pods go to were told in an earlier pass (Pass).
func (c *Controller) deleteClaims(ctx context.Context, cmd Command) error {
	var errs []error
	for _, cand := range cmd.Candidates {
		c.tell(cand, corev1.EventTypeNormal, "Disrupting", c.message(cmd, cand))
		log.FromContext(ctx).Info("disrupting", "reason", cmd.Reason, "action", cmd.Action, "nodeclaim", cand.Claim.Name, "node", cand.Node.Name, "pricePerHour", price(cand))
		if err := c.kube.Delete(ctx, cand.Claim, client.Preconditions{UID: &cand.Claim.UID}); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting nodeclaim %s, %w", cand.Claim.Name, err))
			continue
		}
		delete(c.pending, cand.Claim.Name)
		delete(c.emptySince, cand.Claim.Name)
		delete(c.pods, cand.Claim.Name)
		if cand.Replacing == nil {
			decisionsTotal.WithLabelValues(string(cmd.Reason), string(ActionDelete)).Inc()
		}
	}
	return errors.Join(errs...)
}

// replace records the replacement on each candidate's claim, taints its node
// and then creates the capacity requests: a restart between the steps finds
// the record and goes on (a request that never got created is gone, and the
// replacement is rolled back).
func (c *Controller) replace(ctx context.Context, cmd Command) error {
	requests := make([]*tailorv1alpha1.CapacityRequest, 0, len(cmd.Replacements))
	names := make([]string, 0, len(cmd.Replacements))
	for _, n := range cmd.Replacements {
		r := planner.ReplacementRequest(n, claimNames(cmd.Candidates))
		requests, names = append(requests, r), append(names, r.Name)
	}
	for _, cand := range cmd.Candidates {
		if err := c.annotate(ctx, cand.Claim, map[string]*string{
			tailorv1alpha1.DisruptionReasonAnnotationKey:       ptr.To(string(cmd.Reason)),
			tailorv1alpha1.DisruptionReplacementsAnnotationKey: ptr.To(strings.Join(names, ",")),
			tailorv1alpha1.DisruptionDeadlineAnnotationKey:     ptr.To(cmd.Deadline.UTC().Format(time.RFC3339)),
		}); err != nil {
			return err
		}
		if err := c.taint(ctx, cand.Node, true); err != nil {
			return err
		}
	}
	c.markMoves(ctx, cmd, cmd.Deadline.Add(movesFor))
	for _, r := range requests {
		c.created[r.Name] = c.clk.Now()
		if err := c.kube.Create(ctx, r); err != nil && !apierrors.IsAlreadyExists(err) {
			delete(c.created, r.Name)
			return fmt.Errorf("creating replacement capacity request %s, %w", r.Name, err)
		}
	}
	for _, cand := range cmd.Candidates {
		delete(c.pending, cand.Claim.Name)
		c.tell(cand, corev1.EventTypeNormal, "Disrupting", c.message(cmd, cand))
	}
	log.FromContext(ctx).Info("replacing", "reason", cmd.Reason, "nodeclaims", claimNames(cmd.Candidates), "requests", names, "deadline", cmd.Deadline.UTC().Format(time.RFC3339))
	decisionsTotal.WithLabelValues(string(cmd.Reason), string(ActionReplace)).Add(float64(len(cmd.Candidates)))
	return nil
}

// markReplacementMoves tells the replacements' nodes which of the
// candidates' pods come to them, then records that on each candidate's claim:
// the next pass deletes it. A restart in between tells them again (the
// nodes then expect more pods than come, until the record expires).
func (c *Controller) markReplacementMoves(ctx context.Context, cmd Command) error {
	c.markMoves(ctx, cmd, c.clk.Now().Add(movesFor))
	c.marked = true
	var errs []error
	for _, cand := range cmd.Candidates {
		errs = append(errs, c.annotate(ctx, cand.Claim, map[string]*string{tailorv1alpha1.DisruptionMovesMarkedAnnotationKey: ptr.To("true")}))
	}
	log.FromContext(ctx).V(1).Info("told the replacements where the pods go", "nodeclaims", claimNames(cmd.Candidates), "nodes", len(cmd.Moves))
	return errors.Join(errs...)
}

// rollBack gives a replacement up: the replacements not yet initialized are
// deleted, the node untainted, and the record removed from its claim last
// (so that a restart in between rolls back again).
func (c *Controller) rollBack(ctx context.Context, cmd Command) error {
	var errs []error
	for _, cand := range cmd.Candidates {
		c.tell(cand, corev1.EventTypeWarning, "DisruptionFailed", cmd.Message)
		log.FromContext(ctx).Info("replacement given up", "reason", cmd.Reason, "nodeclaim", cand.Claim.Name, "why", cmd.Message)
		for _, name := range cand.Replacing.Requests {
			errs = append(errs, c.deleteUninitialized(ctx, name))
		}
		if err := c.taint(ctx, cand.Node, false); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, c.annotate(ctx, cand.Claim, map[string]*string{
			tailorv1alpha1.DisruptionReasonAnnotationKey:       nil,
			tailorv1alpha1.DisruptionReplacementsAnnotationKey: nil,
			tailorv1alpha1.DisruptionDeadlineAnnotationKey:     nil,
			tailorv1alpha1.DisruptionMovesMarkedAnnotationKey:  nil,
		}))
		decisionsTotal.WithLabelValues(string(cmd.Reason), string(ActionRollBack)).Inc()
	}
	return errors.Join(errs...)
}

// deleteUninitialized deletes the claim of the replacement request name (the
// claim is named after it) unless its node is initialized: a node that came
// up stays, and emptiness removes it if nothing lands there.
func (c *Controller) deleteUninitialized(ctx context.Context, name string) error {
	claim := &karpv1.NodeClaim{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: name}, claim); err != nil {
		return client.IgnoreNotFound(err)
	}
	if claims.IsTrue(claim, karpv1.ConditionTypeInitialized) || claim.DeletionTimestamp != nil {
		return nil
	}
	if err := c.kube.Delete(ctx, claim, client.Preconditions{UID: &claim.UID}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting replacement nodeclaim %s, %w", name, err)
	}
	return nil
}

// annotate sets (or, for nil values, removes) annotations on claim.
func (c *Controller) annotate(ctx context.Context, claim *karpv1.NodeClaim, values map[string]*string) error {
	patch := client.MergeFrom(claim.DeepCopy())
	if claim.Annotations == nil {
		claim.Annotations = map[string]string{}
	}
	for k, v := range values {
		if v == nil {
			delete(claim.Annotations, k)
		} else {
			claim.Annotations[k] = *v
		}
	}
	if err := c.kube.Patch(ctx, claim, patch); err != nil {
		return fmt.Errorf("annotating nodeclaim %s, %w", claim.Name, err)
	}
	return nil
}

// markMoves annotates each node the command moves pods to with how many pods
// of each of their controllers it is to hold, until until, so that the
// scheduler sends the recreated pods where the plan put them (pkg/moves). It
// is best effort: a node not annotated leaves its pods to the scheduler's own
// scores.
func (c *Controller) markMoves(ctx context.Context, cmd Command, until time.Time) {
	for name, pods := range cmd.Moves {
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error { return c.addMoves(ctx, name, pods, until) }); err != nil {
			log.FromContext(ctx).Error(err, "annotating the pods moved to a node", "node", name)
		}
	}
}

// addMoves adds pods to what node name expects. The node is read from the API
// server and written under optimistic locking: the commands of one pass (one
// per old node when a replacement finishes) add to the same node one after
// the other, faster than the cache sees each write, and a write over a stale
// read would drop what the others added.
func (c *Controller) addMoves(ctx context.Context, name string, pods []*corev1.Pod, until time.Time) error {
	node := &corev1.Node{}
	if err := c.reader.Get(ctx, client.ObjectKey{Name: name}, node); err != nil {
		return client.IgnoreNotFound(err)
	}
	var present corev1.PodList
	if err := c.kube.List(ctx, &present, client.MatchingFields{indexes.PodNodeName: name}); err != nil {
		return err
	}
	value, ok := moves.Add(node, podPointers(present.Items), pods, until, c.clk.Now())
	if !ok {
		return nil
	}
	patch := client.MergeFromWithOptions(node.DeepCopy(), client.MergeFromWithOptimisticLock{})
	metav1.SetMetaDataAnnotation(&node.ObjectMeta, moves.AnnotationKey, value)
	return c.kube.Patch(ctx, node, patch)
}

func podPointers(pods []corev1.Pod) []*corev1.Pod {
	out := make([]*corev1.Pod, len(pods))
	for i := range pods {
		out[i] = &pods[i]
	}
	return out
}

// forgetMoves removes the annotations of moves that have expired, and all of
// them once the cluster has settled (nothing moves any more: an awaited pod
// that went elsewhere must not keep its room reserved until the record
// expires), under optimistic locking: a node the cache shows expired may have
// been given new moves since (the write fails, and a later pass looks again).
func (c *Controller) forgetMoves(ctx context.Context, candidates []*Candidate, settled bool) {
	for _, cand := range candidates {
		_, found := cand.Node.Annotations[moves.AnnotationKey]
		if !found || !settled && !moves.Stale(cand.Node, c.clk.Now()) {
			continue
		}
		node := cand.Node.DeepCopy()
		patch := client.MergeFromWithOptions(cand.Node, client.MergeFromWithOptimisticLock{})
		delete(node.Annotations, moves.AnnotationKey)
		if err := c.kube.Patch(ctx, node, patch); client.IgnoreNotFound(err) != nil && !apierrors.IsConflict(err) {
			log.FromContext(ctx).Error(err, "removing the expired moves of a node", "node", node.Name)
		}
	}
}

// taint adds (on) or removes the karpenter.sh/disrupted taint of node. The
// patch carries the taints read, under optimistic locking, so a taint written
// by others since is not lost: the write fails and the next pass retries.
func (c *Controller) taint(ctx context.Context, node *corev1.Node, on bool) error {
	has := slices.ContainsFunc(node.Spec.Taints, func(t corev1.Taint) bool { return t.Key == wellknown.DisruptedTaintKey })
	if has == on {
		return nil
	}
	patch := client.MergeFromWithOptions(node.DeepCopy(), client.MergeFromWithOptimisticLock{})
	if on {
		node.Spec.Taints = append(node.Spec.Taints, wellknown.DisruptedNoScheduleTaint)
	} else {
		node.Spec.Taints = slices.DeleteFunc(node.Spec.Taints, func(t corev1.Taint) bool { return t.Key == wellknown.DisruptedTaintKey })
	}
	if err := c.kube.Patch(ctx, node, patch); err != nil {
		return fmt.Errorf("tainting node %s (%v), %w", node.Name, on, err)
	}
	return nil
}

// tell records the event on the candidate's node and claim.
func (c *Controller) tell(cand *Candidate, eventType, reason, message string) {
	c.recorder.Eventf(cand.Node, eventType, reason, "%s", message)
	c.recorder.Eventf(cand.Claim, eventType, reason, "%s", message)
}

// message is what an event says of cmd on cand.
func (c *Controller) message(cmd Command, cand *Candidate) string {
	if cmd.Message != "" {
		return cmd.Message
	}
	return fmt.Sprintf("%s for %s: removing node %s", cmd.Reason, c.clk.Now().Sub(cand.EmptySince).Round(time.Second), cand.Node.Name)
}

func claimNames(cs []*Candidate) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Claim.Name)
	}
	return out
}
