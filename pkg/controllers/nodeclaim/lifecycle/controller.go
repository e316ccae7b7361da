// Package lifecycle moves a NodeClaim from created to an initialized node: it
// launches the instance, matches the Node that registers for it, waits for the
// node to be ready, and gives up on claims that stall (docs/designs/0006).
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
)

// Options are the lifecycle's timeouts.
type Options struct {
	// LaunchTTL: a claim not launched within it is deleted.
	LaunchTTL time.Duration
	// RegistrationTTL: a launched claim whose node has not registered within it is
	// deleted (its instance terminated).
	RegistrationTTL time.Duration
	// OnCapacityShortage is told the node class of a claim that met insufficient
	// capacity, so that the catalog the scheduler plans with is republished.
	OnCapacityShortage func(nodeClass string)
	// InFlight records the launches under way, for garbage collection.
	InFlight *InFlight
}

// Controller runs a NodeClaim's lifecycle. Each step edits the claim in memory;
// Reconcile then writes metadata and status once each.
type Controller struct {
	kube     client.Client
	cloud    cloudprovider.CloudProvider
	recorder record.EventRecorder
	clk      clock.Clock
	opts     Options

	// launched holds the instances this process launched, by claim, until the
	// claim's status says so: a failed status write must not launch twice.
	launched sync.Map
	// inventory holds the instances that existed when this process started, by
	// claim, so that a claim launched before a restart is adopted, not relaunched.
	inventory inventory
}

// NewController builds the controller.
func NewController(kube client.Client, cloud cloudprovider.CloudProvider, recorder record.EventRecorder, clk clock.Clock, opts Options) *Controller {
	if opts.OnCapacityShortage == nil {
		opts.OnCapacityShortage = func(string) {}
	}
	if opts.InFlight == nil {
		opts.InFlight = NewInFlight()
	}
	return &Controller{kube: kube, cloud: cloud, recorder: recorder, clk: clk, opts: opts, inventory: inventory{cloud: cloud}}
}

// Register adds the controller to mgr; Nodes wake the claim with their providerID.
func (c *Controller) Register(mgr manager.Manager) error {
	return builder.ControllerManagedBy(mgr).
		Named("nodeclaim.lifecycle").
		For(&karpv1.NodeClaim{}).
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(indexes.ClaimsOfNode(mgr.GetClient()))).
		WithOptions(controller.Options{MaxConcurrentReconciles: 100}).
		Complete(c)
}

type step func(ctx context.Context, claim *karpv1.NodeClaim) (reconcile.Result, error)

// Reconcile runs, on a claim that is not being deleted:
//  1. launch: create the instance (or adopt the one launched before a restart);
//  2. registration: match the Node with the claim's providerID, give it the
//     claim's labels, taints and finalizer, lift karpenter.sh/unregistered;
//  3. initialization: once the node is Ready, its startup taints are gone and its
//     extended resources are there, label it karpenter.sh/initialized;
//  4. liveness: delete a claim not launched within LaunchTTL or not registered
//     within RegistrationTTL, failing its request so its pods are planned again.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	claim := &karpv1.NodeClaim{}
	if err := c.kube.Get(ctx, req.NamespacedName, claim); err != nil {
		if client.IgnoreNotFound(err) == nil {
			c.launched.Delete(req.Name)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !claim.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	stored := claim.DeepCopy()
	var results []reconcile.Result
	var errs []error
	for _, s := range []step{c.launch, c.register, c.initialize, c.liveness} {
		res, err := s(ctx, claim)
		results, errs = append(results, res), append(errs, err)
		if err != nil || !claim.DeletionTimestamp.IsZero() {
			break
		}
	}
	if !claim.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, errors.Join(errs...)
	}
	if err := c.write(ctx, stored, claim); err != nil {
		errs = append(errs, err)
	}
	return soonest(results), errors.Join(errs...)
}

// write patches what the steps changed: metadata, then status. The status patch
// is optimistic (other controllers write other conditions of the claim), based on
// the claim as it is after the metadata patch.
func (c *Controller) write(ctx context.Context, stored, claim *karpv1.NodeClaim) error {
	base := stored
	if !equality.Semantic.DeepEqual(stored.ObjectMeta, claim.ObjectMeta) {
		status := claim.Status.DeepCopy()
		if err := c.kube.Patch(ctx, claim, client.MergeFrom(stored)); err != nil {
			return client.IgnoreNotFound(fmt.Errorf("patching nodeclaim %s, %w", claim.Name, err))
		}
		base = claim.DeepCopy()
		claim.Status = *status
	}
	if !equality.Semantic.DeepEqual(base.Status, claim.Status) {
		if err := c.kube.Status().Patch(ctx, claim, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
			return client.IgnoreNotFound(fmt.Errorf("patching nodeclaim %s status, %w", claim.Name, err))
		}
	}
	return nil
}

// soonest is the earliest requeue any step asked for.
func soonest(results []reconcile.Result) reconcile.Result {
	var out reconcile.Result
	for _, r := range results {
		if r.RequeueAfter > 0 && (out.RequeueAfter == 0 || r.RequeueAfter < out.RequeueAfter) {
			out.RequeueAfter = r.RequeueAfter
		}
	}
	return out
}
