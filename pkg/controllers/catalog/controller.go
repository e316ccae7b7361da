// Package catalog publishes, per EC2NodeClass, the InstanceTypeCatalog the
// scheduler plans with (pkg/catalog): on every change of the node class, when
// offerings meet a capacity shortage, and every Resync for price and discovery
// refreshes. Unchanged catalog objects are not written.
package catalog

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/catalog"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// Resync is how often every catalog is checked against discovery and prices (spot
// prices refresh every 5 minutes; a shortage expires after 3).
const Resync = 30 * time.Second

// Controller publishes instance type catalogs.
type Controller struct {
	kube  client.Client
	types interface {
		GetInstanceTypes(ctx context.Context, nodePool *karpv1.NodePool) ([]*cloudprovider.InstanceType, error)
	}
	changed chan event.GenericEvent
}

// NewController builds the controller over the cloud's instance types.
func NewController(kube client.Client, cloud cloudprovider.CloudProvider) *Controller {
	return &Controller{kube: kube, types: cloud, changed: make(chan event.GenericEvent, 100)}
}

// Changed asks for the node class's catalog to be republished now (a capacity
// shortage changed its offerings). It never blocks.
func (c *Controller) Changed(nodeClass string) {
	select {
	case c.changed <- event.GenericEvent{Object: &ec2v1.EC2NodeClass{ObjectMeta: metaName(nodeClass)}}:
	default:
	}
}

// Register adds the controller to mgr.
func (c *Controller) Register(mgr manager.Manager) error {
	return builder.ControllerManagedBy(mgr).
		Named("catalog.publish").
		For(&ec2v1.EC2NodeClass{}).
		WatchesRawSource(source.Channel(c.changed, &handler.EnqueueRequestForObject{})).
		Complete(c)
}

// Reconcile publishes the node class's catalog:
//  1. a node class that is gone has its catalog removed;
//  2. a node class that is not Ready (its selectors match nothing, its role has
//     no instance profile) publishes no types: nothing is planned on it;
//  3. otherwise its instance types (offerings, prices, shortages) are published,
//     and checked again after Resync.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	nodeClass := &ec2v1.EC2NodeClass{}
	if err := c.kube.Get(ctx, req.NamespacedName, nodeClass); err != nil {
		if client.IgnoreNotFound(err) == nil {
			return reconcile.Result{}, catalog.Publish(ctx, c.kube, req.Name, nil)
		}
		return reconcile.Result{}, err
	}
	if !meta.IsStatusConditionTrue(nodeClass.Status.Conditions, ec2v1.ConditionTypeReady) {
		return reconcile.Result{RequeueAfter: Resync}, catalog.Publish(ctx, c.kube, nodeClass.Name, nil)
	}
	// Instance types depend on the node class only; a NodePool stands for it.
	np := &karpv1.NodePool{}
	np.Spec.Template.Spec.NodeClassRef = &karpv1.NodeClassReference{Group: ec2v1.GroupVersion.Group, Kind: "EC2NodeClass", Name: nodeClass.Name}
	types, err := c.types.GetInstanceTypes(ctx, np)
	if err != nil {
		return reconcile.Result{RequeueAfter: Resync}, fmt.Errorf("getting instance types of ec2nodeclass %s, %w", nodeClass.Name, err)
	}
	if err := catalog.Publish(ctx, c.kube, nodeClass.Name, types); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: Resync}, nil
}

func metaName(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }
