// Package moves records on a node the pods that the disruption controller
// moves there, so that the scheduler sends them where the plan put them.
//
// Deleting a node evicts its pods and their controllers create new ones; the
// scheduler places those by its own scores, which need not follow the plan
// that judged the node removable. When a pod takes the room the plan kept for
// another, that one finds no node and the Provisioner launches one: the
// consolidation-provisioning ping-pong. The disruption controller therefore
// annotates each node that the plan puts moved pods on with the pods'
// controllers, and the Provisioner's Score prefers that node for their pods
// until the annotation expires.
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

// Expected are the pods moved to a node, counted by the UID of their
// controller (a ReplicaSet, a StatefulSet...), until a time.
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

// Expects reports whether pod's controller has pods moved to node.
func Expects(node *corev1.Node, pod *corev1.Pod, now time.Time) bool {
	owner := metav1.GetControllerOf(pod)
	if owner == nil {
		return false
	}
	e, ok := Of(node, now)
	return ok && e.Owners[owner.UID] > 0
}

// Add returns the annotation value that adds pods (moved to node) until until
// to what node already expects.
func Add(node *corev1.Node, pods []*corev1.Pod, until, now time.Time) (string, bool) {
	e, ok := Of(node, now)
	if !ok {
		e = Expected{Owners: map[types.UID]int{}}
	}
	added := false
	for _, p := range pods {
		if owner := metav1.GetControllerOf(p); owner != nil {
			e.Owners[owner.UID]++
			added = true
		}
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
