// Package termination ends a deleted NodeClaim's node in order: taint it
// karpenter.sh/disrupted, drain it through the Eviction API (honouring PDBs, until
// terminationGracePeriod runs out), wait for its volumes to detach, terminate the
// instance until it is gone, delete the Node, and only then release the
// finalizers (docs/designs/0006).
package termination

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
)

// Polling intervals while waiting on things that send no event we watch.
const (
	drainPoll     = time.Second
	terminatePoll = 2 * time.Second
)

// Controller terminates deleted NodeClaims.
type Controller struct {
	kube     client.Client
	cloud    cloudprovider.CloudProvider
	recorder record.EventRecorder
	clk      clock.Clock
}

// NewController builds the controller.
func NewController(kube client.Client, cloud cloudprovider.CloudProvider, recorder record.EventRecorder, clk clock.Clock) *Controller {
	return &Controller{kube: kube, cloud: cloud, recorder: recorder, clk: clk}
}

// Register adds the controller to mgr; pods leaving a node wake its claim.
func (c *Controller) Register(mgr manager.Manager) error {
	return builder.ControllerManagedBy(mgr).
		Named("nodeclaim.termination").
		For(&karpv1.NodeClaim{}).
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(indexes.ClaimsOfNode(mgr.GetClient()))).
		WithOptions(controller.Options{MaxConcurrentReconciles: 50}).
		Complete(c)
}

// Reconcile, for a NodeClaim being deleted that holds the termination finalizer:
//  1. taints its Node karpenter.sh/disrupted:NoSchedule so nothing new lands;
//  2. drains the Node (see drain), waiting while pods remain, unless the
//     terminationGracePeriod has run out;
//  3. waits for the Node's VolumeAttachments to go, within the same deadline;
//  4. terminates the instance and waits until the cloud says it is gone;
//  5. deletes the Node (releasing its finalizer), then releases the claim's.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	claim := &karpv1.NodeClaim{}
	if err := c.kube.Get(ctx, req.NamespacedName, claim); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if claim.DeletionTimestamp.IsZero() || !controllerutil.ContainsFinalizer(claim, wellknown.TerminationFinalizer) {
		return reconcile.Result{}, nil
	}
	node, err := c.nodeOf(ctx, claim)
	if err != nil {
		return reconcile.Result{}, err
	}
	deadline := c.deadline(claim)
	if node != nil {
		if err := c.taint(ctx, node); err != nil {
			return reconcile.Result{}, err
		}
		left, err := c.drain(ctx, node, deadline)
		if err != nil {
			return reconcile.Result{}, err
		}
		if left > 0 {
			return reconcile.Result{RequeueAfter: drainPoll}, c.setCondition(ctx, claim, karpv1.ConditionTypeDrained, metav1.ConditionFalse, "Draining", fmt.Sprintf("%d pods left", left))
		}
		if attached, err := c.volumesAttached(ctx, node); err != nil || (attached > 0 && !c.past(deadline)) {
			return reconcile.Result{RequeueAfter: drainPoll}, err
		}
	}
	if gone, err := c.terminate(ctx, claim); err != nil || !gone {
		return reconcile.Result{RequeueAfter: terminatePoll}, err
	}
	if node != nil {
		if err := c.deleteNode(ctx, node); err != nil {
			return reconcile.Result{}, err
		}
	}
	stored := claim.DeepCopy()
	controllerutil.RemoveFinalizer(claim, wellknown.TerminationFinalizer)
	if err := c.kube.Patch(ctx, claim, client.MergeFrom(stored)); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	terminatedTotal.WithLabelValues(claim.Labels[wellknown.NodePoolLabelKey]).Inc()
	terminationSeconds.WithLabelValues(claim.Labels[wellknown.NodePoolLabelKey]).Observe(c.clk.Since(claim.DeletionTimestamp.Time).Seconds())
	log.FromContext(ctx).Info("deleted nodeclaim", "providerID", claim.Status.ProviderID)
	return reconcile.Result{}, nil
}

func (c *Controller) nodeOf(ctx context.Context, claim *karpv1.NodeClaim) (*corev1.Node, error) {
	node, err := indexes.NodeFor(ctx, c.kube, claim)
	if err != nil {
		return nil, fmt.Errorf("finding the node of nodeclaim %s, %w", claim.Name, err)
	}
	return node, nil
}

// deadline is when draining stops waiting: deletion + terminationGracePeriod, or
// never (zero).
func (c *Controller) deadline(claim *karpv1.NodeClaim) time.Time {
	if claim.Spec.TerminationGracePeriod == nil {
		return time.Time{}
	}
	return claim.DeletionTimestamp.Add(claim.Spec.TerminationGracePeriod.Duration)
}

func (c *Controller) past(deadline time.Time) bool {
	return !deadline.IsZero() && !c.clk.Now().Before(deadline)
}

func (c *Controller) taint(ctx context.Context, node *corev1.Node) error {
	for _, t := range node.Spec.Taints {
		if t.MatchTaint(&wellknown.DisruptedNoScheduleTaint) {
			return nil
		}
	}
	stored := node.DeepCopy()
	node.Spec.Taints = append(node.Spec.Taints, wellknown.DisruptedNoScheduleTaint)
	if err := c.kube.Patch(ctx, node, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("tainting node %s, %w", node.Name, err)
	}
	return nil
}

// terminate asks the cloud to end the claim's instance; gone once it is.
func (c *Controller) terminate(ctx context.Context, claim *karpv1.NodeClaim) (gone bool, err error) {
	if claim.Status.ProviderID == "" {
		return true, nil // never launched; an instance tagged for it is garbage collected
	}
	err = c.cloud.Delete(ctx, claim)
	if cloudprovider.IsNodeClaimNotFoundError(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("terminating instance of nodeclaim %s, %w", claim.Name, err)
	}
	return false, c.setCondition(ctx, claim, karpv1.ConditionTypeInstanceTerminating, metav1.ConditionTrue, "InstanceTerminating", "")
}

func (c *Controller) deleteNode(ctx context.Context, node *corev1.Node) error {
	stored := node.DeepCopy()
	if controllerutil.RemoveFinalizer(node, wellknown.TerminationFinalizer) {
		if err := c.kube.Patch(ctx, node, client.MergeFrom(stored)); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("releasing node %s, %w", node.Name, err)
		}
	}
	if err := c.kube.Delete(ctx, node); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting node %s, %w", node.Name, err)
	}
	return nil
}

func (c *Controller) setCondition(ctx context.Context, claim *karpv1.NodeClaim, t string, status metav1.ConditionStatus, reason, message string) error {
	stored := claim.DeepCopy()
	if !claims.Set(claim, t, status, reason, message) {
		return nil
	}
	return client.IgnoreNotFound(c.kube.Status().Patch(ctx, claim, client.MergeFrom(stored)))
}
