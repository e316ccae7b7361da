package disruption

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
	"github.com/tailor-sh/tailor/pkg/moves"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// Consolidation judges fit with the planner it is given, so with the
// scheduler's own profile: one whose NodeAffinity adds a required label to
// every pod keeps the labeled node (its pod fits nowhere else) and removes
// the other, where kube-scheduler's default profile would do the opposite.
func TestConsolidationJudgesFitWithTheSchedulersProfile(t *testing.T) {
	labeled, plain := onNode("labeled", "0.2", map[string]string{"example.com/pool": "a"}), onNode("plain", "0.1", nil)
	objs := []client.Object{consolidating(), labeled.Claim, labeled.Node, labeled.Pods[0], plain.Claim, plain.Node, plain.Pods[0]}
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(objs...).
		WithIndex(&corev1.Pod{}, indexes.PodNodeName, func(o client.Object) []string { return []string{o.(*corev1.Pod).Spec.NodeName} }).Build()
	decide := func(profile *config.KubeSchedulerProfile) []string {
		p, err := planner.NewStandalone(context.Background(), profile, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := NewController(kube, catalogCloud{}, record.NewFakeRecorder(100), clocktesting.NewFakeClock(now), false).WithPlanner(p)
		s, err := c.snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cmds, _ := Decide(s)
		return names(cmds)
	}
	if got := strings.Join(decide(nil), ","); got != "Underutilized:labeled" {
		t.Errorf("default profile: commands %s, want the dearer labeled node removed (its pod fits the other)", got)
	}
	profile, err := planner.DefaultProfile()
	if err != nil {
		t.Fatal(err)
	}
	for i := range profile.PluginConfig {
		if profile.PluginConfig[i].Name == "NodeAffinity" {
			profile.PluginConfig[i].Args = &config.NodeAffinityArgs{AddedAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "example.com/pool", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}}}}}}
		}
	}
	if got := strings.Join(decide(profile), ","); got != "Underutilized:plain" {
		t.Errorf("profile adding example.com/pool=a: commands %s, want the plain node removed, its pod moved to the labeled one", got)
	}
}

// onNode is a stable candidate whose node, labeled, has room for 4 CPUs and
// runs one pod of 1 CPU.
func onNode(name, price string, labels map[string]string) *Candidate {
	pod := workloadPod(name + "-pod")
	pod.Spec.NodeName = "node-" + name
	pod.Spec.Containers = []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}}
	pod.Status.Phase = corev1.PodRunning
	c := stable(candidate(name, "default", price, -1, pod))
	c.Claim.Status.NodeName = c.Node.Name
	c.Node.Labels = labels
	c.Node.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")}
	return c
}

// A validated deletion first tells the node its pod goes to, and keeps the
// node it removes; the next pass, movesNotice later, deletes it.
func TestAValidatedDeletionTellsTheMovesAPassBeforeTheDrain(t *testing.T) {
	dear, cheap := onNode("dear", "0.2", nil), onNode("cheap", "0.1", nil)
	dear.Pods[0].OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web", UID: "rs-web", Controller: ptr.To(true)}}
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(consolidating(), dear.Claim, dear.Node, dear.Pods[0], cheap.Claim, cheap.Node, cheap.Pods[0]).
		WithIndex(&corev1.Pod{}, indexes.PodNodeName, func(o client.Object) []string { return []string{o.(*corev1.Pod).Spec.NodeName} }).Build()
	p, err := planner.NewStandalone(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(now)
	c := NewController(kube, catalogCloud{}, record.NewFakeRecorder(100), clk, false).WithPlanner(p)
	exists := func() bool {
		claim := &karpv1.NodeClaim{}
		err := kube.Get(context.Background(), client.ObjectKey{Name: dear.Claim.Name}, claim)
		return err == nil && claim.DeletionTimestamp == nil
	}
	for _, step := range []time.Duration{0, validation} {
		clk.Step(step)
		if err := c.Pass(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	node := &corev1.Node{}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: cheap.Node.Name}, node); err != nil {
		t.Fatal(err)
	}
	if e, _ := moves.Of(node, clk.Now()); e.Owners["rs-web"] != 1 || !exists() {
		t.Fatalf("after validation: node %s expects %v, dear kept %v; want one web pod expected and dear kept", node.Name, e.Owners, exists())
	}
	if got := c.nextStep(clk.Now()); got != movesNotice {
		t.Errorf("next pass in %s, want %s", got, movesNotice)
	}
	clk.Step(movesNotice)
	if err := c.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if exists() {
		t.Error("dear still there a pass after its pod's node was told; want it deleted")
	}
}
