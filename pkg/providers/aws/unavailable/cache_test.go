package unavailable

import (
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// step is one action on the cache followed by what it should answer.
type step struct {
	advance time.Duration
	mark    *offering // nil: only look
	// ask is the offering whose availability is checked after the action.
	ask             offering
	wantUnavailable bool
	// wantSeqChanged says whether SeqNum moved since the previous step.
	wantSeqChanged bool
}

var (
	m5a  = offering{"m5.large", "us-west-2a", "spot"}
	m5b  = offering{"m5.large", "us-west-2b", "spot"}
	m5od = offering{"m5.large", "us-west-2a", "on-demand"}
)

func TestCache(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name:  "an offering never marked is available",
			steps: []step{{ask: m5a}},
		},
		{
			name: "a marked offering is unavailable and the sequence number moves",
			steps: []step{
				{mark: &m5a, ask: m5a, wantUnavailable: true, wantSeqChanged: true},
			},
		},
		{
			name: "only the marked zone and capacity type are unavailable",
			steps: []step{
				{mark: &m5a, ask: m5b, wantSeqChanged: true},
				{ask: m5od},
				{ask: m5a, wantUnavailable: true},
			},
		},
		{
			name: "the mark expires after the TTL and the expiry counts as a change",
			steps: []step{
				{mark: &m5a, ask: m5a, wantUnavailable: true, wantSeqChanged: true},
				{advance: TTL - time.Second, ask: m5a, wantUnavailable: true},
				{advance: time.Second, ask: m5a, wantSeqChanged: true},
				{advance: time.Hour, ask: m5a},
			},
		},
		{
			name: "marking again restarts the TTL without a change",
			steps: []step{
				{mark: &m5a, ask: m5a, wantUnavailable: true, wantSeqChanged: true},
				{advance: 2 * time.Minute, mark: &m5a, ask: m5a, wantUnavailable: true},
				{advance: 2 * time.Minute, ask: m5a, wantUnavailable: true},
				{advance: time.Minute, ask: m5a, wantSeqChanged: true},
			},
		},
		{
			name: "entries expire one by one",
			steps: []step{
				{mark: &m5a, ask: m5a, wantUnavailable: true, wantSeqChanged: true},
				{advance: time.Minute, mark: &m5b, ask: m5b, wantUnavailable: true, wantSeqChanged: true},
				{advance: 2 * time.Minute, ask: m5a, wantSeqChanged: true},
				{ask: m5b, wantUnavailable: true},
				{advance: time.Minute, ask: m5b, wantSeqChanged: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			c := New(clk)
			seq := c.SeqNum()
			for i, s := range tt.steps {
				clk.Step(s.advance)
				if s.mark != nil {
					c.MarkUnavailable("InsufficientInstanceCapacity", s.mark.instanceType, s.mark.zone, s.mark.capacityType)
				}
				if got := c.IsUnavailable(s.ask.instanceType, s.ask.zone, s.ask.capacityType); got != s.wantUnavailable {
					t.Errorf("step %d: IsUnavailable(%v) = %v, want %v", i, s.ask, got, s.wantUnavailable)
				}
				next := c.SeqNum()
				if changed := next != seq; changed != s.wantSeqChanged {
					t.Errorf("step %d: sequence number changed = %v (%d -> %d), want %v", i, changed, seq, next, s.wantSeqChanged)
				}
				if next < seq {
					t.Errorf("step %d: sequence number went down, %d -> %d", i, seq, next)
				}
				seq = next
			}
		})
	}
}

func TestReasonIsKept(t *testing.T) {
	c := New(clocktesting.NewFakeClock(time.Now()))
	c.MarkUnavailable("MaxSpotInstanceCountExceeded", "c5.large", "us-west-2c", "spot")
	reason, ok := c.Reason("c5.large", "us-west-2c", "spot")
	if !ok || reason != "MaxSpotInstanceCountExceeded" {
		t.Fatalf("Reason = %q, %v; want MaxSpotInstanceCountExceeded, true", reason, ok)
	}
	if c.Len() != 1 {
		t.Fatalf("Len = %d, want 1", c.Len())
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New(clocktesting.NewFakeClock(time.Now()))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				c.MarkUnavailable("InsufficientInstanceCapacity", "m5.large", "us-west-2a", "spot")
				c.IsUnavailable("m5.large", "us-west-2a", "spot")
				c.SeqNum()
			}
		}()
	}
	wg.Wait()
	if got := c.SeqNum(); got != 1 {
		t.Fatalf("SeqNum = %d after marking one offering many times, want 1", got)
	}
}
