package pricing

import (
	"context"
	"time"
)

const (
	// OnDemandRefreshInterval: AWS changes list prices rarely (a few times a year),
	// and the Pricing API is slow and rate-limited, so twice a day is plenty.
	OnDemandRefreshInterval = 12 * time.Hour
	// SpotRefreshInterval: spot prices move gradually, within hours; five minutes
	// keeps spot choices current for a few calls per refresh.
	SpotRefreshInterval = 5 * time.Minute
	// OnDemandRetryInterval: after a failed on-demand update, try again soon rather
	// than running on stale or fallback prices for a whole refresh interval.
	OnDemandRetryInterval = 5 * time.Minute
)

// Run refreshes the prices until ctx ends: on-demand prices at once and then every
// OnDemandRefreshInterval (OnDemandRetryInterval after a failure), spot prices at
// once and then every SpotRefreshInterval.
//
// Run one per process, in the launcher's singleton controllers (leader-elected, so
// one replica calls AWS); everything else reads the getters, which never call AWS.
// Update failures are logged and recorded in Status by the update methods.
func (p *Provider) Run(ctx context.Context) {
	onDemand := p.clk.NewTimer(0)
	defer onDemand.Stop()
	spot := p.clk.NewTimer(0)
	defer spot.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-onDemand.C():
			next := OnDemandRefreshInterval
			if p.UpdateOnDemandPricing(ctx) != nil {
				next = OnDemandRetryInterval
			}
			onDemand.Reset(next)
		case <-spot.C():
			_ = p.UpdateSpotPricing(ctx)
			spot.Reset(SpotRefreshInterval)
		}
	}
}
