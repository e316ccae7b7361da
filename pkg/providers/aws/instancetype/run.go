package instancetype

import (
	"context"
	"errors"
	"time"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

const (
	// RefreshInterval: EC2 adds instance types and zone offerings a few times a
	// month, so twice a day finds them soon enough at a handful of calls.
	RefreshInterval = 12 * time.Hour
	// RetryInterval: until discovery succeeds no node can be planned, so a failed
	// refresh is retried soon.
	RetryInterval = time.Minute
)

// Run discovers instance types and offerings at once and then every
// RefreshInterval (RetryInterval after a failure), until ctx ends. Run one per
// process, in the launcher's leader-elected singleton controllers; List never
// waits for it and meanwhile serves the last discovery.
func (p *Provider) Run(ctx context.Context, clk clock.WithTicker) {
	timer := clk.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
			next := RefreshInterval
			if err := p.Refresh(ctx); err != nil {
				next = RetryInterval
				log.FromContext(ctx).Error(err, "keeping last instance type discovery", "retryIn", next)
			}
			timer.Reset(next)
		}
	}
}

// Refresh runs both discoveries and returns their errors; each keeps the last good
// result when it fails.
func (p *Provider) Refresh(ctx context.Context) error {
	return errors.Join(p.UpdateInstanceTypes(ctx), p.UpdateInstanceTypeOfferings(ctx))
}
