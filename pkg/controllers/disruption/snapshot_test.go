package disruption

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
	"github.com/tailor-sh/tailor/pkg/moves"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// Eight equal drifted nodes and a budget of one: every pass must pick the same
// node, or validation (the same candidates for 15 s) never passes and the
// drift is never acted on. The client lists in a new order each time, as the
// cache may.
func TestPassesPickTheSameNodeAmongEqualOnes(t *testing.T) {
	np := nodePool("default", "Never", karpv1.Budget{Nodes: "1"}) // Never: not removed as empty, only as drifted
	np.Spec.Template.Spec.Requirements = []karpv1.NodeSelectorRequirementWithMinValues{{
		Key: wellknown.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{wellknown.CapacityTypeSpot}}}
	objs := []client.Object{np}
	for i := range 8 {
		cand := candidate(fmt.Sprintf("c-%d", i), "default", "0.1", -1)
		cand.Claim.Status.NodeName = cand.Node.Name
		cand.Node.Labels = map[string]string{wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeOnDemand}
		objs = append(objs, cand.Claim, cand.Node)
	}
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(objs...).Build()
	p, err := planner.NewStandalone(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := NewController(shuffled{kube}, catalogCloud{}, record.NewFakeRecorder(1000), clock.RealClock{}, false)
	c.planner = p
	var first []string
	for pass := range 10 {
		s, err := c.snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cmds, _ := Decide(s)
		got := names(cmds)
		if len(got) != 1 || !strings.HasPrefix(got[0], "Drifted:") {
			t.Fatalf("pass %d: commands for %v, want one drifted node (budget 1)", pass, got)
		}
		if pass == 0 {
			first = got
		} else if got[0] != first[0] {
			t.Fatalf("pass %d took %s, pass 0 took %s: equal nodes must be taken in the same order", pass, got[0], first[0])
		}
	}
}

// shuffled lists in a random order, as a cache over a map does.
type shuffled struct{ client.Client }

func (s shuffled) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if err := s.Client.List(ctx, list, opts...); err != nil {
		return err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return err
	}
	rand.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	return meta.SetList(list, items)
}

// A pod moved off a node keeps to the zone it leaves when its spread rule
// does not schedule past the skew (each of its ORed node affinity terms gets
// the zone); a soft rule, or one per node, leaves it free.
func TestMovedPodsKeepToTheirSpreadDomain(t *testing.T) {
	node := map[string]string{corev1.LabelTopologyZone: "us-west-2a", corev1.LabelHostname: "n1"}
	spread := func(key string, when corev1.UnsatisfiableConstraintAction) corev1.TopologySpreadConstraint {
		return corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: key, WhenUnsatisfiable: when}
	}
	p := workloadPod("web")
	p.Spec.NodeName = "n1"
	p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{spread(corev1.LabelTopologyZone, corev1.DoNotSchedule), spread(corev1.LabelHostname, corev1.DoNotSchedule)}
	p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
		{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "arch", Operator: corev1.NodeSelectorOpIn, Values: []string{"arm64"}}}},
		{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "arch", Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}}},
	}}}}
	got := moved(p, node, newSpreads(nil))
	if got.Spec.NodeName != "" || p.Spec.NodeName != "n1" {
		t.Fatalf("moved pod bound to %q (original to %q), want it unbound and the original untouched", got.Spec.NodeName, p.Spec.NodeName)
	}
	terms := got.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	for i, term := range terms {
		if len(term.MatchExpressions) != 2 || term.MatchExpressions[1].Key != corev1.LabelTopologyZone || term.MatchExpressions[1].Values[0] != "us-west-2a" {
			t.Errorf("term %d: %+v, want its arch and the zone it leaves (not the hostname)", i, term.MatchExpressions)
		}
	}
	if len(p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions) != 1 {
		t.Error("the original pod's affinity was changed")
	}
	soft := workloadPod("soft")
	soft.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{spread(corev1.LabelTopologyZone, corev1.ScheduleAnyway)}
	if got := moved(soft, node, newSpreads(nil)); got.Spec.Affinity != nil {
		t.Errorf("a ScheduleAnyway spread pinned the pod: %+v", got.Spec.Affinity)
	}
}

