package disruption

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// ConditionChange is a NodeClaim status condition to set (Status True) or to
// remove (Condition.Status empty), so that `kubectl get nodeclaim -o yaml`
// shows what the disruption controller sees, as in Karpenter.
type ConditionChange struct {
	Claim     *karpv1.NodeClaim
	Condition metav1.Condition
}

// Conditions are the changes that bring each candidate's Drifted and
// Consolidatable conditions in line with s: Drifted while it no longer
// matches its NodePool (with the drift reason), Consolidatable once its pods
// have not changed for consolidateAfter under WhenEmptyOrUnderutilized (or
// it is empty under WhenEmpty). Conditions already right are left alone.
func Conditions(s Snapshot) []ConditionChange {
	var out []ConditionChange
	hashes := poolHashes{}
	for _, c := range s.Candidates {
		np := s.NodePools[nodePoolOf(c)]
		if np == nil {
			continue
		}
		reason, why := driftOf(c, np, hashes)
		out = appendChange(out, c.Claim, karpv1.ConditionTypeDrifted, reason, why)
		reason, why = "", ""
		if consolidatable(c, np, s) {
			reason, why = "Consolidatable", "the node's pods have not changed for consolidateAfter"
		}
		out = appendChange(out, c.Claim, karpv1.ConditionTypeConsolidatable, reason, why)
	}
	return out
}

// consolidatable reports whether c may be consolidated as np's policy says,
// before protections and budgets.
func consolidatable(c *Candidate, np *karpv1.NodePool, s Snapshot) bool {
	if np.Spec.Disruption.ConsolidationPolicy == karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized {
		return isStableFor(c, np, s.Now)
	}
	return len(workload(c)) == 0 && isEmptyFor(c, np, s.Now)
}

// appendChange adds the change of claim's condition t to reason (set) or ""
// (removed), when it differs from what the claim carries.
func appendChange(out []ConditionChange, claim *karpv1.NodeClaim, t, reason, why string) []ConditionChange {
	have := meta.FindStatusCondition(claim.Status.Conditions, t)
	switch {
	case reason == "" && have != nil:
		return append(out, ConditionChange{Claim: claim, Condition: metav1.Condition{Type: t}})
	case reason != "" && (have == nil || have.Status != metav1.ConditionTrue || have.Reason != reason || have.Message != why):
		return append(out, ConditionChange{Claim: claim, Condition: metav1.Condition{Type: t, Status: metav1.ConditionTrue, Reason: reason, Message: why}})
	}
	return out
}

// setConditions writes the changes, each with an optimistic lock so that a
// condition another controller set meanwhile is not lost; a conflict waits
// for the next pass.
func (c *Controller) setConditions(ctx context.Context, changes []ConditionChange) {
	for _, ch := range changes {
		claim := ch.Claim.DeepCopy()
		if ch.Condition.Status == "" {
			meta.RemoveStatusCondition(&claim.Status.Conditions, ch.Condition.Type)
		} else {
			ch.Condition.ObservedGeneration = claim.Generation
			meta.SetStatusCondition(&claim.Status.Conditions, ch.Condition)
		}
		patch := client.MergeFromWithOptions(ch.Claim, client.MergeFromWithOptimisticLock{})
		if err := c.kube.Status().Patch(ctx, claim, patch); client.IgnoreNotFound(err) != nil {
			log.FromContext(ctx).V(1).Info("setting a condition; next pass", "nodeclaim", claim.Name, "condition", ch.Condition.Type, "error", err.Error())
		}
	}
}
