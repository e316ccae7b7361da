package parity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// scenario is one constraint case.
type scenario struct {
	name  string
	pools []*karpv1.NodePool // default: one on-demand amd64 pool
	// objects are created before the pods (volumes, DaemonSets, PodGroups).
	objects []client.Object
	pods    []*corev1.Pod
	// pending pods are expected to stay unscheduled (limits, unplaceable).
	pending int
	// poolsAfterPods creates the NodePools once the pods were told none fits.
	poolsAfterPods bool
	// noNodes runs the scenario in a cluster without any node.
	noNodes bool
	// secondWave pods come while the first wave's nodes are requested but not
	// launched yet, and fit their room.
	secondWave []*corev1.Pod
	// failedLaunches is how many requests the launcher fails first.
	failedLaunches int
	// restart restarts the scheduler while the pods' nodes are requested but not
	// launched yet.
	restart bool
	// wholePlan pods may wait for the rest of their plan: a zone spread packed
	// several pods to a node binds a zone's next pod once the other zones'
	// pods are bound, so a pod may fail again after its node appeared; it
	// must still bind to the node planned for it.
	wholePlan bool
	check     func(t *testing.T, r *outcome)
}

// outcome is what a scenario ended with.
type outcome struct {
	pods     []corev1.Pod
	nodes    map[string]*corev1.Node
	launches map[string]launch
}

func (o *outcome) nodeOf(pod string) *corev1.Node {
	for _, p := range o.pods {
		if p.Name == pod {
			return o.nodes[p.Spec.NodeName]
		}
	}
	return nil
}

// run runs a scenario in namespace ns and checks parity, then removes everything
// it made.
func (s scenario) run(t *testing.T, ns string) {
	ctx := context.Background()
	launcher.reset()
	t.Cleanup(func() { cleanUp(t, ns, s) })
	t.Cleanup(func() {
		if t.Failed() {
			describe(t, ns)
		}
	})
	if s.noNodes {
		removeControlPlane(t)
	}
	launcher.failNext(s.failedLaunches)
	env.ExpectApplied(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	pools := s.pools
	if pools == nil {
		pools = []*karpv1.NodePool{pool("general")}
	}
	if !s.poolsAfterPods {
		applyAll(t, ns, objectsOf(pools))
	}
	applyAll(t, ns, s.objects)
	if len(s.secondWave) > 0 || s.restart {
		launcher.pause(true)
		t.Cleanup(func() { launcher.pause(false) })
	}
	for _, pod := range s.pods {
		pod.Namespace = ns
		env.ExpectApplied(t, pod)
	}
	if s.poolsAfterPods {
		waitForEvent(t, ns, s.pods[0].Name, "NoNodePoolFits")
		applyAll(t, ns, objectsOf(pools))
	}
	if len(s.secondWave) > 0 {
		s.joinInFlight(t, ns)
	}
	if s.restart {
		s.restartInFlight(t, ns)
	}
	all := append(append([]*corev1.Pod{}, s.pods...), s.secondWave...)
	want := len(all) - s.pending
	harness.Eventually(t, 60*time.Second, fmt.Sprintf("%d pods of %s bound", want, ns), func() error {
		bound := boundPods(ctx, t, ns)
		if len(bound) < want {
			return fmt.Errorf("%d of %d bound", len(bound), want)
		}
		return nil
	})
	if s.pending > 0 {
		time.Sleep(2 * time.Second) // give a wrong extra node the time to show up
	}
	o := observe(ctx, t, ns)
	checkParity(t, o, s.pending, !s.noNodes, s.wholePlan)
	if s.check != nil {
		s.check(t, o)
	}
	select {
	case err := <-launcherErrors:
		t.Errorf("test launcher: %v", err)
	default:
	}
}

// joinInFlight sends the second wave while the first wave's nodes are requested
// but not launched, waits until the plugin counted every pod of it against a
// request in flight, then lets the launcher go on.
func (s scenario) joinInFlight(t *testing.T, ns string) {
	waitForEvent(t, ns, s.pods[0].Name, "WaitingForCapacity")
	for _, pod := range s.secondWave {
		pod.Namespace = ns
		env.ExpectApplied(t, pod)
	}
	for _, pod := range s.secondWave {
		waitForEvent(t, ns, pod.Name, "WaitingForCapacity")
		for _, note := range eventsFor(t, ns, pod.Name, "WaitingForCapacity") {
			if !strings.Contains(note, "already in flight") {
				t.Errorf("pod %s of the second wave got a node of its own: %s", pod.Name, note)
			}
		}
	}
	launcher.pause(false)
}

// restartInFlight restarts the scheduler while the pods' requests are not
// launched yet, and checks that the new scheduler found them in the API instead
// of planning the pods again.
func (s scenario) restartInFlight(t *testing.T, ns string) {
	for _, pod := range s.pods {
		waitForEvent(t, ns, pod.Name, "WaitingForCapacity")
	}
	before := requestNames(t)
	restartScheduler(t)
	time.Sleep(3 * time.Second) // the new scheduler tries the pods, and a batch window closes
	if after := requestNames(t); !slices.Equal(before, after) {
		t.Errorf("capacity requests before the restart %v, after %v", before, after)
	}
	for _, pod := range s.pods {
		if notes := eventsFor(t, ns, pod.Name, "WaitingForCapacity"); len(notes) != 1 {
			t.Errorf("pod %s was planned again after the restart: %q", pod.Name, notes)
		}
	}
	launcher.pause(false)
}

func requestNames(t *testing.T) []string {
	var list tailorv1alpha1.CapacityRequestList
	if err := env.Client.List(context.Background(), &list); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(list.Items))
	for _, r := range list.Items {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return names
}

func applyAll(t *testing.T, ns string, objects []client.Object) {
	for _, obj := range objects {
		obj.SetNamespace(namespaced(obj, ns))
		if pv, ok := obj.(*corev1.PersistentVolume); ok && pv.Spec.ClaimRef != nil {
			pv.Spec.ClaimRef.Namespace = ns
		}
		env.ExpectApplied(t, obj)
	}
}

func waitForEvent(t *testing.T, ns, pod, reason string) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, fmt.Sprintf("event %s on pod %s", reason, pod), func() error {
		if len(eventsFor(t, ns, pod, reason)) == 0 {
			return fmt.Errorf("no such event yet")
		}
		return nil
	})
}

