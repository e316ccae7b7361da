// Package capacityrequest turns each CapacityRequest the scheduler hands over into
// exactly one NodeClaim, within its NodePool's limits, and keeps the request's
// status telling the scheduler what became of it (docs/designs/0006).
package capacityrequest

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

const (
	// failedRetention is how long a failed request stays, so that the scheduler
	// and users see why, before it is removed and its pods are planned again.
	failedRetention = 5 * time.Second
	// doneRetention is how long a request stays after its node is initialized:
	// longer than the scheduler's reservation of the node for the request's pods
	// (2 min), which it rebuilds from requests after a restart.
	doneRetention = 10 * time.Minute
	// ConditionTypeInitialized on a request: its node is initialized.
	ConditionTypeInitialized = "Initialized"
)

// TypeLister gives the instance types a NodePool can launch.
type TypeLister interface {
	GetInstanceTypes(ctx context.Context, nodePool *karpv1.NodePool) ([]*cloudprovider.InstanceType, error)
}

// Controller creates one NodeClaim per CapacityRequest. Per NodePool with limits,
// one reconcile at a time decides and creates, counting the NodePool's usage from
// the cache plus the claims it created that the cache does not show yet, so that
// requests racing for a NodePool's last room launch one node, not two.
type Controller struct {
	kube client.Client
	// live reads past the cache, to tell a claim that is gone from one the
	// cache does not show yet.
	live     client.Reader
	types    TypeLister
	recorder record.EventRecorder
	clk      clock.Clock

	mu sync.Mutex
	// pools serializes the limit decisions of each NodePool.
	pools map[string]*sync.Mutex
	// created holds the claims this controller created, until the cache has them.
	created map[string]karpv1.NodeClaim
}

// NewController builds the controller.
func NewController(kube client.Client, types TypeLister, recorder record.EventRecorder, clk clock.Clock) *Controller {
	return &Controller{kube: kube, live: kube, types: types, recorder: recorder, clk: clk,
		pools: map[string]*sync.Mutex{}, created: map[string]karpv1.NodeClaim{}}
}

// Register adds the controller to mgr.
func (c *Controller) Register(mgr manager.Manager) error {
	c.live = mgr.GetAPIReader()
	return builder.ControllerManagedBy(mgr).
		Named("capacityrequest").
		For(&tailorv1alpha1.CapacityRequest{}).
		Watches(&karpv1.NodeClaim{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			if name := claims.Request(o.(*karpv1.NodeClaim)); name != "" {
				return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
			}
			return nil
		})).
		WithOptions(controller.Options{MaxConcurrentReconciles: 10}).
		Complete(c)
}

// Reconcile moves one request on:
//  1. a failed request is removed failedRetention after it failed, so the
//     scheduler plans its pods again (without the offering that failed);
//  2. a request whose NodeClaim exists follows it: Initialized once the node is,
//     removed doneRetention later;
//  3. a request whose NodeClaim is gone is done if its node was initialized, else
//     it failed;
//  4. otherwise the NodeClaim is created, restricted to the instance types the
//     NodePool's limits leave room for; none is a failure naming the limit.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	r := &tailorv1alpha1.CapacityRequest{}
	if err := c.kube.Get(ctx, req.NamespacedName, r); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !r.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	if cond := meta.FindStatusCondition(r.Status.Conditions, tailorv1alpha1.ConditionTypeLaunched); cond != nil &&
		cond.Status == metav1.ConditionFalse && cond.Reason == tailorv1alpha1.ReasonLaunchFailed {
		return c.removeAfter(ctx, r, cond.LastTransitionTime.Time, failedRetention)
	}
	if r.Status.NodeClaim != "" {
		return c.follow(ctx, r)
	}
	return c.launch(ctx, r)
}

