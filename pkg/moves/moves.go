// Package moves records on a node the pods that the disruption controller
// moves there, so that the scheduler sends them where the plan put them.
//
// Deleting a node evicts its pods and their controllers create new ones; the
// scheduler places those by its own scores, which need not follow the plan
// that judged the node removable. When a pod takes the room the plan kept for
// another, that one finds no node and the Provisioner launches one: the
// consolidation-provisioning ping-pong. The disruption controller therefore
// annotates each node that the plan puts moved pods on with how many pods of
// each controller it is to hold and what one such pod requests. While it
// holds fewer, the Provisioner's Score prefers that node for those
// controllers' pods, and its Filter keeps the room of the pods still to come
// from other pods (Reserved), until the annotation expires or the disruption
// controller removes it once nothing moves any more.
package moves

import (
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// AnnotationKey on a node holds the Expected pods moved there.
const AnnotationKey = "tailor.sh/expected-pods"

// Expected are, per UID of a controller (a ReplicaSet, a StatefulSet...),
// how many of its pods the node is to hold once the moved ones arrived, and
// what one of them requests, until a time.
type Expected struct {
	Until  time.Time         `json:"until"`
	Owners map[types.UID]int `json:"owners"`
	// Requests are one moved pod's requests per controller: the room the node
	// keeps for each pod still to come (Reserved).
	Requests map[types.UID]corev1.ResourceList `json:"requests,omitempty"`
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

// Reserved is the room node keeps for the moved pods still to come (pods
// holds what it runs, assumed pods included), except those of owner: the
// requests of each awaited pod of another controller, and a pod slot for
// each, summed. A pod of owner fits the node only beside that room; taking it
// would leave a moved pod without the place the plan gave it.
func Reserved(node *corev1.Node, pods []*corev1.Pod, owner types.UID, now time.Time) corev1.ResourceList {
	e, missing := toCome(node, pods, map[types.UID]bool{owner: true}, now)
	var out corev1.ResourceList
	for o, n := range missing {
		for range n {
			out = quotav1.Add(out, e.Requests[o])
			out = quotav1.Add(out, onePod)
		}
	}
	return out
}

// StandIns are a pod per moved pod node still awaits (pods holds what it
// runs), except those of the owners in except, requesting what the moved pod
// requested: a planner that places them on the node sees the room kept there.
func StandIns(node *corev1.Node, pods []*corev1.Pod, except map[types.UID]bool, now time.Time) []*corev1.Pod {
	e, missing := toCome(node, pods, except, now)
	var out []*corev1.Pod
	for o, n := range missing {
		for i := range n {
			out = append(out, &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("moving-%s-%d", o, i), UID: types.UID(fmt.Sprintf("moving-%s-%s-%d", node.Name, o, i))},
				Spec: corev1.PodSpec{NodeName: node.Name, Containers: []corev1.Container{{Name: "moving",
					Resources: corev1.ResourceRequirements{Requests: e.Requests[o].DeepCopy()}}}},
			})
		}
	}
	return out
}

// toCome reads node's record and counts, per controller not in except, the
// moved pods it still awaits beside pods.
func toCome(node *corev1.Node, pods []*corev1.Pod, except map[types.UID]bool, now time.Time) (Expected, map[types.UID]int) {
	e, ok := Of(node, now)
	if !ok {
		return e, nil
	}
	missing := map[types.UID]int{}
	for o, n := range e.Owners {
		if m := n - Holding(pods, o); m > 0 && !except[o] {
			missing[o] = m
		}
	}
	return e, missing
}

var onePod = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}

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
	if e.Requests == nil {
		e.Requests = map[types.UID]corev1.ResourceList{}
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
		e.Requests[owner] = resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})
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
