package lifecycle

import (
	"sync"
	"time"
)

// InFlight tracks the launches under way in this process. An instance exists
// before its Create call returns (EC2 answers CreateFleet, then the instance is
// described and tagged with its claim, each retried under throttling): garbage
// collection must not take such an untagged instance for a leak.
type InFlight struct {
	mu     sync.Mutex
	starts map[int]time.Time
	next   int
}

// NewInFlight returns an empty tracker.
func NewInFlight() *InFlight { return &InFlight{starts: map[int]time.Time{}} }

// begin records a launch started at now; the returned func ends it.
func (f *InFlight) begin(now time.Time) (end func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.next
	f.next++
	f.starts[id] = now
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.starts, id)
	}
}

// OldestStart is when the oldest launch under way started; false when none is.
func (f *InFlight) OldestStart() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var oldest time.Time
	for _, t := range f.starts {
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	return oldest, !oldest.IsZero()
}
