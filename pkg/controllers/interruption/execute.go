package interruption

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// execute performs cmds in order. Every command is idempotent, so a failed one
// does not stop the others: the whole list is performed again when the message
// comes back (or on the next pass, for DecideWaiting's).
func (c *Controller) execute(ctx context.Context, cmds []Command) error {
	var errs []error
	for _, cmd := range cmds {
		var err error
		switch cmd := cmd.(type) {
		case MarkUnavailable:
			c.markUnavailable(ctx, cmd)
		case Cordon:
			err = c.cordon(ctx, cmd.Claim)
		case Replace:
			err = c.replace(ctx, cmd)
		case Delete:
			err = c.delete(ctx, cmd.Claim)
		case Record:
			c.record(ctx, cmd)
		default:
			err = fmt.Errorf("executing command %T, unknown command", cmd)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Controller) markUnavailable(ctx context.Context, cmd MarkUnavailable) {
	if c.unavailable == nil {
		return
	}
	c.unavailable.MarkUnavailable(cmd.Reason, cmd.InstanceType, cmd.Zone, cmd.CapacityType)
	log.FromContext(ctx).Info("marked offering unavailable", "reason", cmd.Reason,
		"instanceType", cmd.InstanceType, "zone", cmd.Zone, "capacityType", cmd.CapacityType)
}

// cordon adds the disrupted taint to the claim's node, if it has one.
func (c *Controller) cordon(ctx context.Context, claim *karpv1.NodeClaim) error {
	node, err := c.node(ctx, claim)
	if err != nil || node == nil {
		return err
	}
	for _, t := range node.Spec.Taints {
		if t.MatchTaint(&wellknown.DisruptedNoScheduleTaint) {
			return nil
		}
	}
	// A strategic merge patch adds the taint to the list (merged by key) without
	// replacing taints others wrote since the read.
	patch := client.StrategicMergeFrom(node.DeepCopy())
	node.Spec.Taints = append(node.Spec.Taints, wellknown.DisruptedNoScheduleTaint)
	if err := c.kube.Patch(ctx, node, patch); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("tainting node %s of nodeclaim %s, %w", node.Name, claim.Name, err))
	}
	log.FromContext(ctx).Info("cordoned node of interrupted nodeclaim", "node", node.Name, "nodeclaim", claim.Name)
	return nil
}

// replace creates the replacement and annotates the interrupted claim with it,
// then remembers the claim as waiting.
func (c *Controller) replace(ctx context.Context, cmd Replace) error {
	next := cmd.New.DeepCopy()
	switch err := c.kube.Create(ctx, next); {
	case apierrors.IsAlreadyExists(err):
	case err != nil:
		return fmt.Errorf("creating replacement nodeclaim %s for %s, %w", next.Name, cmd.Old.Name, err)
	default:
		log.FromContext(ctx).Info("created replacement nodeclaim", "nodeclaim", cmd.Old.Name, "replacement", next.Name,
			"deadline", cmd.Deadline.UTC().Format(time.RFC3339))
	}
	old := cmd.Old.DeepCopy()
	deadline := cmd.Deadline.UTC().Format(time.RFC3339)
	if old.Annotations[tailorv1alpha1.ReplacedByAnnotationKey] != next.Name || old.Annotations[tailorv1alpha1.DeadlineAnnotationKey] != deadline {
		patch := client.MergeFrom(old.DeepCopy())
		if old.Annotations == nil {
			old.Annotations = map[string]string{}
		}
		old.Annotations[tailorv1alpha1.ReplacedByAnnotationKey] = next.Name
		old.Annotations[tailorv1alpha1.DeadlineAnnotationKey] = deadline
		if err := c.kube.Patch(ctx, old, patch); err != nil {
			return client.IgnoreNotFound(fmt.Errorf("annotating nodeclaim %s with its replacement %s, %w", old.Name, next.Name, err))
		}
	}
	// Seconds are what the annotation keeps; remember the same, so that a restart
	// decides exactly as this process would.
	c.waiting[old.Name] = Waiting{Claim: old.Name, Replacement: next.Name, Deadline: cmd.Deadline.Truncate(time.Second)}
	return nil
}

// delete deletes the claim (the one read, not a claim of the same name made since).
func (c *Controller) delete(ctx context.Context, claim *karpv1.NodeClaim) error {
	target := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: claim.Name}}
	var opts []client.DeleteOption
	if claim.UID != "" {
		opts = append(opts, client.Preconditions{UID: &claim.UID})
	}
	if err := c.kube.Delete(ctx, target, opts...); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting interrupted nodeclaim %s, %w", claim.Name, err)
	}
	delete(c.waiting, claim.Name)
	log.FromContext(ctx).Info("deleted interrupted nodeclaim", "nodeclaim", claim.Name, "node", claim.Status.NodeName)
	return nil
}

// record records the event on the claim and on its node, if it has one.
func (c *Controller) record(ctx context.Context, cmd Record) {
	c.recorder.Event(cmd.Claim, cmd.Type, cmd.Reason, cmd.Message)
	node, err := c.node(ctx, cmd.Claim)
	if err != nil {
		log.FromContext(ctx).Error(err, "recording event on node failed", "reason", cmd.Reason)
		return
	}
	if node != nil {
		c.recorder.Event(node, cmd.Type, cmd.Reason, cmd.Message)
	}
}

// node returns the claim's node, or nil when it has none (yet, or any more).
func (c *Controller) node(ctx context.Context, claim *karpv1.NodeClaim) (*corev1.Node, error) {
	if claim.Status.NodeName == "" {
		return nil, nil
	}
	node := &corev1.Node{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: claim.Status.NodeName}, node); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("getting node %s of nodeclaim %s, %w", claim.Status.NodeName, claim.Name, err)
	}
	return node, nil
}
