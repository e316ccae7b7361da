package explain

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	wt "github.com/tailor-sh/tailor/pkg/whatif/whatiftest"
)

// amd64 makes a pod select amd64 nodes.
func amd64(p *corev1.Pod) *corev1.Pod {
	p.Spec.NodeSelector = map[string]string{corev1.LabelArchStable: "amd64"}
	return p
}

// A pod on a node launched for its request: the request, the claim, what the
// node is and costs, and each cheaper type with the plugin refusing it beside
// the node's other pod (t.small and t.medium for cpu, a.large for its arch).
func TestWhyBoundPodNamesItsRequestAndTheCheaperTypesRefused(t *testing.T) {
	types, np := wt.Types(), wt.NodePool("default")
	web := wt.On(amd64(wt.Pod("app", "web", "2", "1Gi")), "node-r")
	spare := wt.On(wt.Pod("app", "spare", "1", "1Gi"), "node-r")
	s, ctx := newSession(t, objects(wt.Catalog(types), wt.Launched(np, "r", types[3], "test-1a", web), []client.Object{np, wt.Class(), web, spare})...)

	r := whyOf(t, s, ctx, "web")
	l := r.Launch
	if l == nil || l.CapacityRequest != "r" || l.NodeClaim != "r" || !l.PlannedForPod || l.InstanceType != "t.large" || l.PricePerHour != 0.04 {
		t.Fatalf("launch %+v", l)
	}
	got := map[string]string{}
	for _, v := range l.Cheaper {
		got[v.InstanceType] = v.Plugin
	}
	want := map[string]string{"t.small": "NodeResourcesFit", "t.medium": "NodeResourcesFit", "a.large": "NodeAffinity"}
	if len(got) != len(want) || got["t.small"] != want["t.small"] || got["t.medium"] != want["t.medium"] || got["a.large"] != want["a.large"] {
		t.Errorf("cheaper types refused by %v, want %v", got, want)
	}
	out := text(t, r, 2)
	for _, want := range []string{"capacity request r (planned for this pod)", "NodeClaim r", "t.large in test-1a, on-demand, $0.0400/h",
		"with its 1 other pod", "current instance type catalog", "a.large", "NodeAffinity", "refused: 3 (2 by NodeResourcesFit, 1 by NodeAffinity)"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "t.small ") {
		t.Errorf("text lists more than the 2 types nearest the price:\n%s", out)
	}
	if spareWhy := whyOf(t, s, ctx, "spare"); spareWhy.Launch == nil || spareWhy.Launch.PlannedForPod {
		t.Errorf("a pod that took room left on the node: %+v", spareWhy.Launch)
	}
}

// A pod on a node no capacity request asked for is said to be so.
func TestWhyPodOnANodeOfNoRequest(t *testing.T) {
	node := &corev1.Node{}
	node.Name = "kubeadm-worker"
	s, ctx := newSession(t, node, wt.On(wt.Pod("app", "web", "1", "1Gi"), "kubeadm-worker"))
	r := whyOf(t, s, ctx, "web")
	if r.Launch != nil || !strings.Contains(r.NotProvisioned, "not launched by the Provisioner") {
		t.Errorf("report %+v", r)
	}
}

// A pending pod planned onto a request in flight waits for it.
func TestWhyPendingPodWaitsForItsRequest(t *testing.T) {
	types, np := wt.Types(), wt.NodePool("default")
	web := wt.Pod("app", "web", "1", "1Gi")
	s, ctx := newSession(t, objects(wt.Catalog(types), []client.Object{np, wt.Class(), web, wt.Request(np, "r", types[1], web)})...)
	r := whyOf(t, s, ctx, "web")
	if r.Waiting == nil || r.Waiting.CapacityRequest != "r" || r.Waiting.State != "in flight" || len(r.NodePools) > 0 {
		t.Errorf("report %+v, waiting %+v", r, r.Waiting)
	}
}

