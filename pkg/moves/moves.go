// Package moves records on a node the pods that the disruption controller
// moves there, so that the scheduler sends them where the plan put them.
//
// Deleting a node evicts its pods and their controllers create new ones; the
// scheduler places those by its own scores, which need not follow the plan
// that judged the node removable. When a pod takes the room the plan kept for
// another, that one finds no node and the Provisioner launches one: the
// consolidation-provisioning ping-pong. The disruption controller therefore
// annotates each node that the plan puts moved pods on with how many pods of
// each controller it is to hold, and the Provisioner's Score prefers that node
// for those controllers' pods while it holds fewer, until the annotation
// expires.
package moves

import (
	"encoding/json"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// AnnotationKey on a node holds the Expected pods moved there.
const AnnotationKey = "tailor.sh/expected-pods"

// Expected are, per UID of a controller (a ReplicaSet, a StatefulSet...),
// how many of its pods the node is to hold once the moved ones arrived, until
// a time.
type Expected struct {
	Until  time.Time         `json:"until"`
	Owners map[types.UID]int `json:"owners"`
}

// Of reads node's Expected pods; ok is false when there are none, the
// annotation cannot be read, or it has expired by now.
func Of(node *corev1.Node, now time.Time) (e Expected, ok bool) {
	if node == nil {
		return e, false
	}
	v, found := node.Annotations[AnnotationKey]
	if !found || json.Unmarshal([]byte(v), &e) != nil || !now.Before(e.Until) {
		return Expected{}, false
	}
	return e, true
}

// Owner is the UID of pod's controller, or "" for a pod without one (nothing
// recreates it).
func Owner(pod *corev1.Pod) types.UID {
	if owner := metav1.GetControllerOf(pod); owner != nil {
		return owner.UID
	}
	return ""
}

// Wants reports whether node is to receive pod: its controller's pods are
// moving there and the node holds fewer of them (holding) than expected.
func Wants(node *corev1.Node, pod *corev1.Pod, holding int, now time.Time) bool {
	owner := Owner(pod)
	if owner == "" {
		return false
	}
	e, ok := Of(node, now)
	return ok && holding < e.Owners[owner]
}

// Awaits reports whether node still expects moved pods: of some controller
// it holds (among pods) fewer than the record says. Such a node is not empty
// for long, whatever it runs now.
func Awaits(node *corev1.Node, pods []*corev1.Pod, now time.Time) bool {
	e, ok := Of(node, now)
	if !ok {
		return false
	}
	for owner, n := range e.Owners {
		if Holding(pods, owner) < n {
			return true
		}
	}
	return false
}

// Holding counts the pods of owner among pods that are not leaving.
func Holding(pods []*corev1.Pod, owner types.UID) int {
	n := 0
	for _, p := range pods {
		if p.DeletionTimestamp == nil && Owner(p) == owner {
			n++
		}
	}
	return n
}

// Add returns the annotation value that adds moved pods, until until, to
// what node (running present) already expects.
func Add(node *corev1.Node, present, moved []*corev1.Pod, until, now time.Time) (string, bool) {
	e, ok := Of(node, now)
	if !ok {
		e = Expected{Owners: map[types.UID]int{}}
	}
	added := false
	for _, p := range moved {
		owner := Owner(p)
		if owner == "" {
			continue
		}
		if _, known := e.Owners[owner]; !known {
			e.Owners[owner] = Holding(present, owner)
		}
		e.Owners[owner]++
		added = true
	}
	if !added {
		return "", false
	}
	if until.After(e.Until) {
		e.Until = until
	}
	data, err := json.Marshal(e)
	return string(data), err == nil
}

// Stale reports whether node carries an annotation that no longer counts.
func Stale(node *corev1.Node, now time.Time) bool {
	_, found := node.Annotations[AnnotationKey]
	_, ok := Of(node, now)
	return found && !ok
}