// zoned is a candidate in zone running n web pods (the first named first).
func zoned(name, zone string, n int, first *corev1.Pod) *Candidate {
	var pods []*corev1.Pod
	if first != nil {
		pods = append(pods, first)
	}
	for i := len(pods); i < n; i++ {
		pods = append(pods, workloadPod(fmt.Sprintf("%s-web-%d", name, i)))
	}
	c := candidate(name, "default", "0.1", -1, pods...)
	c.Node.Labels = map[string]string{corev1.LabelTopologyZone: zone}
	return c
}

// A moved pod goes where the scheduler will put it: the domain it leaves
// while its controller's pods are spread evenly, but after a scale-down left
// 4 web pods in zone a and 7 in b and c, a web pod leaving b can only go to a
// (b would then hold 6, 2 more than a). Held to b, the plan kept room for it
// where the scheduler would not put it, and the Provisioner launched a node.
func TestAMovedPodGoesWhereItsSpreadAllows(t *testing.T) {
	zone := corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}
	leaving := workloadPod("leaving")
	leaving.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{zone}
	pins := func(candidates ...*Candidate) []string {
		got := moved(leaving, map[string]string{corev1.LabelTopologyZone: "b"}, newSpreads(candidates))
		return got.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Values
	}
	if got := pins(zoned("a", "a", 6, nil), zoned("b", "b", 6, leaving), zoned("c", "c", 6, nil)); !slices.Equal(got, []string{"b"}) {
		t.Errorf("spread evenly: pinned to %v, want the zone it leaves, b", got)
	}
	if got := pins(zoned("a", "a", 4, nil), zoned("b", "b", 7, leaving), zoned("c", "c", 7, nil)); !slices.Equal(got, []string{"a"}) {
		t.Errorf("4/7/7 after a scale-down: pinned to %v, want a, the only zone the scheduler allows", got)
	}
	if got := pins(zoned("a", "a", 5, nil), zoned("b", "b", 6, leaving), zoned("c", "c", 6, nil)); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("5/6/6: pinned to %v, want a or b", got)
	}
}

// Removing a node records on each node the plan moves its pods to which
// controllers' pods are coming (for the scheduler's Score), before the node
// is deleted; a later pass removes the record once it has expired.
func TestDeletingANodeRecordsWhereItsPodsGo(t *testing.T) {
	gone := candidate("gone", "default", "0.1", -1)
	target := candidate("target", "default", "0.1", -1)
	pod := workloadPod("web-1")
	pod.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web", UID: "rs-web", Controller: ptr.To(true)}}
	running := workloadPod("web-0")
	running.Spec.NodeName, running.OwnerReferences = target.Node.Name, pod.OwnerReferences
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(gone.Claim, gone.Node, target.Claim, target.Node, running).
		WithIndex(&corev1.Pod{}, indexes.PodNodeName, func(o client.Object) []string { return []string{o.(*corev1.Pod).Spec.NodeName} }).Build()
	clk := clocktesting.NewFakeClock(now)
	c := NewController(kube, catalogCloud{}, record.NewFakeRecorder(100), clk, false)
	cmd := Command{Reason: karpv1.DisruptionReasonUnderutilized, Action: ActionDelete, Candidates: []*Candidate{gone},
		Moves: map[string][]*corev1.Pod{target.Node.Name: {pod}}}
	c.tellMoves(context.Background(), cmd)
	if !c.toldAll(cmd) {
		t.Fatal("after telling the moves, want the deletion free to go")
	}
	if err := c.execute(context.Background(), cmd); err != nil {
		t.Fatal(err)
	}
	node := &corev1.Node{}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: target.Node.Name}, node); err != nil {
		t.Fatal(err)
	}
	recreated := workloadPod("web-2")
	recreated.OwnerReferences = pod.OwnerReferences
	if !moves.Wants(node, recreated, 1, now) || moves.Wants(node, recreated, 2, now) {
		t.Fatalf("node annotations %v: want the node to take one more web pod than the one it runs", node.Annotations)
	}
	c.forgetMoves(context.Background(), []*Candidate{{Claim: target.Claim, Node: node}}, false)
	if err := kube.Get(context.Background(), client.ObjectKey{Name: target.Node.Name}, node); err != nil {
		t.Fatal(err)
	}
	if _, found := node.Annotations[moves.AnnotationKey]; !found {
		t.Fatal("a move still under way was forgotten")
	}
	clk.Step(movesFor)
	c.forgetMoves(context.Background(), []*Candidate{{Claim: target.Claim, Node: node}}, false)
	if err := kube.Get(context.Background(), client.ObjectKey{Name: target.Node.Name}, node); err != nil {
		t.Fatal(err)
	}
	if _, found := node.Annotations[moves.AnnotationKey]; found {
		t.Errorf("node annotations %v: want the expired move removed", node.Annotations)
	}
}

