package garbagecollection

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	old, young := metav1.NewTime(now.Add(-time.Minute)), metav1.NewTime(now.Add(-time.Second))
	inst := func(claim, id string, created metav1.Time) *karpv1.NodeClaim {
		return &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: claim, CreationTimestamp: created}, Status: karpv1.NodeClaimStatus{ProviderID: "aws:///z/" + id}}
	}
	claim := func(name, id string, created metav1.Time) karpv1.NodeClaim {
		c := *inst(name, id, created)
		if id == "" {
			c.Status.ProviderID = ""
		}
		return c
	}
	instances := []*karpv1.NodeClaim{
		inst("owned", "i-1", old),     // its claim points at it: kept
		inst("", "i-2", old),          // untagged, old: leaked
		inst("", "i-3", young),        // untagged, young: kept for now
		inst("gone", "i-4", old),      // its claim is gone: leaked
		inst("launching", "i-5", old), // its claim has no providerID yet: kept (adopted)
		inst("owned", "i-6", old),     // a second instance of "owned": leaked
	}
	claims := []karpv1.NodeClaim{
		claim("owned", "i-1", old), claim("launching", "", old),
		claim("orphan", "i-9", old),   // launched, instance not listed: orphaned
		claim("fresh", "i-10", young), // too young to judge
	}
	leaked, orphaned := Decide(instances, claims, now, 30*time.Second)
	var got []string
	for _, l := range leaked {
		got = append(got, l.Status.ProviderID)
	}
	want := []string{"aws:///z/i-2", "aws:///z/i-4", "aws:///z/i-6"}
	if len(got) != len(want) {
		t.Fatalf("leaked = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("leaked = %v, want %v", got, want)
		}
	}
	if len(orphaned) != 1 || orphaned[0].Name != "orphan" {
		t.Errorf("orphaned = %v, want [orphan]", orphaned)
	}
}

func TestStrandedNodes(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	old := metav1.NewTime(now.Add(-time.Minute))
	node := func(name, id string) corev1.Node {
		return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: old}, Spec: corev1.NodeSpec{ProviderID: "aws:///z/" + id}}
	}
	instances := []*karpv1.NodeClaim{{Status: karpv1.NodeClaimStatus{ProviderID: "aws:///z/i-1"}}}
	claims := []karpv1.NodeClaim{{Status: karpv1.NodeClaimStatus{ProviderID: "aws:///z/i-2"}}}
	nodes := []corev1.Node{node("running", "i-1"), node("claimed", "i-2"), node("stranded", "i-3")}
	got := strandedNodes(instances, claims, nodes, now, 30*time.Second)
	if len(got) != 1 || got[0].Name != "stranded" {
		t.Errorf("stranded = %v, want only the node whose instance and claim are gone", got)
	}
}
