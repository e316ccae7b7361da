package explain

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/whatif"
	wt "github.com/tailor-sh/tailor/pkg/whatif/whatiftest"
)

// launchedFor is the request, claim and node the launcher leaves for a
// request r planned for pods.
func launchedFor(r string, pods ...*corev1.Pod) (*tailorv1alpha1.CapacityRequest, *karpv1.NodeClaim, *corev1.Node) {
	objs := wt.Launched(wt.NodePool("default"), r, wt.Types()[3], "test-1a", pods...)
	return objs[0].(*tailorv1alpha1.CapacityRequest), objs[1].(*karpv1.NodeClaim), objs[2].(*corev1.Node)
}

// A bound pod's node leads to its NodeClaim and to the capacity request it
// was launched for, by the label the launcher puts on both, whether or not
// the request is still there and lists the pod.
func TestRelate(t *testing.T) {
	pod := wt.On(wt.Pod("app", "web", "1", "1Gi"), "node-r")
	request, claim, node := launchedFor("r", pod)
	other, _, _ := launchedFor("r")
	unlabelled := node.DeepCopy()
	delete(unlabelled.Labels, tailorv1alpha1.CapacityRequestLabelKey)
	for _, tc := range []struct {
		name                   string
		cluster                whatif.Cluster
		request, claim         string
		requestExists, planned bool
	}{
		{"planned for the pod", whatif.Cluster{Nodes: []*corev1.Node{node}, Claims: []*karpv1.NodeClaim{claim}, Requests: []*tailorv1alpha1.CapacityRequest{request}}, "r", "r", true, true},
		{"room left on the node", whatif.Cluster{Nodes: []*corev1.Node{node}, Claims: []*karpv1.NodeClaim{claim}, Requests: []*tailorv1alpha1.CapacityRequest{other}}, "r", "r", true, false},
		{"request removed since", whatif.Cluster{Nodes: []*corev1.Node{node}, Claims: []*karpv1.NodeClaim{claim}}, "r", "r", false, false},
		{"node unlabelled, claim labelled", whatif.Cluster{Nodes: []*corev1.Node{unlabelled}, Claims: []*karpv1.NodeClaim{claim}}, "r", "r", false, false},
		{"neither claim nor label", whatif.Cluster{Nodes: []*corev1.Node{unlabelled}}, "", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel := relate(&tc.cluster, pod)
			claimName := ""
			if rel.claim != nil {
				claimName = rel.claim.Name
			}
			if rel.requestName != tc.request || claimName != tc.claim || (rel.request != nil) != tc.requestExists || rel.planned != tc.planned {
				t.Errorf("request %q (exists %t, planned %t), claim %q; want %q (%t, %t), %q",
					rel.requestName, rel.request != nil, rel.planned, claimName, tc.request, tc.requestExists, tc.planned, tc.claim)
			}
		})
	}
	if rel := relate(&whatif.Cluster{}, pod); rel.node != nil {
		t.Errorf("a node that is gone was found: %v", rel.node.Name)
	}
}
