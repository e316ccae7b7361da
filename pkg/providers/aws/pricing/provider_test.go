package pricing

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
	"github.com/tailor-sh/tailor/pkg/providers/aws/awstest"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
)

// simulated is a simulated region with a pricing provider on the real SDK
// clients, with the production retryer.
type simulated struct {
	sim      *ec2sim.Simulator
	clk      *clocktesting.FakeClock
	provider *Provider
}

func newSimulated(t *testing.T) simulated {
	t.Helper()
	sim := ec2sim.New(ec2sim.Options{})
	t.Cleanup(sim.Close)
	clients := fastRetryingClients(sim)
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	return simulated{sim: sim, clk: clk, provider: NewProvider(clients.Pricing, clients.EC2, sim.Region(), clk)}
}

// quickBackoff replaces the production backoff (seconds) in tests.
const quickBackoff = 10 * time.Millisecond

// fastRetryingClients are the SDK clients the launcher uses, with the production
// retryer (attempts, retry quota, which errors are retried) but quickBackoff, so
// that injected throttling and outages play out as in production, only faster.
func fastRetryingClients(sim *ec2sim.Simulator) awstest.Clients {
	cfg := awstest.Config(sim)
	cfg.Retryer = func() aws.Retryer { return retry.AddWithMaxBackoffDelay(sdk.NewRetryer(), quickBackoff) }
	return awstest.Clients{EC2: ec2.NewFromConfig(cfg), Pricing: awspricing.NewFromConfig(cfg)}
}

// recordingLogger keeps the messages logged through the context, errors included.
type recordingLogger struct {
	mu    sync.Mutex
	lines []string
}

func (r *recordingLogger) context(t *testing.T) context.Context {
	logger := funcr.New(func(prefix, args string) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.lines = append(r.lines, args)
	}, funcr.Options{Verbosity: 1})
	return log.IntoContext(t.Context(), logger)
}

func (r *recordingLogger) logged(msg string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.lines {
		if strings.Contains(l, `"msg"="`+msg+`"`) {
			return true
		}
	}
	return false
}

func TestOnDemandPricesAreTheCatalogs(t *testing.T) {
	s := newSimulated(t)
	if err := s.provider.UpdateOnDemandPricing(t.Context()); err != nil {
		t.Fatalf("UpdateOnDemandPricing: %v", err)
	}
	expectCatalogPrices(t, s.provider)
	status := s.provider.Status()
	if status.OnDemandSource != SourceAPI || status.LastError != nil || !status.UpdatedAt.Equal(s.clk.Now()) {
		t.Errorf("Status = %+v, want source api, no error, updated now", status)
	}
	if _, ok := s.provider.OnDemandPrice("no-such.type"); ok {
		t.Error("a type the API does not list has a price")
	}
}

func TestSpotPricesAreTheSimulators(t *testing.T) {
	s := newSimulated(t)
	if err := s.provider.UpdateSpotPricing(t.Context()); err != nil {
		t.Fatalf("UpdateSpotPricing: %v", err)
	}
	expectSimulatorSpotPrices(t, s)
	if s.provider.Status().SpotUpdatedAt.IsZero() {
		t.Error("Status does not say when spot prices were updated")
	}
}

func TestPricingOutageUsesFallback(t *testing.T) {
	s := newSimulated(t)
	s.sim.SetPricingOutage(true)
	logs := &recordingLogger{}
	err := s.provider.UpdateOnDemandPricing(logs.context(t))
	if err == nil {
		t.Fatal("UpdateOnDemandPricing succeeded during an outage")
	}
	status := s.provider.Status()
	if status.OnDemandSource != SourceFallback || status.LastError == nil || !status.UpdatedAt.IsZero() {
		t.Errorf("Status = %+v, want source fallback with the error and no update time", status)
	}
	if !logs.logged("using fallback on-demand prices") {
		t.Errorf("the fallback was not logged; logged %q", logs.lines)
	}
	// The fallback table is generated from the catalog the simulator serves.
	expectCatalogPrices(t, s.provider)

	s.sim.SetPricingOutage(false)
	if err := s.provider.UpdateOnDemandPricing(t.Context()); err != nil {
		t.Fatalf("UpdateOnDemandPricing after the outage: %v", err)
	}
	if status := s.provider.Status(); status.OnDemandSource != SourceAPI || status.LastError != nil {
		t.Errorf("Status after the outage = %+v, want source api and no error", status)
	}
}

