package capacityrequest

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// maxTypesPerClaim caps the instance types a claim may launch: the cheapest that
// fit (the request lists them by price) leave CreateFleet enough to fall back on
// in a shortage, while an unlaunched claim counts the largest of them against
// the NodePool's limits; 500 types would count as a 192-CPU node.
const maxTypesPerClaim = 20

// createdMemory is how long the controller remembers a claim it created, for
// the cache to show it.
const createdMemory = time.Minute

// launch creates the request's NodeClaim. Decide (which types the limits allow),
// then act (create, then record it on the request).
func (c *Controller) launch(ctx context.Context, r *tailorv1alpha1.CapacityRequest) (reconcile.Result, error) {
	np := &karpv1.NodePool{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: r.Spec.NodePool}, np); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, Fail(ctx, c.kube, c.recorder, r, fmt.Sprintf("NodePool %s does not exist", r.Spec.NodePool))
		}
		return reconcile.Result{}, fmt.Errorf("getting nodepool %s, %w", r.Spec.NodePool, err)
	}
	if !np.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, Fail(ctx, c.kube, c.recorder, r, fmt.Sprintf("NodePool %s is being deleted", np.Name))
	}
	if c.exists(ctx, r.Name) {
		return c.accepted(ctx, r, r.Name) // created before a restart, or before r's status read back
	}
	types, err := c.types.GetInstanceTypes(ctx, np)
	if err != nil {
		if cloudprovider.IsNodeClassNotReadyError(err) {
			return reconcile.Result{}, Fail(ctx, c.kube, c.recorder, r, fmt.Sprintf("NodePool %s cannot launch: %v", np.Name, err))
		}
		return reconcile.Result{}, fmt.Errorf("getting instance types of nodepool %s, %w", np.Name, err)
	}
	byName := make(map[string]*cloudprovider.InstanceType, len(types))
	for _, it := range types {
		byName[it.Name] = it
	}
	claim, refusal, err := c.create(ctx, np, r, byName)
	if err != nil {
		return reconcile.Result{}, err
	}
	if claim == nil {
		return reconcile.Result{}, Fail(ctx, c.kube, c.recorder, r, refusal)
	}
	requestsTotal.WithLabelValues(np.Name, "created").Inc()
	log.FromContext(ctx).Info("created nodeclaim", "nodeclaim", claim.Name, "nodepool", np.Name, "instanceTypes", len(claims.InstanceTypes(claim)))
	return c.accepted(ctx, r, claim.Name)
}

// exists reports whether the claim named name was created: the cache holds it
// (synced before the first reconcile after a restart), or this controller made it
// and the cache does not show it yet.
func (c *Controller) exists(ctx context.Context, name string) bool {
	c.mu.Lock()
	_, made := c.created[name]
	c.mu.Unlock()
	return made || c.kube.Get(ctx, client.ObjectKey{Name: name}, &karpv1.NodeClaim{}) == nil
}

// create decides which of r's types np's limits leave room for and creates the
// claim, under np's decision lock when np has limits. No claim means refused,
// for the reason given.
func (c *Controller) create(ctx context.Context, np *karpv1.NodePool, r *tailorv1alpha1.CapacityRequest, types map[string]*cloudprovider.InstanceType) (*karpv1.NodeClaim, string, error) {
	if len(np.Spec.Limits) > 0 {
		defer c.lockPool(np.Name)()
	}
	existing, err := c.nodePoolClaims(ctx, np)
	if err != nil {
		return nil, "", err
	}
	within, refusal := withinLimits(np, r.Spec.InstanceTypes, types, existing)
	if len(within) == 0 {
		if refusal == "" {
			return nil, fmt.Sprintf("none of the request's %d instance types is offered by NodePool %s any more", len(r.Spec.InstanceTypes), np.Name), nil
		}
		c.setLimitsReached(ctx, np, true, refusal)
		requestsTotal.WithLabelValues(np.Name, "limited").Inc()
		return nil, refusal, nil
	}
	claim := claims.ForRequest(np, r, within[:min(len(within), maxTypesPerClaim)])
	if err := c.kube.Create(ctx, claim); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, "", fmt.Errorf("creating nodeclaim %s, %w", claim.Name, err)
	}
	c.remember(*claim)
	// Cleared here, under the NodePool's lock like a refusal: cleared after
	// creating, a request accepted before another was refused would clear the
	// refusal it never saw.
	c.setLimitsReached(ctx, np, false, "")
	return claim, "", nil
}

