package lifecycle

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
)

// register matches the Node that registered with the claim's providerID and makes
// it the claim's: labels (the claim's, and every requirement with one value),
// taints and startup taints, the termination finalizer, and no unregistered taint.
func (c *Controller) register(ctx context.Context, claim *karpv1.NodeClaim) (reconcile.Result, error) {
	if !claims.Launched(claim) || claims.IsTrue(claim, karpv1.ConditionTypeRegistered) {
		return reconcile.Result{}, nil
	}
	node, err := indexes.NodeFor(ctx, c.kube, claim)
	if err != nil {
		return reconcile.Result{}, fmt.Errorf("finding the node of nodeclaim %s, %w", claim.Name, err)
	}
	if node == nil {
		claims.Set(claim, karpv1.ConditionTypeRegistered, metav1.ConditionUnknown, "NodeNotFound", "waiting for the node to register")
		return reconcile.Result{}, nil // a Node event wakes the claim
	}
	stored := node.DeepCopy()
	adopt(node, claim)
	if reason, _ := notInitialized(node, claim); reason == "" {
		// Ready already (a fast boot): initialized in the same write.
		node.Labels[wellknown.NodeInitializedLabelKey] = "true"
	}
	if !equality.Semantic.DeepEqual(stored, node) {
		if err := c.kube.Patch(ctx, node, client.MergeFrom(stored)); err != nil {
			return reconcile.Result{}, fmt.Errorf("registering node %s, %w", node.Name, err)
		}
	}
	claim.Status.NodeName = node.Name
	claims.Set(claim, karpv1.ConditionTypeRegistered, metav1.ConditionTrue, "Registered", "")
	log.FromContext(ctx).Info("registered nodeclaim", "node", node.Name)
	return reconcile.Result{}, nil
}

// adopt edits node to carry what the claim asks of it.
func adopt(node *corev1.Node, claim *karpv1.NodeClaim) {
	if node.Labels == nil {
		node.Labels = map[string]string{}
	}
	for _, r := range claim.Spec.Requirements {
		if r.Operator == corev1.NodeSelectorOpIn && len(r.Values) == 1 {
			node.Labels[r.Key] = r.Values[0]
		}
	}
	for k, v := range claim.Labels {
		node.Labels[k] = v
	}
	node.Labels[wellknown.NodeRegisteredLabelKey] = "true"
	taints := node.Spec.Taints[:0:0]
	for _, t := range node.Spec.Taints {
		if t.Key != wellknown.UnregisteredTaintKey {
			taints = append(taints, t)
		}
	}
	for _, t := range append(claim.Spec.Taints.Core(), claim.Spec.StartupTaints.Core()...) {
		if !hasTaint(taints, t) {
			taints = append(taints, t)
		}
	}
	node.Spec.Taints = taints
	controllerutil.AddFinalizer(node, wellknown.TerminationFinalizer)
}

func hasTaint(taints []corev1.Taint, t corev1.Taint) bool {
	for _, have := range taints {
		if have.MatchTaint(&t) {
			return true
		}
	}
	return false
}