// A pending pod whose request failed is judged per NodePool again.
func TestWhyPendingPodOfAFailedRequest(t *testing.T) {
	types, np := wt.Types(), wt.NodePool("default")
	web := wt.Pod("app", "web", "1", "1Gi")
	s, ctx := newSession(t, objects(wt.Catalog(types), []client.Object{np, wt.Class(), web, wt.Failed(wt.Request(np, "r", types[1], web), "no capacity left")})...)
	r := whyOf(t, s, ctx, "web")
	if r.Waiting == nil || r.Waiting.State != "failed: no capacity left" || len(r.NodePools) != 1 || r.NodePools[0].Admitted != 4 {
		t.Errorf("report %+v, waiting %+v", r, r.Waiting)
	}
	if out := text(t, r, 0); !strings.Contains(out, "the planner would plan a new node for it: t.small") {
		t.Errorf("text:\n%s", out)
	}
}

// A pending pod no request holds gets each NodePool's verdict, heaviest
// first: every type refused by one plugin, a NodePool without a catalog, and
// one whose types admit the pod but whose limits are used up.
func TestWhyPendingPodPerNodePool(t *testing.T) {
	types := wt.Types()
	tainted, limited, orphan := wt.NodePool("tainted"), wt.NodePool("limited"), wt.NodePool("orphan")
	tainted.Spec.Template.Spec.Taints = karpv1.Taints{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	tainted.Spec.Weight = ptrTo(int32(10))
	limited.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("1")}
	orphan.Spec.Template.Spec.NodeClassRef.Name = "gone"
	web := wt.Pod("app", "web", "1500m", "1Gi")
	s, ctx := newSession(t, objects(wt.Catalog(types), []client.Object{tainted, limited, orphan, wt.Class(), web})...)

	r := whyOf(t, s, ctx, "web")
	if len(r.NodePools) != 3 {
		t.Fatalf("verdicts %+v", r.NodePools)
	}
	byName := map[string]NodePoolVerdict{}
	for _, v := range r.NodePools {
		byName[v.NodePool] = v
	}
	if r.NodePools[0].NodePool != "tainted" {
		t.Errorf("first verdict of %s, want the heaviest NodePool", r.NodePools[0].NodePool)
	}
	if v := byName["tainted"]; v.Admitted != 0 || len(v.Refusals) != 1 || v.Refusals[0].Plugin != "TaintToleration" || v.Refusals[0].Types != 4 {
		t.Errorf("tainted: %+v", v)
	}
	if v := byName["orphan"]; !strings.Contains(v.Problem, "EC2NodeClass gone does not exist") {
		t.Errorf("orphan: %+v", v)
	}
	if v := byName["limited"]; v.Admitted != 3 || v.Cheapest != "t.medium" || !strings.Contains(v.Planner, "limits") || v.Refusals[0].Example != "t.small" {
		t.Errorf("limited: %+v", v)
	}
	out := text(t, r, 0)
	for _, want := range []string{"Pod app/web is pending", "NodePool tainted (weight 10): no instance type admits the pod (4 judged)",
		"TaintToleration", "3 of 4 instance types admit the pod, the cheapest t.medium", "Insufficient cpu (1 type, e.g. t.small)"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

// A pod on a replacement node that was not among the pods the replacement
// was planned for is most often the recreation of one of them (moved pods
// get new UIDs): it is told so, not that the node was planned for others.
func TestWhyPodOnAReplacementNodeSaysItIsAReplacement(t *testing.T) {
	r := WhyReport{Pod: "shop/web-2", Node: "n", Launch: &Launch{
		CapacityRequest: "r", NodeClaim: "r", NodePool: "default", Replaces: "default-old",
		InstanceType: "t.large", Zone: "test-1a", CapacityType: "spot", PricePerHour: 0.02,
	}}
	out := text(t, r, 0)
	for _, want := range []string{"capacity request r (a replacement, planned for the pods of the NodeClaims it replaced", "The request replaced NodeClaims default-old."} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "planned for other pods") {
		t.Errorf("a replacement's pod is said to have taken room planned for others:\n%s", out)
	}
}