// remember records a claim this controller created, and forgets the ones
// created more than createdMemory ago: the cache has them by then, or never will.
func (c *Controller) remember(claim karpv1.NodeClaim) {
	c.mu.Lock()
	defer c.mu.Unlock()
	claim.CreationTimestamp = metav1.NewTime(c.clk.Now())
	for name, made := range c.created {
		if c.clk.Since(made.CreationTimestamp.Time) > createdMemory {
			delete(c.created, name)
		}
	}
	c.created[claim.Name] = claim
}

// nodePoolClaims are np's NodeClaims, for its limits: the cache's, plus the ones
// this controller created that the cache does not show yet (the caller holds
// np's decision lock, so nothing else of its own is in between). A NodePool
// without limits needs none.
func (c *Controller) nodePoolClaims(ctx context.Context, np *karpv1.NodePool) ([]karpv1.NodeClaim, error) {
	if len(np.Spec.Limits) == 0 {
		return nil, nil
	}
	var list karpv1.NodeClaimList
	if err := c.kube.List(ctx, &list, client.MatchingLabels{wellknown.NodePoolLabelKey: np.Name}); err != nil {
		return nil, fmt.Errorf("listing nodeclaims of nodepool %s, %w", np.Name, err)
	}
	seen := make(map[string]bool, len(list.Items))
	for i := range list.Items {
		seen[list.Items[i].Name] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, claim := range c.created {
		switch {
		case seen[name]:
			delete(c.created, name) // the cache has it
		case claim.Labels[wellknown.NodePoolLabelKey] == np.Name:
			list.Items = append(list.Items, claim)
		}
	}
	return list.Items, nil
}

// accepted records on r that its NodeClaim exists.
func (c *Controller) accepted(ctx context.Context, r *tailorv1alpha1.CapacityRequest, claim string) (reconcile.Result, error) {
	stored := r.DeepCopy()
	r.Status.NodeClaim = claim
	meta.SetStatusCondition(&r.Status.Conditions, metav1.Condition{Type: tailorv1alpha1.ConditionTypeAccepted, Status: metav1.ConditionTrue, Reason: "Accepted", Message: "the launcher took the request"})
	meta.SetStatusCondition(&r.Status.Conditions, metav1.Condition{Type: tailorv1alpha1.ConditionTypeLaunched, Status: metav1.ConditionTrue, Reason: "NodeClaimCreated", Message: "nodeclaim " + claim + " created"})
	if err := c.kube.Status().Patch(ctx, r, client.MergeFrom(stored)); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	return reconcile.Result{}, nil
}

// withinLimits are the requested types, in the request's order, whose capacity
// fits what np's limits leave after its existing claims. A claim counts its
// instance's capacity once launched, and before that the most its allowed types
// could take, so concurrent launches can never overshoot. When the limits rule
// out every known type, refusal says which limit and by how much.
func withinLimits(np *karpv1.NodePool, requested []string, types map[string]*cloudprovider.InstanceType, existing []karpv1.NodeClaim) (within []string, refusal string) {
	used := corev1.ResourceList{}
	for i := range existing {
		used = quotav1.Add(used, withNodes(claimCapacity(&existing[i], types)))
	}
	for _, name := range requested {
		it, ok := types[name]
		if !ok {
			continue
		}
		if over := exceeds(np.Spec.Limits, used, withNodes(it.Capacity)); over != "" {
			refusal = fmt.Sprintf("NodePool %s reached its limits: %s; raise spec.limits or remove nodes", np.Name, over)
			continue
		}
		within = append(within, name)
	}
	return within, refusal
}

// claimCapacity is the launched instance's capacity, or the per-resource maximum
// of the types the claim may still launch.
func claimCapacity(claim *karpv1.NodeClaim, types map[string]*cloudprovider.InstanceType) corev1.ResourceList {
	if len(claim.Status.Capacity) > 0 {
		return claim.Status.Capacity
	}
	out := corev1.ResourceList{}
	names := claims.InstanceTypes(claim)
	if len(names) == 0 { // any type
		for _, it := range types {
			out = quotav1.Max(out, it.Capacity)
		}
		return out
	}
	for _, name := range names {
		if it, ok := types[name]; ok {
			out = quotav1.Max(out, it.Capacity)
		}
	}
	return out
}
