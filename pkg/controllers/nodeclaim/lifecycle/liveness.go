package lifecycle

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/controllers/capacityrequest"
)

// liveness deletes a claim that did not launch within LaunchTTL, or whose node did
// not register within RegistrationTTL of its creation, and fails its request so
// the pods are planned again. Deleting the claim terminates its instance.
func (c *Controller) liveness(ctx context.Context, claim *karpv1.NodeClaim) (reconcile.Result, error) {
	if claims.IsTrue(claim, karpv1.ConditionTypeRegistered) {
		return reconcile.Result{}, nil
	}
	ttl, what, reason := c.opts.RegistrationTTL, "its node did not register", "RegistrationTimeout"
	if !claims.Launched(claim) {
		ttl, what, reason = c.opts.LaunchTTL, "it was not launched", "LaunchTimeout"
	}
	age := c.clk.Since(claim.CreationTimestamp.Time)
	if age < ttl {
		return reconcile.Result{RequeueAfter: ttl - age}, nil
	}
	message := fmt.Sprintf("nodeclaim %s deleted: %s within %s", claim.Name, what, ttl)
	if cond := meta.FindStatusCondition(claim.Status.Conditions, karpv1.ConditionTypeLaunched); cond != nil && cond.Message != "" && !claims.Launched(claim) {
		message += " (" + cond.Message + ")"
	}
	log.FromContext(ctx).Info("gave up on nodeclaim", "reason", message)
	c.recorder.Eventf(claim, corev1.EventTypeWarning, "LivenessTimeout", "%s", message)
	abandonedTotal.WithLabelValues(claim.Labels[wellknown.NodePoolLabelKey], reason).Inc()
	if err := capacityrequest.FailByName(ctx, c.kube, c.recorder, claims.Request(claim), message); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, c.delete(ctx, claim)
}