func TestPricingOutageKeepsLastPrices(t *testing.T) {
	s := newSimulated(t)
	if err := s.provider.UpdateOnDemandPricing(t.Context()); err != nil {
		t.Fatal(err)
	}
	generation, updatedAt := s.provider.Generation(), s.provider.Status().UpdatedAt
	s.sim.SetPricingOutage(true)
	s.clk.Step(OnDemandRefreshInterval)
	logs := &recordingLogger{}
	if err := s.provider.UpdateOnDemandPricing(logs.context(t)); err == nil {
		t.Fatal("UpdateOnDemandPricing succeeded during an outage")
	}
	status := s.provider.Status()
	if status.OnDemandSource != SourceAPI || status.LastError == nil || !status.UpdatedAt.Equal(updatedAt) {
		t.Errorf("Status = %+v, want source api, the error, and the last update time", status)
	}
	if !logs.logged("keeping last on-demand prices") {
		t.Errorf("keeping the last prices was not logged; logged %q", logs.lines)
	}
	if s.provider.Generation() != generation {
		t.Error("a failed update changed the price generation")
	}
	expectCatalogPrices(t, s.provider)
}

func TestThrottlingIsSurvived(t *testing.T) {
	s := newSimulated(t)
	s.sim.SetThrottleRate(0.3)
	if err := s.provider.UpdateOnDemandPricing(t.Context()); err != nil {
		t.Fatalf("UpdateOnDemandPricing under throttling: %v", err)
	}
	if err := s.provider.UpdateSpotPricing(t.Context()); err != nil {
		t.Fatalf("UpdateSpotPricing under throttling: %v", err)
	}
	if s.provider.Status().OnDemandSource != SourceAPI {
		t.Error("on-demand prices did not come from the API")
	}
	expectCatalogPrices(t, s.provider)
	expectSimulatorSpotPrices(t, s)
}

func TestRunRefreshesOnSchedule(t *testing.T) {
	s := newSimulated(t)
	ctx, cancel := context.WithCancel(log.IntoContext(t.Context(), logr.Discard()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.provider.Run(ctx)
	}()
	waitFor(t, "Run to start its timers", func() bool { return s.clk.Waiters() == 2 })
	s.clk.Step(0)
	waitFor(t, "the first updates", func() bool {
		st := s.provider.Status()
		return st.OnDemandSource == SourceAPI && !st.SpotUpdatedAt.IsZero() && s.clk.Waiters() == 2
	})
	first := s.provider.Status()

	s.clk.Step(SpotRefreshInterval)
	waitFor(t, "a spot refresh", func() bool { return s.provider.Status().SpotUpdatedAt.After(first.SpotUpdatedAt) })
	if !s.provider.Status().UpdatedAt.Equal(first.UpdatedAt) {
		t.Error("on-demand prices were refreshed before OnDemandRefreshInterval")
	}
	cancel()
	<-done
}

func expectCatalogPrices(t *testing.T, p *Provider) {
	t.Helper()
	for _, it := range catalog.Default() {
		if it.OnDemandPricePerHour <= 0 {
			continue
		}
		if got, ok := p.OnDemandPrice(it.Name); !ok || got != it.OnDemandPricePerHour {
			t.Errorf("OnDemandPrice(%s) = %v, %v; want %v", it.Name, got, ok, it.OnDemandPricePerHour)
		}
	}
}

func expectSimulatorSpotPrices(t *testing.T, s simulated) {
	t.Helper()
	priced := 0
	for _, it := range catalog.Default() {
		for _, zone := range s.sim.Zones() {
			want := s.sim.SpotPrice(it.Name, zone)
			got, ok := s.provider.SpotPrice(it.Name, zone)
			if want == 0 {
				if ok {
					t.Errorf("SpotPrice(%s, %s) = %v, but the type is not sold as spot there", it.Name, zone, got)
				}
				continue
			}
			priced++
			if !ok || got != want {
				t.Errorf("SpotPrice(%s, %s) = %v, %v; want %v", it.Name, zone, got, ok, want)
			}
		}
	}
	if priced == 0 {
		t.Fatal("the simulator sells nothing as spot")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
