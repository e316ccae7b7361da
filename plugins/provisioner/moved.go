package provisioner

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"github.com/tailor-sh/tailor/pkg/moves"
)

// Pods the disruption controller moves are recreated by their controllers and
// reach the scheduler before the room its plan kept for them may be free: a
// terminating pod of a scaled-down controller still holds it, a pod the plan
// sends elsewhere has not left yet, a node's taint is being lifted. Planning
// new capacity at once for such a pod launches a node that consolidation
// removes again: the consolidation-provisioning ping-pong. So a
// pending pod that a node's moves record still awaits (pkg/moves) is held
// back from planning for up to MovedPodsWaitDuration, and planned only if it
// then still finds no node.

// held remembers until when each pod awaited elsewhere is held back.
type held struct {
	mu    sync.Mutex
	until map[types.UID]time.Time
	// after runs f after d (time.AfterFunc; tests record instead).
	after func(d time.Duration, f func())
}

func newHeld() *held {
	return &held{until: map[types.UID]time.Time{}, after: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
}

// hold reports whether pod is held back from planning at now, and whether the
// hold starts now (then the caller tells the pod and retries it at until).
// awaited is when the record awaiting pod expires, or zero when no node
// awaits it. A pod is held once: when its hold ended, it is planned however
// long a record still awaits it.
func (h *held) hold(uid types.UID, awaited, now time.Time, wait time.Duration) (until time.Time, holding, started bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if until, ok := h.until[uid]; ok {
		return until, now.Before(until), false
	}
	if wait <= 0 || awaited.IsZero() {
		return time.Time{}, false, false
	}
	until = now.Add(wait)
	if awaited.Before(until) {
		until = awaited
	}
	h.until[uid] = until
	return until, now.Before(until), true
}

// decided returns until when pod is (or was) held, if its hold has started.
func (h *held) decided(uid types.UID) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	until, ok := h.until[uid]
	return until, ok
}

// forget drops a pod that was bound or deleted.
func (h *held) forget(uid types.UID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.until, uid)
}

// awaitedOn returns a node whose moves record awaits pod (its controller's
// pods move there and the node holds fewer than the record says) and when
// that record expires; nil when no node awaits it. podsOn are the bound pods
// that are not leaving, by node.
func awaitedOn(pod *corev1.Pod, nodes []*corev1.Node, podsOn map[string][]*corev1.Pod, now time.Time) (*corev1.Node, time.Time) {
	owner := moves.Owner(pod)
	if owner == "" {
		return nil, time.Time{}
	}
	for _, node := range nodes {
		if node.DeletionTimestamp != nil {
			continue
		}
		if e, ok := moves.Of(node, now); ok && moves.Holding(podsOn[node.Name], owner) < e.Owners[owner] {
			return node, e.Until
		}
	}
	return nil, time.Time{}
}

// ReasonAwaitingMove is the event reason on a pod held back from planning.
const ReasonAwaitingMove = "AwaitingMovedRoom"

// heldBack reports whether pod, pending in cluster c, is held back from this
// batch because a node awaits it. When its hold starts the pod is told, and
// retried when the hold ends: planned then, unless it found a node meanwhile.
func (p *Provisioner) heldBack(ctx context.Context, pod *corev1.Pod, c *cluster) bool {
	now := p.now()
	if until, ok := p.held.decided(pod.UID); ok { // no need to read the records again
		return now.Before(until)
	}
	node, expires := awaitedOn(pod, c.awaiting, c.podsOn, now)
	until, holding, started := p.held.hold(pod.UID, expires, now, p.args.MovedPodsWaitDuration.Duration)
	if started {
		heldPods.Inc()
		p.recorder.Eventf(pod, nil, corev1.EventTypeNormal, ReasonAwaitingMove, eventAction,
			"The disruption controller moves this pod's controller's pods to node %s: waiting until %s for room there before planning new capacity",
			node.Name, until.UTC().Format(time.RFC3339))
		logger := klog.FromContext(ctx).WithName(Name)
		key := map[types.UID]string{pod.UID: pod.Namespace + "/" + pod.Name}
		p.held.after(until.Sub(now), func() { p.retry(logger, key) })
	}
	return holding
}