// removeControlPlane leaves the cluster without any node for the test, and puts
// the control-plane node back after it.
func removeControlPlane(t *testing.T) {
	node := controlPlaneNode()
	if err := env.Client.Delete(context.Background(), node); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Client.Create(context.Background(), controlPlaneNode()); err != nil {
			t.Errorf("putting the control-plane node back: %v", err)
		}
	})
}

func observe(ctx context.Context, t *testing.T, ns string) *outcome {
	var pods corev1.PodList
	if err := env.Client.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var nodes corev1.NodeList
	if err := env.Client.List(ctx, &nodes); err != nil {
		t.Fatal(err)
	}
	o := &outcome{nodes: map[string]*corev1.Node{}, launches: launcher.launches()}
	for i := range nodes.Items {
		o.nodes[nodes.Items[i].Name] = &nodes.Items[i]
	}
	for _, p := range pods.Items {
		if !ownedByDaemonSet(&p) {
			o.pods = append(o.pods, p)
		}
	}
	return o
}

// checkParity: every bound pod is on a node launched for it, bound on its first
// retry after that node appeared (with wholePlan, on the node planned for it);
// every launched node holds a pod; pending pods were told why.
// Without any node, the scheduler runs no plugin, so failed attempts are only
// recorded when attempted.
func checkParity(t *testing.T, o *outcome, pending int, attempted, wholePlan bool) {
	t.Helper()

	used := map[string]int{}
	stillPending := 0
	for _, p := range o.pods {
		if p.Spec.NodeName == "" {
			stillPending++
			continue
		}
		used[p.Spec.NodeName]++
		if _, ok := o.launches[p.Spec.NodeName]; !ok {
			t.Errorf("pod %s is on %s, which was not launched in this scenario", p.Name, p.Spec.NodeName)
		}
		if attempted {
			requireRecorded(t, failed, p.UID, p.Name)
		}
		if wholePlan {
			if l, ok := o.launches[p.Spec.NodeName]; ok && !l.pods[p.UID] {
				t.Errorf("pod %s is on %s, which was planned for other pods", p.Name, p.Spec.NodeName)
			}
		} else if after, all := failed.afterNode(p.UID, p.Spec.NodeName); after > 0 {
			t.Errorf("pod %s failed %d time(s) after its node %s appeared (%d failed attempts in all)", p.Name, after, p.Spec.NodeName, all)
		}
	}
	for name := range o.launches {
		if used[name] == 0 {
			t.Errorf("planned node %s stayed empty", name)
		}
	}
	if stillPending != pending {
		t.Errorf("%d pods pending, want %d", stillPending, pending)
	}
	t.Logf("%d pods on %d new nodes", len(o.pods)-stillPending, len(o.launches))
}

