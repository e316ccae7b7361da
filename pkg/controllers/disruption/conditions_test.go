package disruption

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// A NodeClaim shows Drifted (with Karpenter's reason) while its node no longer
// matches its NodePool and Consolidatable once its pods have held still for
// consolidateAfter; each goes when it stops holding, and one already right is
// not written again.
func TestClaimConditionsFollowWhatTheControllerSees(t *testing.T) {
	np := consolidating()
	np.Spec.Disruption.ConsolidateAfter = karpv1.MustParseNillableDuration("1m")
	np.Spec.Template.Spec.Requirements = []karpv1.NodeSelectorRequirementWithMinValues{
		{Key: wellknown.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{wellknown.CapacityTypeOnDemand}},
	}
	spot := stable(candidate("spot", "default", "0.2", -1, workloadPod("x")))
	spot.Node.Labels = map[string]string{wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeSpot}
	busy := candidate("busy", "default", "0.2", -1, workloadPod("y"))
	busy.StableSince = now // its pods just changed
	busy.Claim.Status.Conditions = append(busy.Claim.Status.Conditions,
		metav1.Condition{Type: karpv1.ConditionTypeDrifted, Status: metav1.ConditionTrue, Reason: driftRequirements},
		metav1.Condition{Type: karpv1.ConditionTypeConsolidatable, Status: metav1.ConditionTrue, Reason: "Consolidatable"})
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": np}, Candidates: []*Candidate{spot, busy}}
	got := map[string]metav1.Condition{}
	for _, ch := range Conditions(s) {
		got[ch.Claim.Name+"/"+ch.Condition.Type] = ch.Condition
	}
	if c := got["spot/Drifted"]; c.Status != metav1.ConditionTrue || c.Reason != driftRequirements || c.Message == "" {
		t.Errorf("spot's Drifted change %+v, want True, %s, saying why", c, driftRequirements)
	}
	if c := got["spot/Consolidatable"]; c.Status != metav1.ConditionTrue {
		t.Errorf("spot's Consolidatable change %+v, want True: its pods held still for an hour", c)
	}
	for _, key := range []string{"busy/Drifted", "busy/Consolidatable"} {
		if c, ok := got[key]; !ok || c.Status != "" {
			t.Errorf("%s change %+v (present %v), want the condition removed", key, c, ok)
		}
	}
	if len(got) != 4 {
		t.Errorf("changes %v, want 4", got)
	}
	for _, ch := range Conditions(s) {
		if ch.Condition.Status != "" {
			ch.Claim.Status.Conditions = append(ch.Claim.Status.Conditions, ch.Condition)
		}
	}
	busy.Claim.Status.Conditions = busy.Claim.Status.Conditions[:1] // Initialized only
	if changes := Conditions(s); len(changes) != 0 {
		t.Errorf("changes %+v once the claims carry them, want none", changes)
	}
}
