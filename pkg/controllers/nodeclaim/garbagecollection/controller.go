// Package garbagecollection reconciles the cloud with the cluster, as a singleton
// under leader election: instances tagged for the cluster that no NodeClaim owns
// are terminated, and launched NodeClaims whose instance is gone are deleted.
package garbagecollection

import (
	"context"
	"slices"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/controllers/periodic"
)

// Controller collects leaked instances and orphaned claims every Interval.
type Controller struct {
	kube     client.Client
	cloud    cloudprovider.CloudProvider
	recorder record.EventRecorder
	clk      clock.Clock
	// Interval between passes; GracePeriod protects young instances and claims,
	// whose other half may not be written yet.
	Interval, GracePeriod time.Duration
	// launches says when the oldest launch under way started: an untagged
	// instance younger than that may be its, not a leak.
	launches interface{ OldestStart() (time.Time, bool) }
	logger   logr.Logger
}

// NewController builds the controller.
func NewController(kube client.Client, cloud cloudprovider.CloudProvider, recorder record.EventRecorder, clk clock.Clock, interval, grace time.Duration,
	launches interface{ OldestStart() (time.Time, bool) }) *Controller {
	return &Controller{kube: kube, cloud: cloud, recorder: recorder, clk: clk, Interval: interval, GracePeriod: grace, launches: launches}
}

// Register adds the controller to mgr.
func (c *Controller) Register(mgr manager.Manager) error {
	c.logger = mgr.GetLogger().WithName("nodeclaim.garbagecollection")
	return mgr.Add(c)
}

// NeedLeaderElection: only the leader collects.
func (c *Controller) NeedLeaderElection() bool { return true }

// Start runs passes until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	return periodic.Run(ctx, c.logger, c.Interval, "collecting garbage", c.Pass)
}

// Pass runs one collection:
//  1. decide: instances older than GracePeriod that no claim holds (by
//     providerID, or by the claim name tag while the claim is not launched yet)
//     are leaked; launched claims older than
//     GracePeriod whose instance is not listed are orphaned;
//  2. act: terminate the leaked instances, delete the orphaned claims, and
//     delete launched Nodes that neither an instance nor a claim stands behind.
func (c *Controller) Pass(ctx context.Context) error {
	instances, err := c.cloud.List(ctx)
	if err != nil {
		return err
	}
	var list karpv1.NodeClaimList
	if err := c.kube.List(ctx, &list); err != nil {
		return err
	}
	var nodes corev1.NodeList
	if err := c.kube.List(ctx, &nodes, client.HasLabels{wellknown.NodePoolLabelKey}); err != nil {
		return err
	}
	leaked, orphaned := Decide(instances, list.Items, c.clk.Now(), c.GracePeriod)
	if oldest, ok := c.launches.OldestStart(); ok {
		leaked = slices.DeleteFunc(leaked, func(inst *karpv1.NodeClaim) bool {
			return inst.Name == "" && !inst.CreationTimestamp.Time.Before(oldest.Add(-time.Second))
		})
	}
	for _, node := range strandedNodes(instances, list.Items, nodes.Items, c.clk.Now(), c.GracePeriod) {
		log.FromContext(ctx).Info("deleting node whose instance and nodeclaim are gone", "node", node.Name, "providerID", node.Spec.ProviderID)
		if err := c.kube.Delete(ctx, node); client.IgnoreNotFound(err) != nil {
			log.FromContext(ctx).Error(err, "deleting stranded node", "node", node.Name)
			continue
		}
		collectedTotal.WithLabelValues("node").Inc()
	}
	for _, inst := range leaked {
		log.FromContext(ctx).Info("terminating leaked instance", "providerID", inst.Status.ProviderID, "nodeclaim", inst.Name)
		if err := c.cloud.Delete(ctx, inst); cloudprovider.IgnoreNodeClaimNotFoundError(err) != nil {
			log.FromContext(ctx).Error(err, "terminating leaked instance", "providerID", inst.Status.ProviderID)
			continue
		}
		collectedTotal.WithLabelValues("instance").Inc() // its Node goes as stranded next pass
	}
	for _, claim := range orphaned {
		log.FromContext(ctx).Info("deleting nodeclaim whose instance is gone", "nodeclaim", claim.Name, "providerID", claim.Status.ProviderID)
		c.recorder.Eventf(claim, corev1.EventTypeWarning, "InstanceGone", "Instance %s no longer exists; deleting the nodeclaim", claim.Status.ProviderID)
		if err := c.kube.Delete(ctx, claim); client.IgnoreNotFound(err) != nil {
			log.FromContext(ctx).Error(err, "deleting orphaned nodeclaim", "nodeclaim", claim.Name)
			continue
		}
		collectedTotal.WithLabelValues("nodeclaim").Inc()
	}
	return nil
}

// strandedNodes are the launched nodes (older than grace) that neither a claim nor
// a listed instance stands behind: their instance is gone and nothing else will
// remove them.
func strandedNodes(instances []*karpv1.NodeClaim, claims []karpv1.NodeClaim, nodes []corev1.Node, now time.Time, grace time.Duration) []*corev1.Node {
	known := map[string]bool{}
	for _, inst := range instances {
		known[inst.Status.ProviderID] = true
	}
	for i := range claims {
		known[claims[i].Status.ProviderID] = true
	}
	var out []*corev1.Node
	for i := range nodes {
		n := &nodes[i]
		if n.Spec.ProviderID != "" && !known[n.Spec.ProviderID] && n.DeletionTimestamp.IsZero() && now.Sub(n.CreationTimestamp.Time) >= grace {
			out = append(out, n)
		}
	}
	return out
}

// Decide is the pure half of a pass.
func Decide(instances []*karpv1.NodeClaim, claims []karpv1.NodeClaim, now time.Time, grace time.Duration) (leaked []*karpv1.NodeClaim, orphaned []*karpv1.NodeClaim) {
	byName := make(map[string]*karpv1.NodeClaim, len(claims))
	claimed := make(map[string]bool, len(claims))
	for i := range claims {
		byName[claims[i].Name] = &claims[i]
		claimed[claims[i].Status.ProviderID] = true
	}
	listed := make(map[string]bool, len(instances))
	for _, inst := range instances {
		listed[inst.Status.ProviderID] = true
		if now.Sub(inst.CreationTimestamp.Time) < grace || claimed[inst.Status.ProviderID] {
			continue // young, or a claim holds it (even when tagging it failed)
		}
		claim, ok := byName[inst.Name]
		if ok && (claim.Status.ProviderID == "" || claim.Status.ProviderID == inst.Status.ProviderID) {
			continue
		}
		leaked = append(leaked, inst)
	}
	for i := range claims {
		claim := &claims[i]
		if claim.Status.ProviderID == "" || listed[claim.Status.ProviderID] || !claim.DeletionTimestamp.IsZero() {
			continue
		}
		if now.Sub(claim.CreationTimestamp.Time) >= grace {
			orphaned = append(orphaned, claim)
		}
	}
	return leaked, orphaned
}
