package provisioner

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"

	tailorconfig "github.com/tailor-sh/tailor/pkg/apis/config"
	"github.com/tailor-sh/tailor/pkg/moves"
)

func podOf(owner types.UID, name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Namespace: "shop", Name: name, UID: types.UID(name),
		OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: string(owner), UID: owner, Controller: ptr.To(true)}},
	}}
}

// awaitingNode is a node whose moves record, until until, expects 2 pods of
// the web ReplicaSet (it runs present).
func awaitingNode(t *testing.T, name string, present []*corev1.Pod, until, now time.Time) *corev1.Node {
	t.Helper()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	value, ok := moves.Add(node, present, []*corev1.Pod{podOf("web", "old-1"), podOf("web", "old-2")}, until, now)
	if !ok {
		t.Fatal("no moves record")
	}
	node.Annotations = map[string]string{moves.AnnotationKey: value}
	return node
}

// timers records what heldBack schedules.
type timers struct{ delays []time.Duration }

func (r *timers) after(d time.Duration, _ func()) { r.delays = append(r.delays, d) }

func heldPlugin(wait time.Duration, now *time.Time) (*Provisioner, *events.FakeRecorder, *timers) {
	recorder, retries := events.NewFakeRecorder(10), &timers{}
	p := &Provisioner{
		args:     tailorconfig.ProvisionerArgs{MovedPodsWaitDuration: metav1.Duration{Duration: wait}},
		held:     newHeld(),
		recorder: recorder,
		now:      func() time.Time { return *now },
	}
	p.held.after = retries.after
	return p, recorder, retries
}

// A pod recreated for one the disruption controller moved is not planned
// while a node still awaits its controller's pods: the room kept there is
// often still held by a terminating pod. It is told, retried when the wait
// ends, and planned then even though the record still awaits it. Pods of
// other controllers, and pods once the node holds what it awaits, are planned
// at once.
func TestAPodANodeAwaitsIsHeldBackThenPlanned(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	p, recorder, retries := heldPlugin(30*time.Second, &now)
	node := awaitingNode(t, "ip-10-0-0-1", nil, now.Add(5*time.Minute), now)
	c := &cluster{awaiting: []*corev1.Node{node}, podsOn: map[string][]*corev1.Pod{}}
	ctx := context.Background()

	web := podOf("web", "web-new")
	if !p.heldBack(ctx, web, c) {
		t.Fatal("a web pod the node awaits was planned at once: a node would be launched for room that is about to free")
	}
	if len(retries.delays) != 1 || retries.delays[0] != 30*time.Second {
		t.Errorf("retries scheduled after %v, want one after 30s", retries.delays)
	}
	if event := <-recorder.Events; !strings.Contains(event, ReasonAwaitingMove) || !strings.Contains(event, "ip-10-0-0-1") {
		t.Errorf("event %q, want %s naming the node", event, ReasonAwaitingMove)
	}
	now = now.Add(10 * time.Second)
	if !p.heldBack(ctx, web, c) || len(retries.delays) != 1 {
		t.Errorf("10s later: want the pod held still and no second retry (retries %v)", retries.delays)
	}
	now = now.Add(20 * time.Second)
	if p.heldBack(ctx, web, c) {
		t.Error("the pod is held past its 30s wait: it must be planned however long the record awaits it")
	}

	if p.heldBack(ctx, podOf("api", "api-1"), c) {
		t.Error("a pod of a controller the node does not await was held back")
	}
	c.podsOn["ip-10-0-0-1"] = []*corev1.Pod{podOf("web", "a"), podOf("web", "b")}
	if p.heldBack(ctx, podOf("web", "web-third"), c) {
		t.Error("a web pod was held back though the node already holds the 2 it awaits")
	}
}

// The wait ends when the record expires, if that comes first; a wait of 0
// turns holding off.
func TestTheHoldEndsWithTheRecordOrIsOff(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	p, _, retries := heldPlugin(30*time.Second, &now)
	c := &cluster{awaiting: []*corev1.Node{awaitingNode(t, "n", nil, now.Add(5*time.Second), now)}}
	if !p.heldBack(context.Background(), podOf("web", "w"), c) || len(retries.delays) != 1 || retries.delays[0] != 5*time.Second {
		t.Errorf("want the pod held until the record expires in 5s, retries %v", retries.delays)
	}

	off, recorder, _ := heldPlugin(0, &now)
	if off.heldBack(context.Background(), podOf("web", "w"), c) || len(recorder.Events) != 0 {
		t.Error("movedPodsWaitDuration 0s held a pod back")
	}
}

// A bound or deleted pod is forgotten.
func TestAHeldPodIsForgottenWhenGone(t *testing.T) {
	h := newHeld()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	if _, holding, started := h.hold("a", now.Add(time.Minute), now, 30*time.Second); !holding || !started {
		t.Fatal("want a new hold")
	}
	h.forget("a")
	if len(h.until) != 0 {
		t.Errorf("holds left after the pod went: %v", h.until)
	}
}
