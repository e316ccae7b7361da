// Package indexes declares the cache's field indexes the launcher's controllers
// look objects up by, and the watch mappings built on them.
package indexes

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// Field index names.
const (
	NodeProviderID  = "spec.providerID"
	ClaimProviderID = "status.providerID"
	PodNodeName     = "spec.nodeName"
)

// Register adds the indexes to mgr's cache.
func Register(ctx context.Context, mgr manager.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &corev1.Node{}, NodeProviderID, func(o client.Object) []string {
		return nonEmpty(o.(*corev1.Node).Spec.ProviderID)
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &karpv1.NodeClaim{}, ClaimProviderID, func(o client.Object) []string {
		return nonEmpty(o.(*karpv1.NodeClaim).Status.ProviderID)
	}); err != nil {
		return err
	}
	return idx.IndexField(ctx, &corev1.Pod{}, PodNodeName, func(o client.Object) []string {
		return nonEmpty(o.(*corev1.Pod).Spec.NodeName)
	})
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// NodeFor returns the Node with the claim's providerID, or nil.
func NodeFor(ctx context.Context, c client.Reader, claim *karpv1.NodeClaim) (*corev1.Node, error) {
	if claim.Status.ProviderID == "" {
		return nil, nil
	}
	var nodes corev1.NodeList
	if err := c.List(ctx, &nodes, client.MatchingFields{NodeProviderID: claim.Status.ProviderID}); err != nil {
		return nil, err
	}
	if len(nodes.Items) == 0 {
		return nil, nil
	}
	return &nodes.Items[0], nil
}

// ClaimFor returns the NodeClaim with the node's providerID, or nil.
func ClaimFor(ctx context.Context, c client.Reader, node *corev1.Node) (*karpv1.NodeClaim, error) {
	if node.Spec.ProviderID == "" {
		return nil, nil
	}
	var list karpv1.NodeClaimList
	if err := c.List(ctx, &list, client.MatchingFields{ClaimProviderID: node.Spec.ProviderID}); err != nil {
		return nil, err
	}
	if len(list.Items) == 0 {
		return nil, nil
	}
	return &list.Items[0], nil
}

// ClaimsOfNode maps a Node event to the NodeClaim with its providerID.
func ClaimsOfNode(c client.Reader) func(context.Context, client.Object) []reconcile.Request {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		claim, err := ClaimFor(ctx, c, o.(*corev1.Node))
		if err != nil || claim == nil {
			return nil
		}
		return []reconcile.Request{{NamespacedName: client.ObjectKeyFromObject(claim)}}
	}
}