// Once nothing moves (no node disrupting, no pod waiting, no deletion told
// for the next pass) the records go before they expire: an awaited pod that
// went elsewhere would otherwise keep its room from other pods (the
// Provisioner's Filter) for minutes.
func TestASettledClusterForgetsItsMoves(t *testing.T) {
	target := candidate("target", "default", "0.1", -1)
	web := workloadPod("web-1")
	web.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web", UID: "rs-web", Controller: ptr.To(true)}}
	value, _ := moves.Add(target.Node, nil, []*corev1.Pod{web}, now.Add(movesFor), now)
	target.Node.Annotations = map[string]string{moves.AnnotationKey: value}
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(target.Claim, target.Node).Build()
	c := NewController(kube, catalogCloud{}, record.NewFakeRecorder(100), clocktesting.NewFakeClock(now), false)
	draining := candidate("draining", "default", "0.1", -1)
	draining.Claim.DeletionTimestamp = &metav1.Time{Time: now}
	for _, tc := range []struct {
		name string
		s    Snapshot
		told bool
		want bool
	}{
		{"a pod waits", Snapshot{Candidates: []*Candidate{target}, Pending: true}, false, false},
		{"a node drains", Snapshot{Candidates: []*Candidate{target, draining}}, false, false},
		{"a deletion was told its moves", Snapshot{Candidates: []*Candidate{target}}, true, false},
		{"nothing moves", Snapshot{Candidates: []*Candidate{target}}, false, true},
	} {
		c.movesTold = map[string]bool{}
		if tc.told {
			c.movesTold["other"] = true
		}
		if got := c.settled(tc.s); got != tc.want {
			t.Errorf("%s: settled %v, want %v", tc.name, got, tc.want)
		}
	}
	c.forgetMoves(context.Background(), []*Candidate{target}, true)
	node := &corev1.Node{}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: target.Node.Name}, node); err != nil {
		t.Fatal(err)
	}
	if _, found := node.Annotations[moves.AnnotationKey]; found {
		t.Errorf("node annotations %v: want the record of a settled cluster removed", node.Annotations)
	}
}

