package provisioner

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	tailorconfig "github.com/tailor-sh/tailor/pkg/apis/config"
)

// window collects the pods of one batch. It closes batchIdleDuration after the last
// new pod, batchMaxDuration after the first, or at once when it holds
// maxPodsPerBatch pods. Adding is O(1) and never blocks on planning.
type window struct {
	idle, max time.Duration
	maxPods   int

	mu    sync.Mutex
	pods  map[types.UID]*corev1.Pod
	order []types.UID
	// joined wakes the loop when a new pod joins; full when the batch is full.
	joined chan struct{}
	full   chan struct{}
}

func newWindow(args *tailorconfig.ProvisionerArgs) *window {
	return &window{
		idle:    args.BatchIdleDuration.Duration,
		max:     args.BatchMaxDuration.Duration,
		maxPods: int(args.MaxPodsPerBatch),
		pods:    map[types.UID]*corev1.Pod{},
		joined:  make(chan struct{}, 1),
		full:    make(chan struct{}, 1),
	}
}

// add puts pod in the open batch (a pod already there is refreshed, not added
// twice) and reports whether it is new to the batch.
func (w *window) add(pod *corev1.Pod) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.pods[pod.UID]; ok {
		w.pods[pod.UID] = pod
		return false
	}
	w.pods[pod.UID] = pod
	w.order = append(w.order, pod.UID)
	signal(w.joined)
	if len(w.order) >= w.maxPods {
		signal(w.full)
	}
	return true
}

// has says whether pod waits in the open batch.
func (w *window) has(uid types.UID) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.pods[uid]
	return ok
}

// take empties the batch and returns its pods in arrival order, at most maxPods;
// the rest stay for the next batch.
func (w *window) take() []*corev1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := min(len(w.order), w.maxPods)
	out := make([]*corev1.Pod, 0, n)
	for _, uid := range w.order[:n] {
		out = append(out, w.pods[uid])
		delete(w.pods, uid)
	}
	w.order = append([]types.UID(nil), w.order[n:]...)
	select {
	case <-w.full: // that batch is taken
	default:
	}
	if len(w.order) > 0 {
		signal(w.joined)
		if len(w.order) >= w.maxPods {
			signal(w.full)
		}
	}
	return out
}

// wait blocks until a batch has closed (or done is closed; then it returns false).
func (w *window) wait(done <-chan struct{}) bool {
	select {
	case <-w.joined:
	case <-done:
		return false
	}
	idle := time.NewTimer(w.idle)
	defer idle.Stop()
	max := time.NewTimer(w.max)
	defer max.Stop()
	for {
		select {
		case <-w.joined:
			idle.Reset(w.idle)
		case <-idle.C:
			return true
		case <-max.C:
			return true
		case <-w.full:
			return true
		case <-done:
			return false
		}
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
