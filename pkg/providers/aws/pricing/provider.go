// Package pricing keeps the on-demand and spot prices of EC2 instance types in one
// region, refreshed from the AWS Pricing API and EC2's spot price history by one
// singleton loop (Run) and read through context-free getters that never call AWS.
//
// When the Pricing API cannot be reached the provider keeps the last prices it got,
// or, before it ever got any, uses a table generated from the project's catalog
// (zz_generated.fallback.go), and says so in Status and in the log.
package pricing

//go:generate go run ../../../../hack/pricing-fallback

import (
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/utils/clock"

	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
)

// Source says where the on-demand prices in use came from.
type Source string

const (
	// SourceAPI: the last successful GetProducts pages.
	SourceAPI Source = "api"
	// SourceFallback: the embedded table, because the API has not answered yet.
	SourceFallback Source = "fallback"
)

// Status describes the prices in use, for a status condition or an event.
type Status struct {
	// OnDemandSource is where the on-demand prices came from.
	OnDemandSource Source
	// LastError is the error of the last on-demand update, nil once one succeeds.
	LastError error
	// UpdatedAt is when on-demand prices last came from the API (zero: never).
	UpdatedAt time.Time
	// SpotLastError is the error of the last spot update, nil once one succeeds.
	SpotLastError error
	// SpotUpdatedAt is when spot prices last came from EC2 (zero: never).
	SpotUpdatedAt time.Time
}

// Provider holds the prices of one region. Its getters are safe for concurrent use
// while an update runs.
type Provider struct {
	pricing sdk.PricingAPI
	ec2     sdk.EC2API
	region  string
	clk     clock.Clock
	// generation counts changes to the prices, so that callers can reuse work
	// done with the same prices.
	generation atomic.Uint64

	mu       sync.RWMutex
	onDemand map[string]float64
	spot     map[spotKey]float64
	status   Status
}

// spotKey is an instance type in a zone.
type spotKey struct {
	instanceType, zone string
}

// NewProvider returns a provider for region that answers with the fallback
// on-demand prices until UpdateOnDemandPricing succeeds, and knows no spot prices
// until UpdateSpotPricing does.
func NewProvider(pricingAPI sdk.PricingAPI, ec2API sdk.EC2API, region string, clk clock.Clock) *Provider {
	return &Provider{
		pricing:  pricingAPI,
		ec2:      ec2API,
		region:   region,
		clk:      clk,
		onDemand: fallbackOnDemandPrices,
		spot:     map[spotKey]float64{},
		status:   Status{OnDemandSource: SourceFallback},
	}
}

// OnDemandPrice returns the hourly on-demand price of instanceType in USD.
func (p *Provider) OnDemandPrice(instanceType string) (float64, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	price, ok := p.onDemand[instanceType]
	return price, ok
}

// SpotPrice returns the latest hourly spot price of instanceType in zone in USD.
func (p *Provider) SpotPrice(instanceType, zone string) (float64, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	price, ok := p.spot[spotKey{instanceType: instanceType, zone: zone}]
	return price, ok
}

// Status reports where the prices in use came from and the last update errors.
func (p *Provider) Status() Status {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.status
}

// Generation grows whenever prices change.
func (p *Provider) Generation() uint64 { return p.generation.Load() }

// Region the prices are for.
func (p *Provider) Region() string { return p.region }