// When a replacement finishes, each old node is deleted by a command of its
// own, all in one pass and faster than the cache sees each write: every one
// of them adds its pods to what the replacement's node expects, none
// overwrites another's (the record is read from the API server and written
// under optimistic locking). A record that lost pods let other pods take
// the room planned for them, and the Provisioner launched a node for those
// left over.
func TestMovesOfOnePassAddUpOnANodeTheCacheLagsOn(t *testing.T) {
	owner := func(name string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{Kind: "ReplicaSet", Name: name, UID: types.UID("rs-" + name), Controller: ptr.To(true)}}
	}
	next := candidate("next", "default", "0.1", -1)
	olds := []*Candidate{candidate("old-a", "default", "0.1", -1), candidate("old-b", "default", "0.1", -1)}
	web, plain := workloadPod("web-1"), workloadPod("plain-1")
	web.OwnerReferences, plain.OwnerReferences = owner("web"), owner("plain")
	api := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(next.Claim, next.Node, olds[0].Claim, olds[0].Node, olds[1].Claim, olds[1].Node).
		WithIndex(&corev1.Pod{}, indexes.PodNodeName, func(o client.Object) []string { return []string{o.(*corev1.Pod).Spec.NodeName} }).Build()
	c := NewController(laggingNodes{Client: api, nodes: map[string]*corev1.Node{next.Node.Name: next.Node.DeepCopy()}}, catalogCloud{}, record.NewFakeRecorder(100), clocktesting.NewFakeClock(now), false)
	c.reader = api
	for i, pod := range []*corev1.Pod{web, plain} {
		cmd := Command{Reason: karpv1.DisruptionReasonUnderutilized, Action: ActionDelete, Candidates: []*Candidate{olds[i]},
			Moves: map[string][]*corev1.Pod{next.Node.Name: {pod}}}
		c.tellMoves(context.Background(), cmd)
		if err := c.execute(context.Background(), cmd); err != nil {
			t.Fatal(err)
		}
	}
	node := &corev1.Node{}
	if err := api.Get(context.Background(), client.ObjectKey{Name: next.Node.Name}, node); err != nil {
		t.Fatal(err)
	}
	for _, pod := range []*corev1.Pod{web, plain} {
		recreated := workloadPod(pod.Name + "-recreated")
		recreated.OwnerReferences = pod.OwnerReferences
		if !moves.Wants(node, recreated, 0, now) {
			t.Errorf("node annotations %v: want the node to expect a pod of %s", node.Annotations, pod.OwnerReferences[0].Name)
		}
	}
}

// laggingNodes is a cache that still holds the nodes as they were: reads of
// them return the old copies, writes go through.
type laggingNodes struct {
	client.Client
	nodes map[string]*corev1.Node
}

func (l laggingNodes) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if node, ok := obj.(*corev1.Node); ok && l.nodes[key.Name] != nil {
		l.nodes[key.Name].DeepCopyInto(node)
		return nil
	}
	return l.Client.Get(ctx, key, obj, opts...)
}

// A node the plan moves pods to may be empty while a PDB lets the pods come
// one at a time: while they may still come (a pod pending, a node being
// removed) it is not removed as empty (that would leave them no room, and the
// Provisioner would launch a node for them); once nothing moves, it is.
func TestAnEmptyNodeAwaitingMovedPodsStays(t *testing.T) {
	target := candidate("target", "default", "0.1", -1)
	target.Claim.Status.NodeName = target.Node.Name
	clk := clocktesting.NewFakeClock(now)
	web := workloadPod("web-1")
	web.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web", UID: "rs-web", Controller: ptr.To(true)}}
	value, _ := moves.Add(target.Node, nil, []*corev1.Pod{web}, now.Add(movesFor), now)
	target.Node.Annotations = map[string]string{moves.AnnotationKey: value}
	recreated := workloadPod("web-2")
	recreated.OwnerReferences, recreated.CreationTimestamp, recreated.Status.Phase = web.OwnerReferences, metav1.NewTime(now), corev1.PodPending
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(nodePool("default", "5s"), target.Claim, target.Node, recreated).Build()
	c := NewController(kube, catalogCloud{}, record.NewFakeRecorder(100), clk, false)
	decide := func() []string {
		s, err := c.snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cmds, _ := Decide(s)
		return names(cmds)
	}
	decide() // first seen empty now
	clk.Step(time.Minute)
	if got := decide(); len(got) != 0 {
		t.Fatalf("commands %v while a moved web pod is pending; want none", got)
	}
	if err := kube.Delete(context.Background(), recreated); err != nil {
		t.Fatal(err)
	}
	if got := decide(); len(got) != 1 || !strings.HasPrefix(got[0], "Empty:") {
		t.Errorf("commands %v once nothing moves; want the empty node removed", got)
	}
}

