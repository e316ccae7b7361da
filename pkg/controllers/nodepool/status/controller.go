// Package status keeps each NodePool's status current: the resources of its
// NodeClaims, whether its EC2NodeClass is ready, whether an instance type that node
// class can launch meets its requirements, and Ready from the two.
package status

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// Name of the controller.
const Name = "nodepool.status"

const (
	// resyncPeriod: instance type discovery (new types, offerings that went away)
	// changes what a NodePool can launch without any watched object changing.
	resyncPeriod = time.Minute
	// typesRetry: instance types not discovered yet usually are within seconds of
	// the launcher starting, and reading them makes no cloud call.
	typesRetry = 10 * time.Second
	// conflictRetry: another controller wrote the NodePool after it was read; the
	// cache has its write within a second.
	conflictRetry = time.Second
)

// InstanceTypes lists the instance types a NodePool's node class can launch;
// cloudprovider.CloudProvider satisfies it.
type InstanceTypes interface {
	GetInstanceTypes(ctx context.Context, nodePool *karpv1.NodePool) ([]*cloudprovider.InstanceType, error)
}

var _ InstanceTypes = cloudprovider.CloudProvider(nil)

// Controller keeps NodePool status current.
type Controller struct {
	kube  client.Client
	types InstanceTypes
}

// NewController builds the controller.
func NewController(kube client.Client, types InstanceTypes) *Controller {
	return &Controller{kube: kube, types: types}
}

// Reconcile brings one NodePool's status up to date:
//  1. a NodePool that is gone needs nothing;
//  2. its node class is read: none, or a reference to anything but an
//     EC2NodeClass, makes NodeClassReady False (NodeClassNotFound); one whose Ready
//     is not True makes it False (NodeClassNotReady);
//  3. only with the node class ready are its instance types read and the
//     requirements checked against them (ValidationSucceeded); otherwise, or when
//     the types cannot be read yet, ValidationSucceeded keeps its value (Unknown
//     at first);
//  4. resources is the sum of the capacity of its NodeClaims, "nodes" their count;
//  5. Ready is True when NodeClassReady and ValidationSucceeded are, else False
//     with the failing one's message; other conditions (LimitsReached) are kept;
//  6. the status is patched only when it changed, a Conflict is retried, and the
//     NodePool is looked at again after resyncPeriod.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	stored := &karpv1.NodePool{}
	if err := c.kube.Get(ctx, req.NamespacedName, stored); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	in := snapshot{nodePool: stored}
	var err error
	if in.nodeClass, err = c.nodeClass(ctx, stored); err != nil {
		return reconcile.Result{}, err
	}
	claims := &karpv1.NodeClaimList{}
	if err := c.kube.List(ctx, claims, client.MatchingLabels{wellknown.NodePoolLabelKey: stored.Name}); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing nodeclaims of nodepool %s, %w", stored.Name, err)
	}
	in.claims = claims.Items
	result := reconcile.Result{RequeueAfter: resyncPeriod}
	if nodeClassReady(in.nodeClass) {
		if in.types, in.typesErr = c.types.GetInstanceTypes(ctx, stored); in.typesErr != nil {
			log.FromContext(ctx).V(1).Info("could not read instance types, keeping ValidationSucceeded", "nodepool", klog.KObj(stored), "error", in.typesErr.Error())
			result.RequeueAfter = typesRetry
		}
	}

	np := stored.DeepCopy()
	np.Status = decide(in)
	if equality.Semantic.DeepEqual(stored.Status, np.Status) {
		return result, nil
	}
	if err := c.kube.Status().Patch(ctx, np, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsConflict(err) {
			return reconcile.Result{RequeueAfter: conflictRetry}, nil
		}
		return reconcile.Result{}, client.IgnoreNotFound(fmt.Errorf("patching status of nodepool %s, %w", np.Name, err))
	}
	logChange(ctx, stored, np)
	return result, nil
}

// nodeClass returns the EC2NodeClass the NodePool refers to, or nil when the
// reference is to something else or the node class does not exist.
func (c *Controller) nodeClass(ctx context.Context, np *karpv1.NodePool) (*ec2v1.EC2NodeClass, error) {
	ref := np.Spec.Template.Spec.NodeClassRef
	if !isEC2NodeClass(ref) {
		return nil, nil
	}
	nc := &ec2v1.EC2NodeClass{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: ref.Name}, nc); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("getting ec2nodeclass %s, %w", ref.Name, err)
	}
	return nc, nil
}

func logChange(ctx context.Context, before, after *karpv1.NodePool) {
	was := meta.FindStatusCondition(before.Status.Conditions, karpv1.ConditionTypeReady)
	now := meta.FindStatusCondition(after.Status.Conditions, karpv1.ConditionTypeReady)
	logger := log.FromContext(ctx).WithValues("nodepool", klog.KObj(after))
	if was == nil || was.Status != now.Status {
		logger.Info("updated nodepool readiness", "ready", now.Status, "reason", now.Reason, "message", now.Message)
		return
	}
	logger.V(1).Info("updated nodepool status", "resources", after.Status.Resources)
}

// Register adds the controller to mgr. NodePools are watched for spec changes only
// (generation), so status writes, this controller's and others', do not loop.
func (c *Controller) Register(mgr manager.Manager) error {
	return builder.ControllerManagedBy(mgr).
		Named(Name).
		For(&karpv1.NodePool{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&karpv1.NodeClaim{}, handler.EnqueueRequestsFromMapFunc(nodePoolOfClaim)).
		Watches(&ec2v1.EC2NodeClass{}, handler.EnqueueRequestsFromMapFunc(c.nodePoolsOfNodeClass)).
		Complete(c)
}

func nodePoolOfClaim(_ context.Context, o client.Object) []reconcile.Request {
	if name := o.GetLabels()[wellknown.NodePoolLabelKey]; name != "" {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
	}
	return nil
}

// nodePoolsOfNodeClass maps an EC2NodeClass to the NodePools that refer to it.
func (c *Controller) nodePoolsOfNodeClass(ctx context.Context, o client.Object) []reconcile.Request {
	pools := &karpv1.NodePoolList{}
	if err := c.kube.List(ctx, pools); err != nil {
		log.FromContext(ctx).Error(err, "listing nodepools of ec2nodeclass", "ec2nodeclass", klog.KObj(o))
		return nil
	}
	var out []reconcile.Request
	for _, np := range pools.Items {
		if ref := np.Spec.Template.Spec.NodeClassRef; ref != nil && ref.Name == o.GetName() {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: np.Name}})
		}
	}
	return out
}
