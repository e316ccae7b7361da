// Package unavailable remembers offerings (instance type, zone, capacity type) that
// recently failed to launch for lack of capacity, so that instance type lists mark
// them unavailable for a while and the next launch tries another offering.
package unavailable

import (
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/utils/clock"
)

// TTL is how long an offering stays unavailable after a capacity error. EC2 capacity
// shortages usually clear within minutes, and retrying sooner mostly fails again.
const TTL = 3 * time.Minute

// Cache is a set of offerings known to lack capacity, each forgotten after TTL. It
// is safe for concurrent use; its methods take no context and make no calls.
type Cache struct {
	clk clock.PassiveClock
	// seq counts changes to what IsUnavailable answers.
	seq atomic.Uint64

	mu      sync.Mutex
	entries map[offering]entry
	// nextExpiry is the earliest expiry among entries, so that sweeps are free
	// until something can have expired.
	nextExpiry time.Time
}

type offering struct {
	instanceType, zone, capacityType string
}

type entry struct {
	reason  string
	expires time.Time
}

// New returns an empty cache that reads time from clk.
func New(clk clock.PassiveClock) *Cache {
	return &Cache{clk: clk, entries: map[offering]entry{}}
}

// MarkUnavailable records that the offering lacks capacity, for reason (usually
// the EC2 error code). Marking an offering that is already unavailable restarts its
// TTL without counting as a change.
func (c *Cache) MarkUnavailable(reason, instanceType, zone, capacityType string) {
	key := offering{instanceType: instanceType, zone: zone, capacityType: capacityType}
	now := c.clk.Now()
	expires := now.Add(TTL)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweepLocked(now)
	_, known := c.entries[key]
	c.entries[key] = entry{reason: reason, expires: expires}
	if c.nextExpiry.IsZero() || expires.Before(c.nextExpiry) {
		c.nextExpiry = expires
	}
	if !known {
		c.seq.Add(1)
	}
}

// IsUnavailable reports whether the offering was marked within the last TTL.
func (c *Cache) IsUnavailable(instanceType, zone, capacityType string) bool {
	_, ok := c.Reason(instanceType, zone, capacityType)
	return ok
}

// Reason returns why the offering is unavailable; ok is false when it is available.
func (c *Cache) Reason(instanceType, zone, capacityType string) (reason string, ok bool) {
	key := offering{instanceType: instanceType, zone: zone, capacityType: capacityType}
	now := c.clk.Now()

	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.entries[key]
	if !found || !now.Before(e.expires) {
		return "", false
	}
	return e.reason, true
}

// SeqNum returns a number that grows whenever an offering becomes unavailable or
// available again (its TTL ran out), so that callers can reuse work done for the
// same number.
func (c *Cache) SeqNum() uint64 {
	now := c.clk.Now()
	c.mu.Lock()
	c.sweepLocked(now)
	c.mu.Unlock()
	return c.seq.Load()
}

// Len is the number of offerings currently unavailable.
func (c *Cache) Len() int {
	now := c.clk.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweepLocked(now)
	return len(c.entries)
}

// sweepLocked drops expired entries and counts their expiry as one change.
func (c *Cache) sweepLocked(now time.Time) {
	if c.nextExpiry.IsZero() || now.Before(c.nextExpiry) {
		return
	}
	var next time.Time
	removed := false
	for key, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, key)
			removed = true
			continue
		}
		if next.IsZero() || e.expires.Before(next) {
			next = e.expires
		}
	}
	c.nextExpiry = next
	if removed {
		c.seq.Add(1)
	}
}
