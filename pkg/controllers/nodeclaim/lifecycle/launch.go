package lifecycle

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/controllers/capacityrequest"
)

// nodeClassRetry is how soon a claim whose node class has not resolved is tried
// again (the resolver caches for a minute; the liveness timeout ends the wait).
const nodeClassRetry = 15 * time.Second

// launch creates the claim's instance, unless it has one.
func (c *Controller) launch(ctx context.Context, claim *karpv1.NodeClaim) (reconcile.Result, error) {
	if claim.Status.ProviderID != "" {
		if !claims.IsTrue(claim, karpv1.ConditionTypeLaunched) {
			claims.Set(claim, karpv1.ConditionTypeLaunched, metav1.ConditionTrue, "Launched", "")
		}
		return reconcile.Result{}, nil
	}
	created, err := c.create(ctx, claim)
	switch {
	case cloudprovider.IsInsufficientCapacityError(err):
		launchFailed(claim, tailorv1alpha1.ReasonInsufficientCapacity)
		return reconcile.Result{}, c.shortage(ctx, claim, err)
	case cloudprovider.IsNodeClassNotReadyError(err):
		launchFailed(claim, "NodeClassNotReady")
		claims.Set(claim, karpv1.ConditionTypeLaunched, metav1.ConditionFalse, "NodeClassNotReady", err.Error())
		return reconcile.Result{RequeueAfter: nodeClassRetry}, nil
	case err != nil:
		launchFailed(claim, "LaunchFailed")
		claims.Set(claim, karpv1.ConditionTypeLaunched, metav1.ConditionFalse, "LaunchFailed", err.Error())
		c.recorder.Eventf(claim, corev1.EventTypeWarning, "LaunchFailed", "%v", err)
		return reconcile.Result{}, err
	}
	c.launched.Store(claim.Name, created)
	for k, v := range created.Labels {
		if claim.Labels == nil {
			claim.Labels = map[string]string{}
		}
		claim.Labels[k] = v
	}
	claim.Status.ProviderID = created.Status.ProviderID
	claim.Status.ImageID = created.Status.ImageID
	claim.Status.Capacity = created.Status.Capacity
	claim.Status.Allocatable = created.Status.Allocatable
	if price, ok := c.price(ctx, claim); ok {
		if claim.Annotations == nil {
			claim.Annotations = map[string]string{}
		}
		claim.Annotations[tailorv1alpha1.PricePerHourAnnotationKey] = strconv.FormatFloat(price, 'f', -1, 64)
	}
	claims.Set(claim, karpv1.ConditionTypeLaunched, metav1.ConditionTrue, "Launched", "")
	launchedTotal.WithLabelValues(claim.Labels[wellknown.NodePoolLabelKey], claim.Labels[wellknown.CapacityTypeLabelKey]).Inc()
	log.FromContext(ctx).Info("launched nodeclaim", "providerID", claim.Status.ProviderID,
		"instanceType", claim.Labels[corev1.LabelInstanceTypeStable], "zone", claim.Labels[corev1.LabelTopologyZone],
		"capacityType", claim.Labels[wellknown.CapacityTypeLabelKey])
	return reconcile.Result{}, nil
}

// create returns the claim's instance: the one this process launched already, the
// one found at start-up, or a new one.
func (c *Controller) create(ctx context.Context, claim *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	if v, ok := c.launched.Load(claim.Name); ok {
		return v.(*karpv1.NodeClaim), nil
	}
	adopted, err := c.inventory.take(ctx, claim, c.cloud)
	if err != nil || adopted != nil {
		return adopted, err
	}
	defer c.opts.InFlight.begin(c.clk.Now())()
	return c.cloud.Create(ctx, claim)
}

