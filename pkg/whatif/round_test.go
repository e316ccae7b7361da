package whatif_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/whatif"
	wt "github.com/tailor-sh/tailor/pkg/whatif/whatiftest"
)

func read(t *testing.T, objs ...client.Object) *whatif.Cluster {
	t.Helper()
	c, err := whatif.Read(context.Background(), wt.Client(t, objs...))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The round holds what the Provisioner plans with: a pending pod a request in
// flight lists waits for it; a pod of a failed request, or of a request whose
// node is initialized, is planned again; limits count nodes and requests in
// flight.
func TestRoundAsTheProvisionerBuildsIt(t *testing.T) {
	types := wt.Types()
	np := wt.NodePool("default")
	np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("10")}
	waiting, retried, fresh := wt.Pod("app", "waiting", "1", "1Gi"), wt.Pod("app", "retried", "1", "1Gi"), wt.Pod("app", "fresh", "1", "1Gi")
	objs := append(wt.Catalog(types), np, wt.Class(), waiting, retried, fresh,
		wt.Request(np, "in-flight", types[1], waiting),
		wt.Failed(wt.Request(np, "failed", types[1], retried), "no capacity"))
	bound := wt.On(wt.Pod("app", "bound", "1", "1Gi"), "node-done")
	objs = append(objs, bound)
	objs = append(objs, wt.Launched(np, "done", types[3], "test-1a", bound)...)
	c := read(t, objs...)

	r := c.Round(c.Pending("app", corev1.DefaultSchedulerName))
	if got := names(r.Pods); got != "app/fresh,app/retried" {
		t.Errorf("planned pods %s, want app/fresh,app/retried", got)
	}
	if len(r.InFlight) != 1 || r.InFlight[0].Name != "in-flight" || names(r.Waiting["in-flight"]) != "app/waiting" {
		t.Errorf("in flight %+v, waiting %v: want request in-flight holding app/waiting", r.InFlight, r.Waiting)
	}
	// 10 cpus, less the done node's 4 and the in-flight request's cheapest type's 2.
	if left := r.NodePools[0].Remaining[corev1.ResourceCPU]; left.Cmp(resource.MustParse("4")) != 0 {
		t.Errorf("remaining cpu %s, want 4", left.String())
	}
	if len(r.Nodes) != 1 || len(r.Nodes[0].Pods) != 1 {
		t.Errorf("nodes %+v, want node-done with its pod", r.Nodes)
	}
}

// A NodePool without published types says why, naming its node class.
func TestRoundSaysWhyANodePoolHasNoTypes(t *testing.T) {
	class := wt.Class()
	class.Status.Conditions[0].Status, class.Status.Conditions[0].Message = metav1.ConditionFalse, "no subnets match"
	for name, c := range map[string]*whatif.Cluster{
		"no node class":  read(t, wt.NodePool("default")),
		"not ready":      read(t, wt.NodePool("default"), class),
		"no catalog yet": read(t, wt.NodePool("default"), wt.Class()),
	} {
		want := map[string]string{"no node class": "does not exist", "not ready": "no subnets match", "no catalog yet": "is the launcher running?"}[name]
		if got := c.Round(nil).Missing["default"]; !strings.Contains(got, want) {
			t.Errorf("%s: %q, want it to say %q", name, got, want)
		}
	}
}

// Pending pods are the unbound, unfinished, ungated pods of one scheduler.
func TestPendingPodsOfOneScheduler(t *testing.T) {
	other := wt.Pod("app", "other", "1", "1Gi")
	other.Spec.SchedulerName = "tailor-scheduler"
	gated := wt.Pod("app", "gated", "1", "1Gi")
	gated.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "wait"}}
	done := wt.Pod("app", "done", "1", "1Gi")
	done.Status.Phase = corev1.PodSucceeded
	c := read(t, wt.Pod("app", "pending", "1", "1Gi"), wt.Pod("elsewhere", "pending", "1", "1Gi"), other, gated, done,
		wt.On(wt.Pod("app", "bound", "1", "1Gi"), "n"))
	if got := names(c.Pending("app", corev1.DefaultSchedulerName)); got != "app/pending" {
		t.Errorf("pending in app: %s", got)
	}
	if got := names(c.Pending("", corev1.DefaultSchedulerName)); got != "app/pending,elsewhere/pending" {
		t.Errorf("pending anywhere: %s", got)
	}
}

func names(pods []*corev1.Pod) string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	return strings.Join(out, ",")
}
