package disruption

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/tools/record"
	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
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