// shortage gives up on a claim no offering could launch: the offerings are marked
// unavailable (by the cloud provider), the catalog is republished, the request
// fails so its pods are planned again without them, and the claim is deleted.
func (c *Controller) shortage(ctx context.Context, claim *karpv1.NodeClaim, err error) error {
	claims.Set(claim, karpv1.ConditionTypeLaunched, metav1.ConditionFalse, tailorv1alpha1.ReasonInsufficientCapacity, err.Error())
	c.recorder.Eventf(claim, corev1.EventTypeWarning, tailorv1alpha1.ReasonInsufficientCapacity, "%v", err)
	abandonedTotal.WithLabelValues(claim.Labels[wellknown.NodePoolLabelKey], tailorv1alpha1.ReasonInsufficientCapacity).Inc()
	if claim.Spec.NodeClassRef != nil {
		c.opts.OnCapacityShortage(claim.Spec.NodeClassRef.Name)
	}
	if err := capacityrequest.FailByName(ctx, c.kube, c.recorder, claims.Request(claim), fmt.Sprintf("no capacity: %v", err)); err != nil {
		return err
	}
	return c.delete(ctx, claim)
}

func (c *Controller) delete(ctx context.Context, claim *karpv1.NodeClaim) error {
	if err := c.kube.Delete(ctx, claim); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting nodeclaim %s, %w", claim.Name, err)
	}
	now := metav1.NewTime(c.clk.Now())
	claim.DeletionTimestamp = &now
	return nil
}

// price is the hourly price of the offering the claim launched in.
func (c *Controller) price(ctx context.Context, claim *karpv1.NodeClaim) (float64, bool) {
	np := &karpv1.NodePool{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: claim.Labels[wellknown.NodePoolLabelKey]}, np); err != nil {
		return 0, false
	}
	types, err := c.cloud.GetInstanceTypes(ctx, np)
	if err != nil {
		return 0, false
	}
	for _, it := range types {
		if it.Name != claim.Labels[corev1.LabelInstanceTypeStable] {
			continue
		}
		for _, o := range it.Offerings {
			if o.Zone == claim.Labels[corev1.LabelTopologyZone] && o.CapacityType == claim.Labels[wellknown.CapacityTypeLabelKey] {
				return o.PricePerHour, true
			}
		}
	}
	return 0, false
}

// inventory is the cluster's instances as listed once, at the first launch after
// start-up, by the claim name they are tagged with.
type inventory struct {
	cloud interface {
		List(ctx context.Context) ([]*karpv1.NodeClaim, error)
	}
	mu     sync.Mutex
	byName map[string]*karpv1.NodeClaim // nil until listed
}

// take returns (and forgets) the instance listed for the claim, described as a
// launched claim, or nil.
func (inv *inventory) take(ctx context.Context, claim *karpv1.NodeClaim, cloud cloudprovider.CloudProvider) (*karpv1.NodeClaim, error) {
	inv.mu.Lock()
	if inv.byName == nil {
		listed, err := inv.cloud.List(ctx)
		if err != nil {
			inv.mu.Unlock()
			return nil, fmt.Errorf("listing instances launched before start-up, %w", err)
		}
		inv.byName = map[string]*karpv1.NodeClaim{}
		for _, l := range listed {
			if l.Name != "" {
				inv.byName[l.Name] = l
			}
		}
	}
	found, ok := inv.byName[claim.Name]
	delete(inv.byName, claim.Name)
	inv.mu.Unlock()
	if !ok {
		return nil, nil
	}
	log.FromContext(ctx).Info("adopted instance launched before a restart", "providerID", found.Status.ProviderID)
	return describe(ctx, claim, found, cloud), nil
}

// describe fills what a listed instance does not carry (capacity, the type's
// labels) from the instance type.
func describe(ctx context.Context, claim, found *karpv1.NodeClaim, cloud cloudprovider.CloudProvider) *karpv1.NodeClaim {
	out := found.DeepCopy()
	np := &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: claim.Labels[wellknown.NodePoolLabelKey]}}
	np.Spec.Template.Spec.NodeClassRef = claim.Spec.NodeClassRef
	types, err := cloud.GetInstanceTypes(ctx, np)
	if err != nil {
		return out
	}
	for _, it := range types {
		if it.Name == found.Labels[corev1.LabelInstanceTypeStable] {
			for k, v := range it.Requirements.Labels() {
				if _, set := out.Labels[k]; !set {
					out.Labels[k] = v
				}
			}
			out.Status.Capacity = it.Capacity.DeepCopy()
			out.Status.Allocatable = it.Allocatable().DeepCopy()
		}
	}
	return out
}
