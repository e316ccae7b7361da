package instancetype

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	corev1 "k8s.io/api/core/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/providers/aws/awstest"
	"github.com/tailor-sh/tailor/pkg/providers/aws/pricing"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
	"github.com/tailor-sh/tailor/pkg/providers/aws/unavailable"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// environment is a simulated region and the providers built on the real SDK
// clients, with the production retryer, pointed at it.
type environment struct {
	sim         *ec2sim.Simulator
	clk         *clocktesting.FakeClock
	pricing     *pricing.Provider
	unavailable *unavailable.Cache
	provider    *Provider
}

// newEnvironment starts a simulator and builds the providers; it does not discover.
func newEnvironment(tb testing.TB, opts ec2sim.Options) *environment {
	tb.Helper()
	sim := ec2sim.New(opts)
	tb.Cleanup(sim.Close)
	clients := fastRetryingClients(sim)
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	env := &environment{sim: sim, clk: clk}
	env.pricing = pricing.NewProvider(clients.Pricing, clients.EC2, sim.Region(), clk)
	env.unavailable = unavailable.New(clk)
	env.provider = NewProvider(clients.EC2, env.pricing, env.unavailable, settings.Settings{Region: sim.Region(), ClusterName: "test"})
	return env
}

// discovered is newEnvironment with prices, instance types and offerings fetched.
func discovered(tb testing.TB, opts ec2sim.Options) *environment {
	tb.Helper()
	env := newEnvironment(tb, opts)
	env.discover(tb, context.Background())
	return env
}

func (env *environment) discover(tb testing.TB, ctx context.Context) {
	tb.Helper()
	for name, update := range map[string]func(context.Context) error{
		"on-demand prices": env.pricing.UpdateOnDemandPricing,
		"spot prices":      env.pricing.UpdateSpotPricing,
		"instance types":   env.provider.UpdateInstanceTypes,
		"offerings":        env.provider.UpdateInstanceTypeOfferings,
	} {
		if err := update(ctx); err != nil {
			tb.Fatalf("updating %s: %v", name, err)
		}
	}
}

// quickBackoff replaces the production backoff (seconds) in tests.
const quickBackoff = 10 * time.Millisecond

// fastRetryingClients are the SDK clients the launcher uses, with the production
// retryer (attempts, retry quota, which errors are retried) but quickBackoff, so
// that injected throttling is survived as in production, only faster.
func fastRetryingClients(sim *ec2sim.Simulator) awstest.Clients {
	cfg := awstest.Config(sim)
	cfg.Retryer = func() aws.Retryer { return retry.AddWithMaxBackoffDelay(sdk.NewRetryer(), quickBackoff) }
	return awstest.Clients{EC2: ec2.NewFromConfig(cfg), Pricing: awspricing.NewFromConfig(cfg)}
}

// definedKeys are the labels every instance type sets when it has the attribute.
func definedKeys() map[string]bool { return wellknown.InstanceTypeLabels }

// requirement is shorthand for a NodePool requirement.
func requirement(key string, op corev1.NodeSelectorOperator, values ...string) *scheduling.Requirement {
	return scheduling.NewRequirement(key, op, values...)
}
