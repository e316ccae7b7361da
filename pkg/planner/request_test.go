package planner

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"

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

// A replacement's request differs from the one that launched the node it
// replaces (same pods, same requirements), and from one replacing others.
func TestReplacementRequestIsNamedAfterWhatItReplaces(t *testing.T) {
	node := &Node{NodePool: "general", Requirements: scheduling.NewRequirements(), InstanceTypes: []*cloudprovider.InstanceType{{Name: "m5.large"}},
		Pods: []*corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "a", UID: "1"}}}}
	first := CapacityRequest(node).Name
	a, b := ReplacementRequest(node, []string{"x", "y"}), ReplacementRequest(node, []string{"y", "x"})
	if a.Name == first || a.Name != b.Name || ReplacementRequest(node, []string{"z"}).Name == a.Name {
		t.Errorf("names %s, %s (first %s): want one per set of replaced claims, unlike the first", a.Name, b.Name, first)
	}
	if len(a.Name) != len(first) || a.Annotations[tailorv1alpha1.ReplacesAnnotationKey] != "x,y" {
		t.Errorf("request %s %v", a.Name, a.Annotations)
	}
}