// follow keeps the request's status in step with its NodeClaim.
func (c *Controller) follow(ctx context.Context, r *tailorv1alpha1.CapacityRequest) (reconcile.Result, error) {
	claim := &karpv1.NodeClaim{}
	err := c.kube.Get(ctx, client.ObjectKey{Name: r.Status.NodeClaim}, claim)
	initialized := meta.FindStatusCondition(r.Status.Conditions, ConditionTypeInitialized)
	if apierrors.IsNotFound(err) {
		if gone, err := c.gone(ctx, r.Status.NodeClaim); !gone {
			return reconcile.Result{RequeueAfter: time.Second}, err // the cache does not show it yet
		}
		if initialized != nil && initialized.Status == metav1.ConditionTrue {
			return reconcile.Result{}, client.IgnoreNotFound(c.kube.Delete(ctx, r))
		}
		return reconcile.Result{}, Fail(ctx, c.kube, c.recorder, r, fmt.Sprintf("nodeclaim %s was deleted before its node was initialized", r.Status.NodeClaim))
	}
	if err != nil {
		return reconcile.Result{}, fmt.Errorf("getting nodeclaim %s, %w", r.Status.NodeClaim, err)
	}
	if !claims.IsTrue(claim, karpv1.ConditionTypeInitialized) {
		return reconcile.Result{}, nil
	}
	if initialized == nil || initialized.Status != metav1.ConditionTrue {
		stored := r.DeepCopy()
		meta.SetStatusCondition(&r.Status.Conditions, metav1.Condition{Type: ConditionTypeInitialized, Status: metav1.ConditionTrue,
			Reason: "NodeInitialized", Message: fmt.Sprintf("node %s is initialized", claim.Status.NodeName)})
		if err := c.kube.Status().Patch(ctx, r, client.MergeFrom(stored)); err != nil {
			return reconcile.Result{}, client.IgnoreNotFound(err)
		}
		initializationSeconds.WithLabelValues(r.Spec.NodePool).Observe(c.clk.Since(r.CreationTimestamp.Time).Seconds())
		return reconcile.Result{RequeueAfter: doneRetention}, nil
	}
	return c.removeAfter(ctx, r, initialized.LastTransitionTime.Time, doneRetention)
}

// gone reports whether the claim named name is really gone: neither created by
// this controller in the last minute nor found past the cache.
func (c *Controller) gone(ctx context.Context, name string) (bool, error) {
	c.mu.Lock()
	_, made := c.created[name]
	c.mu.Unlock()
	if made {
		return false, nil
	}
	err := c.live.Get(ctx, client.ObjectKey{Name: name}, &karpv1.NodeClaim{})
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("getting nodeclaim %s, %w", name, err)
	}
	return false, nil
}

// lockPool takes np's decision lock; the returned func releases it.
func (c *Controller) lockPool(np string) func() {
	c.mu.Lock()
	l, ok := c.pools[np]
	if !ok {
		l = &sync.Mutex{}
		c.pools[np] = l
	}
	c.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// removeAfter deletes r once d has passed since t.
func (c *Controller) removeAfter(ctx context.Context, r *tailorv1alpha1.CapacityRequest, t time.Time, d time.Duration) (reconcile.Result, error) {
	if wait := t.Add(d).Sub(c.clk.Now()); wait > 0 {
		return reconcile.Result{RequeueAfter: wait}, nil
	}
	if err := c.kube.Delete(ctx, r); client.IgnoreNotFound(err) != nil {
		return reconcile.Result{}, fmt.Errorf("deleting capacity request %s, %w", r.Name, err)
	}
	log.FromContext(ctx).V(1).Info("removed capacity request")
	return reconcile.Result{}, nil
}

// Fail marks r Launched=False/LaunchFailed with message, which tells the scheduler
// to plan its pods again once r is removed, and says so on each pod. Lifecycle
// controllers call it when they give up on a request's NodeClaim.
func Fail(ctx context.Context, kube client.Client, recorder record.EventRecorder, r *tailorv1alpha1.CapacityRequest, message string) error {
	stored := r.DeepCopy()
	changed := meta.SetStatusCondition(&r.Status.Conditions, metav1.Condition{Type: tailorv1alpha1.ConditionTypeLaunched,
		Status: metav1.ConditionFalse, Reason: tailorv1alpha1.ReasonLaunchFailed, Message: message})
	if !changed {
		return nil
	}
	if err := kube.Status().Patch(ctx, r, client.MergeFrom(stored)); err != nil {
		return client.IgnoreNotFound(err)
	}
	requestsTotal.WithLabelValues(r.Spec.NodePool, "failed").Inc()
	log.FromContext(ctx).Info("capacity request failed", "capacityrequest", r.Name, "reason", message)
	recorder.Eventf(r, corev1.EventTypeWarning, tailorv1alpha1.ReasonLaunchFailed, "%s", message)
	for _, ref := range r.Spec.Pods {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name, UID: ref.UID}}
		recorder.Eventf(pod, corev1.EventTypeWarning, tailorv1alpha1.ReasonLaunchFailed,
			"Capacity request %s failed: %s; the pod is planned again", r.Name, message)
	}
	return nil
}

// FailByName is Fail for the request named name; a request that is gone is fine.
func FailByName(ctx context.Context, kube client.Client, recorder record.EventRecorder, name, message string) error {
	if name == "" {
		return nil
	}
	r := &tailorv1alpha1.CapacityRequest{}
	if err := kube.Get(ctx, client.ObjectKey{Name: name}, r); err != nil {
		return client.IgnoreNotFound(err)
	}
	return Fail(ctx, kube, recorder, r, message)
}
