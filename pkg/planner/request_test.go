package planner

import (
	"strings"
	"testing"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
)

// A retried hand-off of the same plan finds the same name; another plan does not.
func TestRequestNameIsDerivedFromThePlan(t *testing.T) {
	a := []tailorv1alpha1.PodReference{{UID: "1"}, {UID: "2"}}
	b := []tailorv1alpha1.PodReference{{UID: "2"}, {UID: "1"}}
	reqs := []karpv1.NodeSelectorRequirementWithMinValues{{Key: "topology.kubernetes.io/zone", Operator: "In", Values: []string{"us-west-2a"}}}
	if RequestName("general", a, reqs) != RequestName("general", b, reqs) {
		t.Fatal("the order of the pods changed the name")
	}
	if RequestName("general", a, reqs) == RequestName("general", a[:1], reqs) {
		t.Fatal("different pods gave the same name")
	}
	long := RequestName(strings.Repeat("n", 253), a, reqs)
	if len(long) > 63 {
		t.Fatalf("name %q is longer than a label value may be", long)
	}
}
