// Package status keeps each EC2NodeClass's status current: the subnets, security
// groups, AMIs and instance profile its selectors resolve to, and conditions that
// say, naming the field to fix, what did not resolve.
package status

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

// Name of the controller.
const Name = "nodeclass.status"

const (
	// resyncPeriod: subnets, security groups and AMI releases change in AWS without
	// the node class changing. The resolver caches a resolved status for a minute,
	// so resolving more often would not see more.
	resyncPeriod = time.Minute
	// conflictRetry: another writer changed the node class after it was read; the
	// cache has its write within a second.
	conflictRetry = time.Second
)

// Resolver resolves a node class's selectors; *aws.CloudProvider satisfies it.
type Resolver interface {
	NodeClassStatus(ctx context.Context, nodeClass *ec2v1.EC2NodeClass) (ec2v1.EC2NodeClassStatus, error)
}

// Controller keeps EC2NodeClass status current.
type Controller struct {
	kube     client.Client
	resolver Resolver
}

// NewController builds the controller.
func NewController(kube client.Client, resolver Resolver) *Controller {
	return &Controller{kube: kube, resolver: resolver}
}

// Reconcile brings one EC2NodeClass's status up to date:
//  1. a node class that is gone needs nothing;
//  2. its selectors are resolved; a part that did not resolve leaves its field
//     empty and its condition False, the message prefixed with the spec field to
//     fix, and Ready is False with those messages (PricesCurrent does not gate it);
//  3. the status is patched only when it changed, a Conflict is retried, and the
//     node class is resolved again after resyncPeriod, whether it resolved or not.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	stored := &ec2v1.EC2NodeClass{}
	if err := c.kube.Get(ctx, req.NamespacedName, stored); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	// The error joins what did not resolve, which the conditions say too.
	resolved, _ := c.resolver.NodeClassStatus(ctx, stored)
	nc := stored.DeepCopy()
	nc.Status = decide(resolved, stored)
	if equality.Semantic.DeepEqual(stored.Status, nc.Status) {
		return reconcile.Result{RequeueAfter: resyncPeriod}, nil
	}
	if err := c.kube.Status().Patch(ctx, nc, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsConflict(err) {
			return reconcile.Result{RequeueAfter: conflictRetry}, nil
		}
		return reconcile.Result{}, client.IgnoreNotFound(fmt.Errorf("patching status of ec2nodeclass %s, %w", nc.Name, err))
	}
	logChange(ctx, stored, nc)
	return reconcile.Result{RequeueAfter: resyncPeriod}, nil
}

func logChange(ctx context.Context, before, after *ec2v1.EC2NodeClass) {
	logger := log.FromContext(ctx).WithValues("ec2nodeclass", klog.KObj(after))
	was := meta.FindStatusCondition(before.Status.Conditions, ec2v1.ConditionTypeReady)
	now := meta.FindStatusCondition(after.Status.Conditions, ec2v1.ConditionTypeReady)
	switch {
	case was != nil && was.Status == now.Status:
		logger.V(1).Info("updated ec2nodeclass status", "subnets", len(after.Status.Subnets),
			"securityGroups", len(after.Status.SecurityGroups), "amis", len(after.Status.AMIs))
	case now.Status != metav1.ConditionTrue:
		logger.Info("ec2nodeclass became not ready", "message", now.Message)
	default:
		logger.Info("ec2nodeclass became ready", "subnets", len(after.Status.Subnets),
			"securityGroups", len(after.Status.SecurityGroups), "amis", len(after.Status.AMIs),
			"instanceProfile", after.Status.InstanceProfile)
	}
}

// Register adds the controller to mgr. Node classes are watched for spec changes
// only (generation), so status writes do not loop; AWS changes are picked up by
// the resync.
func (c *Controller) Register(mgr manager.Manager) error {
	return builder.ControllerManagedBy(mgr).
		Named(Name).
		For(&ec2v1.EC2NodeClass{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Complete(c)
}
