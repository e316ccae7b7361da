package provisioner

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

const (
	// settle is how long after a request's node is initialized its pods are left to
	// the scheduler before one that still finds no node is planned again.
	settle = time.Minute
	// reservation is how long after a request's node is initialized other pods are
	// kept off it while pods planned onto it have not bound yet.
	reservation = 2 * time.Minute
)

// flight is what the plugin knows about the CapacityRequests in flight: which
// pods wait for which request, and which requests have an initialized node.
type flight struct {
	mu sync.Mutex
	// waiting maps a pod to the request it waits for.
	waiting map[types.UID]string
	// planned holds, per request, the pods planned onto it and not bound yet
	// (namespace/name by UID).
	planned map[string]map[types.UID]string
	// ready records when a request's node was first seen initialized.
	ready map[string]time.Time
	// failed holds requests the launcher gave up on, with why.
	failed map[string]string
	// kept holds, per request, the pods the Filter kept off its node (namespace/name
	// by UID): they are retried when the reservation lapses.
	kept map[string]map[types.UID]string
}

func newFlight() *flight {
	return &flight{
		waiting: map[types.UID]string{},
		planned: map[string]map[types.UID]string{},
		ready:   map[string]time.Time{},
		failed:  map[string]string{},
		kept:    map[string]map[types.UID]string{},
	}
}

// assign records that pods wait for request.
func (f *flight) assign(request string, pods []*corev1.Pod) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, pod := range pods {
		f.waiting[pod.UID] = request
		record(f.planned, request, pod)
	}
}

// waitsFor returns the request pod waits for, while that request is in flight or
// its node is too new for the pod's failure to mean anything.
func (f *flight) waitsFor(uid types.UID, now time.Time) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	request, ok := f.waiting[uid]
	if !ok || !f.holdsLocked(request, now) {
		return "", false
	}
	return request, true
}

// holdsLocked says whether request still holds its pods: it did not fail, and
// its node is not initialized or too new for a pod's failure to mean anything.
func (f *flight) holdsLocked(request string, now time.Time) bool {
	if _, failed := f.failed[request]; failed {
		return false
	}
	since, ready := f.ready[request]
	return !ready || now.Sub(since) <= settle
}

// reservedFor returns whether a node launched for request is kept for the pods
// planned onto it, and whether uid is one of them.
func (f *flight) reservedFor(request string, uid types.UID, now time.Time) (reserved, member bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	set := f.planned[request]
	if len(set) == 0 {
		return false, false
	}
	if since, ready := f.ready[request]; ready && now.Sub(since) > reservation {
		return false, false
	}
	_, member = set[uid]
	return true, member
}

// keptOff records that the Filter kept pod off the node of request.
func (f *flight) keptOff(request string, pod *corev1.Pod) {
	f.mu.Lock()
	defer f.mu.Unlock()
	record(f.kept, request, pod)
}

// record adds pod (namespace/name by UID) to the set of request in sets.
func record(sets map[string]map[types.UID]string, request string, pod *corev1.Pod) {
	if sets[request] == nil {
		sets[request] = map[types.UID]string{}
	}
	sets[request][pod.UID] = pod.Namespace + "/" + pod.Name
}

// keptPods returns and forgets the pods kept off the node of request.
func (f *flight) keptPods(request string) map[types.UID]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.kept[request]
	delete(f.kept, request)
	return out
}

// plannedPods returns the pods planned onto request and not bound yet, as
// namespace/name by UID.
func (f *flight) plannedPods(request string) map[types.UID]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[types.UID]string, len(f.planned[request]))
	for uid, key := range f.planned[request] {
		out[uid] = key
	}
	return out
}

// nodeSeen records a node launched for a request; initialized nodes start the
// settle and reservation clocks. It returns the request when this started them.
func (f *flight) nodeSeen(node *corev1.Node, now time.Time) (started string) {
	request := requestOf(node)
	if request == "" || node.Labels[wellknown.NodeInitializedLabelKey] != "true" {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ready[request]; ok {
		return ""
	}
	f.ready[request] = now
	return request
}

// podGone forgets a pod that was bound or deleted.
func (f *flight) podGone(uid types.UID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	request, ok := f.waiting[uid]
	if !ok {
		return
	}
	delete(f.waiting, uid)
	if set := f.planned[request]; set != nil {
		delete(set, uid)
	}
}

// fail records that the launcher gave up on request: its pods are planned again.
// It reports whether the failure is new.
func (f *flight) fail(request, why string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, known := f.failed[request]
	f.failed[request] = why
	return !known
}

// forget drops a request that no longer exists, and its pods' waits.
func (f *flight) forget(request string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for uid := range f.planned[request] {
		if f.waiting[uid] == request {
			delete(f.waiting, uid)
		}
	}
	delete(f.planned, request)
	delete(f.ready, request)
	delete(f.failed, request)
	delete(f.kept, request)
}

// isReady says whether request's node was seen initialized.
func (f *flight) isReady(request string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.ready[request]
	return ok
}

// requests lists the requests the flight tracks.
func (f *flight) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.planned))
	for name := range f.planned {
		out = append(out, name)
	}
	return out
}
