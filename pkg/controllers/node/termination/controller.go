// Package termination handles a Node deleted by someone else (kubectl delete node):
// its NodeClaim is deleted, and the NodeClaim's termination drains the node,
// terminates the instance and releases the Node's finalizer.
package termination

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
)

// Controller turns Node deletion into NodeClaim deletion.
type Controller struct{ kube client.Client }

// NewController builds the controller.
func NewController(kube client.Client) *Controller { return &Controller{kube: kube} }

// Register adds the controller to mgr.
func (c *Controller) Register(mgr manager.Manager) error {
	return builder.ControllerManagedBy(mgr).Named("node.termination").For(&corev1.Node{}).Complete(c)
}

// Reconcile, for a Node being deleted that holds the termination finalizer:
//  1. with a NodeClaim: deletes the claim (its termination finishes the Node);
//  2. without one (the claim is gone already): releases the finalizer.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	node := &corev1.Node{}
	if err := c.kube.Get(ctx, req.NamespacedName, node); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if node.DeletionTimestamp.IsZero() || !controllerutil.ContainsFinalizer(node, wellknown.TerminationFinalizer) {
		return reconcile.Result{}, nil
	}
	claim, err := indexes.ClaimFor(ctx, c.kube, node)
	if err != nil {
		return reconcile.Result{}, fmt.Errorf("finding the nodeclaim of node %s, %w", node.Name, err)
	}
	if claim != nil {
		if claim.DeletionTimestamp.IsZero() {
			log.FromContext(ctx).Info("deleting nodeclaim of deleted node", "nodeclaim", claim.Name)
			return reconcile.Result{}, client.IgnoreNotFound(c.kube.Delete(ctx, claim))
		}
		return reconcile.Result{}, nil
	}
	stored := node.DeepCopy()
	controllerutil.RemoveFinalizer(node, wellknown.TerminationFinalizer)
	return reconcile.Result{}, client.IgnoreNotFound(c.kube.Patch(ctx, node, client.MergeFrom(stored)))
}
