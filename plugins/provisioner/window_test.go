package provisioner

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tailorconfig "github.com/tailor-sh/tailor/pkg/apis/config"
)

func testWindow(maxPods int32) *window {
	return newWindow(&tailorconfig.ProvisionerArgs{
		BatchIdleDuration: metav1.Duration{Duration: 20 * time.Millisecond},
		BatchMaxDuration:  metav1.Duration{Duration: time.Second},
		MaxPodsPerBatch:   maxPods,
	})
}

// A pod that fails again while it waits in the batch is planned once.
func TestWindowKeepsAPodOnce(t *testing.T) {
	w := testWindow(10)
	pod := benchPod(1)
	if !w.add(pod) || w.add(pod) {
		t.Fatal("the second add of the same pod must not count as new")
	}
	if !w.wait(make(chan struct{})) {
		t.Fatal("the batch did not close")
	}
	if got := w.take(); len(got) != 1 {
		t.Fatalf("took %d pods, want 1", len(got))
	}
}

// A full batch closes at once, and what did not fit opens the next one.
func TestWindowClosesWhenFull(t *testing.T) {
	w := testWindow(2)
	for i := range 3 {
		w.add(benchPod(i))
	}
	start := time.Now()
	w.wait(make(chan struct{}))
	if first := w.take(); len(first) != 2 {
		t.Fatalf("first batch has %d pods, want 2", len(first))
	}
	if !w.wait(make(chan struct{})) {
		t.Fatal("the rest did not make a batch")
	}
	if rest := w.take(); len(rest) != 1 || rest[0].Name != "pod-2" {
		t.Fatalf("second batch = %v, want pod-2", rest)
	}
	if time.Since(start) > 900*time.Millisecond {
		t.Fatal("the batches waited for the max duration instead of closing")
	}
}

// A pod that waits for a request is told so until the request's node has been
// initialized for longer than the settle time; then it may be planned again.
func TestFlightWaitsUntilTheNodeSettles(t *testing.T) {
	f := newFlight()
	pod := benchPod(1)
	f.assign("general-abc", []*corev1.Pod{pod})
	now := time.Now()
	if r, ok := f.waitsFor(pod.UID, now); !ok || r != "general-abc" {
		t.Fatalf("waitsFor = %q, %v; want general-abc", r, ok)
	}
	f.ready["general-abc"] = now.Add(-reservation - time.Second) // longer ago than settle and reservation
	if _, ok := f.waitsFor(pod.UID, now); ok {
		t.Fatal("a pod whose node settled long ago must be planned again")
	}
	f.fail("general-abc", "no capacity")
	reserved, _ := f.reservedFor("general-abc", "other", now)
	if reserved {
		t.Fatal("the reservation must lapse after the reservation time")
	}
}
