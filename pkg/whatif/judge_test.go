package whatif_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"
	fwk "k8s.io/kube-scheduler/framework"
	frameworkplugins "k8s.io/kubernetes/pkg/scheduler/framework/plugins"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/whatif"
	wt "github.com/tailor-sh/tailor/pkg/whatif/whatiftest"
)

// newFit is the default profile's fit over an empty fake API.
func newFit(t *testing.T) (*whatif.Fit, context.Context) {
	t.Helper()
	profile, err := whatif.Profile("", corev1.DefaultSchedulerName)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	fit := whatif.NewFitForClient(fake.NewClientset(), nil, profile, frameworkplugins.NewInTreeRegistry())
	t.Cleanup(func() { cancel(); fit.Shutdown() })
	return fit, ctx
}

// Added pods go to the room existing nodes have left, one after another, as
// the scheduler would bind them; the rest is left for the planner.
func TestOntoExistingNodes(t *testing.T) {
	types := wt.Types()
	np := wt.NodePool("default")
	busy := wt.On(wt.Pod("app", "busy", "1", "1Gi"), "node-r")
	c := read(t, append([]client.Object{busy}, wt.Launched(np, "r", types[1], "test-1a", busy)...)...)
	fit, ctx := newFit(t)
	judge, err := fit.Judge(ctx, c.NodesWithPods(nil))
	if err != nil {
		t.Fatal(err)
	}
	bound, rest, err := judge.OntoExisting(ctx, []*corev1.Pod{wt.Pod("app", "a", "600m", "1Gi"), wt.Pod("app", "b", "600m", "1Gi"), wt.Pod("app", "c", "200m", "1Gi")})
	if err != nil {
		t.Fatal(err)
	}
	if names(bound) != "app/a,app/c" || bound[0].Spec.NodeName != "node-r" || names(rest) != "app/b" {
		t.Errorf("bound %s, rest %s: want a and c on node-r, b left", names(bound), names(rest))
	}
}

// A refusal names the plugin; of two, the later plugin's is the closer.
func TestVerdictsNameThePlugin(t *testing.T) {
	types := wt.Types()
	tainted, plain := wt.NodePool("tainted"), wt.NodePool("plain")
	tainted.Spec.Template.Spec.Taints = karpv1.Taints{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	node := func(np *karpv1.NodePool, it *cloudprovider.InstanceType) fwk.NodeInfo {
		reqs, err := whatif.NodePoolRequirements(np)
		if err != nil {
			t.Fatal(err)
		}
		return whatif.NodeInfo(whatif.LaunchedNode("n", np, reqs, it, it.Offerings[0]))
	}
	fit, ctx := newFit(t)
	judge, err := fit.Judge(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cycle := judge.Cycle(ctx, wt.Pod("app", "big", "3", "1Gi"))
	onTainted := cycle.On(ctx, node(tainted, types[3]))
	small := cycle.On(ctx, node(plain, types[1]))
	fits := cycle.On(ctx, node(plain, types[3]))
	if onTainted.Fits || onTainted.Plugin != "TaintToleration" || small.Fits || small.Plugin != "NodeResourcesFit" || small.Reason != "Insufficient cpu" {
		t.Errorf("tainted %+v, small %+v", onTainted, small)
	}
	if !fits.Fits || !fits.Closer(small) || !small.Closer(onTainted) {
		t.Errorf("fits %+v; want fits closer than small, closer than tainted", fits)
	}
}
