package lifecycle

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
)

// initialize marks the claim and its node initialized once the node is Ready, its
// startup taints are gone and every extended resource the instance type has is
// registered. Pods planned for the node wait for that label.
func (c *Controller) initialize(ctx context.Context, claim *karpv1.NodeClaim) (reconcile.Result, error) {
	if !claims.IsTrue(claim, karpv1.ConditionTypeRegistered) || claims.IsTrue(claim, karpv1.ConditionTypeInitialized) {
		return reconcile.Result{}, nil
	}
	node := &corev1.Node{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: claim.Status.NodeName}, node); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if reason, message := notInitialized(node, claim); reason != "" {
		claims.Set(claim, karpv1.ConditionTypeInitialized, metav1.ConditionUnknown, reason, message)
		return reconcile.Result{}, nil
	}
	if node.Labels[wellknown.NodeInitializedLabelKey] != "true" {
		stored := node.DeepCopy()
		node.Labels[wellknown.NodeInitializedLabelKey] = "true"
		if err := c.kube.Patch(ctx, node, client.MergeFrom(stored)); err != nil {
			return reconcile.Result{}, fmt.Errorf("labelling node %s initialized, %w", node.Name, err)
		}
	}
	claims.Set(claim, karpv1.ConditionTypeInitialized, metav1.ConditionTrue, "Initialized", "")
	claims.Set(claim, karpv1.ConditionTypeReady, metav1.ConditionTrue, "Ready", "")
	initializationSeconds.WithLabelValues(claim.Labels[wellknown.NodePoolLabelKey]).Observe(c.clk.Since(claim.CreationTimestamp.Time).Seconds())
	log.FromContext(ctx).Info("initialized nodeclaim", "node", node.Name)
	return reconcile.Result{}, nil
}

// notInitialized says what the node still lacks, or "" when it is initialized.
func notInitialized(node *corev1.Node, claim *karpv1.NodeClaim) (reason, message string) {
	ready := false
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			ready = cond.Status == corev1.ConditionTrue
		}
	}
	if !ready {
		return "NodeNotReady", "node " + node.Name + " is not Ready"
	}
	for _, t := range claim.Spec.StartupTaints.Core() {
		if hasTaint(node.Spec.Taints, t) {
			return "StartupTaintsExist", fmt.Sprintf("startup taint %s is still on node %s", t.ToString(), node.Name)
		}
	}
	if hasTaint(node.Spec.Taints, wellknown.UnregisteredNoExecuteTaint) {
		return "StartupTaintsExist", "node " + node.Name + " is still unregistered"
	}
	for name, q := range claim.Status.Allocatable {
		if !extended(name) || q.IsZero() {
			continue
		}
		if have, ok := node.Status.Allocatable[name]; !ok || have.IsZero() {
			return "ResourceNotRegistered", fmt.Sprintf("resource %s is not registered on node %s yet", name, node.Name)
		}
	}
	return "", ""
}

func extended(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods, corev1.ResourceEphemeralStorage:
		return false
	}
	return true
}