func boundPods(ctx context.Context, t *testing.T, ns string) []corev1.Pod {
	var pods corev1.PodList
	if err := env.Client.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range pods.Items {
		if p.Spec.NodeName != "" && !ownedByDaemonSet(&p) {
			out = append(out, p)
		}
	}
	return out
}

// eventsFor returns the notes of the pod's events with reason.
func eventsFor(t *testing.T, ns, pod, reason string) []string {
	var list eventsv1.EventList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == pod && e.Reason == reason {
			out = append(out, e.Note)
		}
	}
	return out
}

// describe logs what a failed scenario left behind: why pods are pending, the
// namespace's events and the capacity requests.
func describe(t *testing.T, ns string) {
	ctx := context.Background()
	var pods corev1.PodList
	var events eventsv1.EventList
	var requests tailorv1alpha1.CapacityRequestList
	if err := errors.Join(env.Client.List(ctx, &pods, client.InNamespace(ns)),
		env.Client.List(ctx, &events, client.InNamespace(ns)), env.Client.List(ctx, &requests)); err != nil {
		t.Logf("describing %s: %v", ns, err)
		return
	}
	for _, p := range pods.Items {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status != corev1.ConditionTrue {
				t.Logf("pod %s: %s: %s", p.Name, c.Reason, c.Message)
			}
		}
	}
	for _, e := range events.Items {
		t.Logf("event %s %s: %s", e.Regarding.Name, e.Reason, e.Note)
	}
	for _, r := range requests.Items {
		t.Logf("capacity request %s: %d pods, types %v, conditions %+v", r.Name, len(r.Spec.Pods), r.Spec.InstanceTypes[:min(3, len(r.Spec.InstanceTypes))], r.Status.Conditions)
	}
}

func cleanUp(t *testing.T, ns string, s scenario) {
	ctx := context.Background()
	grace := client.GracePeriodSeconds(0)
	_ = env.Client.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns), grace)
	for _, obj := range s.objects {
		_ = env.Client.Delete(ctx, obj)
	}
	_ = env.Client.DeleteAllOf(ctx, &corev1.Node{}, client.HasLabels{tailorv1alpha1.CapacityRequestLabelKey})
	_ = env.Client.DeleteAllOf(ctx, &tailorv1alpha1.CapacityRequest{})
	_ = env.Client.DeleteAllOf(ctx, &karpv1.NodePool{})
	harness.Eventually(t, 30*time.Second, "scenario objects gone", func() error {
		var nodes corev1.NodeList
		var pods corev1.PodList
		if err := env.Client.List(ctx, &nodes, client.HasLabels{tailorv1alpha1.CapacityRequestLabelKey}); err != nil {
			return err
		}
		if err := env.Client.List(ctx, &pods, client.InNamespace(ns)); err != nil {
			return err
		}
		if len(nodes.Items)+len(pods.Items) > 0 {
			return fmt.Errorf("%d nodes, %d pods left", len(nodes.Items), len(pods.Items))
		}
		return nil
	})
}

// pool is an on-demand, amd64, linux NodePool of the default EC2NodeClass.
func pool(name string, edit ...func(*karpv1.NodePool)) *karpv1.NodePool {
	np := planio.DefaultNodePools()[0].DeepCopy()
	np.Name = name
	for _, e := range edit {
		e(np)
	}
	return np
}

func objectsOf(pools []*karpv1.NodePool) []client.Object {
	out := make([]client.Object, 0, len(pools))
	for _, np := range pools {
		out = append(out, np)
	}
	return out
}

// namespaced is ns for namespaced objects, "" for cluster-scoped ones.
func namespaced(obj client.Object, ns string) string {
	switch obj.(type) {
	case *karpv1.NodePool, *corev1.PersistentVolume:
		return ""
	}
	return ns
}

// pod is a pause pod for the second scheduler with cpu and memory requests.
func pod(name, cpu, memory string, edit ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": strings.TrimRight(name, "0123456789-")}},
		Spec: corev1.PodSpec{
			SchedulerName: secondScheduler,
			Containers: []corev1.Container{{
				Name: "main", Image: "registry.k8s.io/pause:3.10",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory),
				}},
			}},
		},
	}
	for _, e := range edit {
		e(p)
	}
	return p
}

// pods makes n pods named prefix-0... with the same spec.
func pods(n int, prefix, cpu, memory string, edit ...func(*corev1.Pod)) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, n)
	for i := range n {
		out = append(out, pod(fmt.Sprintf("%s-%d", prefix, i), cpu, memory, edit...))
	}
	return out
}

func ownedByDaemonSet(p *corev1.Pod) bool {
	ref := metav1.GetControllerOf(p)
	return ref != nil && ref.Kind == "DaemonSet"
}
