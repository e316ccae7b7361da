package explain

import (
	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/whatif"
)

// relation is how a bound pod's node came to be: the NodeClaim behind the
// node, and the capacity request it was launched for. The launcher labels the
// claim and the node with the request's name (tailor.sh/capacity-request) and
// names the claim after it; the request lists the pods it was planned for, and
// is removed 10 minutes after its node initialized.
type relation struct {
	node  *corev1.Node
	claim *karpv1.NodeClaim
	// requestName is the request the node was launched for, "" when none.
	requestName string
	// request is nil once removed.
	request *tailorv1alpha1.CapacityRequest
	// planned says whether the request lists the pod.
	planned bool
}

// relate finds pod's node, claim and request in c.
func relate(c *whatif.Cluster, pod *corev1.Pod) relation {
	var r relation
	for _, n := range c.Nodes {
		if n.Name == pod.Spec.NodeName {
			r.node = n
		}
	}
	if r.node == nil {
		return r
	}
	r.claim = claimOf(c.Claims, r.node)
	r.requestName = r.node.Labels[tailorv1alpha1.CapacityRequestLabelKey]
	if r.requestName == "" && r.claim != nil {
		r.requestName = claims.Request(r.claim)
	}
	if r.requestName == "" {
		return r
	}
	for _, req := range c.Requests {
		if req.Name == r.requestName {
			r.request = req
		}
	}
	r.planned = r.request != nil && lists(r.request, pod)
	return r
}

// claimOf is the claim whose instance is node: by node name or provider ID,
// else the claim of the request the node is labelled with.
func claimOf(all []*karpv1.NodeClaim, node *corev1.Node) *karpv1.NodeClaim {
	request := node.Labels[tailorv1alpha1.CapacityRequestLabelKey]
	var byRequest *karpv1.NodeClaim
	for _, claim := range all {
		if claim.Status.NodeName == node.Name || (node.Spec.ProviderID != "" && claim.Status.ProviderID == node.Spec.ProviderID) {
			return claim
		}
		if request != "" && claims.Request(claim) == request {
			byRequest = claim
		}
	}
	return byRequest
}

// lists says whether r was planned for pod.
func lists(r *tailorv1alpha1.CapacityRequest, pod *corev1.Pod) bool {
	for _, ref := range r.Spec.Pods {
		if ref.UID == pod.UID || (ref.UID == "" && ref.Namespace == pod.Namespace && ref.Name == pod.Name) {
			return true
		}
	}
	return false
}

// waitedFor is the request pod was planned onto: one still in flight, else
// one whose node is up, else one that failed; nil when no request lists it.
func waitedFor(c *whatif.Cluster, pod *corev1.Pod) *tailorv1alpha1.CapacityRequest {
	var found *tailorv1alpha1.CapacityRequest
	for _, r := range c.Requests {
		if !lists(r, pod) {
			continue
		}
		if c.InFlight(r) {
			return r
		}
		if found == nil || whatif.Failure(found) != "" {
			found = r
		}
	}
	return found
}