// Finishing a replacement takes two passes: the first tells the new node
// which pods come and records that on the old claim, which it keeps; the
// second, reading the record back, deletes the old claim without telling
// the node again (which would make it expect twice the pods).
func TestFinishingAReplacementTellsTheNodeAPassBeforeTheDrain(t *testing.T) {
	old := candidate("old", "default", "0.2", -1)
	next := candidate("next", "default", "0.1", -1)
	web := workloadPod("web-1")
	web.UID, web.Spec.NodeName = "uid-web", old.Node.Name
	web.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web", UID: "rs-web", Controller: ptr.To(true)}}
	old.Claim.Status.NodeName, next.Claim.Status.NodeName = old.Node.Name, next.Node.Name
	old.Claim.Annotations[tailorv1alpha1.DisruptionReasonAnnotationKey] = "Underutilized"
	old.Claim.Annotations[tailorv1alpha1.DisruptionReplacementsAnnotationKey] = "next"
	old.Claim.Annotations[tailorv1alpha1.DisruptionDeadlineAnnotationKey] = now.Add(time.Hour).Format(time.RFC3339)
	next.Claim.Labels[tailorv1alpha1.CapacityRequestLabelKey] = "next"
	request := &tailorv1alpha1.CapacityRequest{ObjectMeta: metav1.ObjectMeta{Name: "next"}, Spec: tailorv1alpha1.CapacityRequestSpec{
		Pods: []tailorv1alpha1.PodReference{{Namespace: web.Namespace, Name: web.Name, UID: web.UID}}}}
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(nodePool("default", "Never"), old.Claim, old.Node, next.Claim, next.Node, web, request).
		WithIndex(&corev1.Pod{}, indexes.PodNodeName, func(o client.Object) []string { return []string{o.(*corev1.Pod).Spec.NodeName} }).Build()
	c := NewController(kube, catalogCloud{}, record.NewFakeRecorder(100), clocktesting.NewFakeClock(now), false)
	expected := func() int {
		node := &corev1.Node{}
		if err := kube.Get(context.Background(), client.ObjectKey{Name: next.Node.Name}, node); err != nil {
			t.Fatal(err)
		}
		e, _ := moves.Of(node, now)
		return e.Owners["rs-web"]
	}
	if err := c.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	claim := &karpv1.NodeClaim{}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: old.Claim.Name}, claim); err != nil || claim.DeletionTimestamp != nil {
		t.Fatalf("old claim after the first pass: %v, deleting %v; want it kept", err, claim.DeletionTimestamp)
	}
	if got := expected(); got != 1 || claim.Annotations[tailorv1alpha1.DisruptionMovesMarkedAnnotationKey] != "true" {
		t.Fatalf("the new node expects %d web pods, the old claim says moves marked %q; want 1 and true", got, claim.Annotations[tailorv1alpha1.DisruptionMovesMarkedAnnotationKey])
	}
	if err := c.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: old.Claim.Name}, claim); !apierrors.IsNotFound(err) && claim.DeletionTimestamp == nil {
		t.Fatalf("old claim after the second pass: %v; want it deleted", err)
	}
	if got := expected(); got != 1 {
		t.Errorf("the new node expects %d web pods after the second pass; want 1 (told once)", got)
	}
}

// A pass comes when a step is due, not at the next tick: a decision when its
// validation ends, an old node shortly after its replacements' nodes were
// told which pods come.
func TestTheNextPassComesWhenAStepIsDue(t *testing.T) {
	c := NewController(nil, catalogCloud{}, record.NewFakeRecorder(1), clock.RealClock{}, false)
	if got := c.nextStep(now); got != passInterval {
		t.Errorf("nothing waiting: next pass in %s, want %s", got, passInterval)
	}
	c.pending["a"], c.pending["b"] = now.Add(-10*time.Second), now.Add(-time.Minute)
	if got := c.nextStep(now); got != 5*time.Second {
		t.Errorf("a decision validated in 5 s (another long due): next pass in %s, want 5s", got)
	}
	c.marked = true
	if got := c.nextStep(now); got != movesNotice {
		t.Errorf("moves just told: next pass in %s, want %s", got, movesNotice)
	}
}
