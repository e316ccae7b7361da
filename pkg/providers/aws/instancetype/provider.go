// Package instancetype discovers the EC2 instance types of a region and where each
// is offered, and turns them, with prices and a node class's kubelet settings, into
// cloudprovider.InstanceTypes: well-known labels as requirements, offerings per zone
// and capacity type, capacity and overhead.
//
// Discovery (UpdateInstanceTypes, UpdateInstanceTypeOfferings) calls EC2 and runs
// in a singleton refresh loop (Run). List reads only what discovery cached, so the
// scheduler plugin and simulations can call it on their hot paths.
package instancetype

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tailor-sh/tailor/pkg/providers/aws/pricing"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
	"github.com/tailor-sh/tailor/pkg/providers/aws/unavailable"
)

// ErrNotDiscovered is returned by List before discovery has found instance types
// and their offerings.
var ErrNotDiscovered = errors.New("instance types and their offerings are not discovered yet; the launcher retries once EC2 answers")

// Provider caches the region's instance types and offerings and builds instance
// type lists from them. It is safe for concurrent use.
type Provider struct {
	ec2         sdk.EC2API
	pricing     *pricing.Provider
	unavailable *unavailable.Cache
	settings    settings.Settings
	// generation counts changes to the discovered types and offerings; it moves
	// under mu, with them.
	generation atomic.Uint64

	mu sync.RWMutex
	// shapes of the supported instance types, by name.
	shapes map[string]*shape
	// zones where each instance type is offered.
	zones map[string][]string
	// zoneIDs by zone name.
	zoneIDs map[string]string

	memo memo
}

// NewProvider returns a provider that knows no instance types until the updates run.
func NewProvider(ec2API sdk.EC2API, pricingProvider *pricing.Provider, unavailableOfferings *unavailable.Cache, s settings.Settings) *Provider {
	return &Provider{
		ec2:         ec2API,
		pricing:     pricingProvider,
		unavailable: unavailableOfferings,
		settings:    s.Defaults(),
		memo:        memo{entries: map[string]memoEntry{}},
	}
}

// UpdateInstanceTypes replaces the cached instance types with those EC2 describes,
// keeping only types Linux nodes can run on (see supported). On failure the cached
// types stay.
func (p *Provider) UpdateInstanceTypes(ctx context.Context) error {
	shapes := map[string]*shape{}
	skipped := 0
	pages := ec2.NewDescribeInstanceTypesPaginator(p.ec2, &ec2.DescribeInstanceTypesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describing instance types, %w", err)
		}
		for _, info := range page.InstanceTypes {
			s, ok := newShape(info, p.settings)
			if !ok {
				skipped++
				continue
			}
			shapes[s.name] = s
		}
	}
	if len(shapes) == 0 {
		return fmt.Errorf("describing instance types, EC2 listed no supported instance type in region %s", p.settings.Region)
	}
	p.mu.Lock()
	p.shapes = shapes
	p.generation.Add(1)
	p.mu.Unlock()
	log.FromContext(ctx).V(1).Info("discovered instance types", "instanceTypes", len(shapes), "skipped", skipped)
	return nil
}

// UpdateInstanceTypeOfferings replaces the cached zones of every instance type with
// those EC2 offers it in, and the zone ids of the region. On failure the cached
// offerings stay.
func (p *Provider) UpdateInstanceTypeOfferings(ctx context.Context) error {
	zones, err := p.describeOfferings(ctx)
	if err != nil {
		return err
	}
	zoneIDs, err := p.describeZoneIDs(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.zones, p.zoneIDs = zones, zoneIDs
	p.generation.Add(1)
	p.mu.Unlock()
	log.FromContext(ctx).V(1).Info("discovered instance type offerings", "instanceTypes", len(zones), "zones", len(zoneIDs))
	return nil
}

// describeOfferings pages through the zone offerings and returns each type's zones,
// sorted.
func (p *Provider) describeOfferings(ctx context.Context) (map[string][]string, error) {
	zones := map[string][]string{}
	input := &ec2.DescribeInstanceTypeOfferingsInput{LocationType: ec2types.LocationTypeAvailabilityZone}
	pages := ec2.NewDescribeInstanceTypeOfferingsPaginator(p.ec2, input)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing instance type offerings, %w", err)
		}
		for _, o := range page.InstanceTypeOfferings {
			if zone := aws.ToString(o.Location); zone != "" {
				zones[string(o.InstanceType)] = append(zones[string(o.InstanceType)], zone)
			}
		}
	}
	if len(zones) == 0 {
		return nil, fmt.Errorf("describing instance type offerings, EC2 listed none in region %s", p.settings.Region)
	}
	for name, list := range zones {
		sort.Strings(list)
		zones[name] = dedupeSorted(list)
	}
	return zones, nil
}

// describeZoneIDs maps the region's zone names to zone ids.
func (p *Provider) describeZoneIDs(ctx context.Context) (map[string]string, error) {
	out, err := p.ec2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	if err != nil {
		return nil, fmt.Errorf("describing availability zones, %w", err)
	}
	ids := make(map[string]string, len(out.AvailabilityZones))
	for _, z := range out.AvailabilityZones {
		if name, id := aws.ToString(z.ZoneName), aws.ToString(z.ZoneId); name != "" && id != "" {
			ids[name] = id
		}
	}
	return ids, nil
}

func dedupeSorted(list []string) []string {
	out := list[:0]
	for i, s := range list {
		if i == 0 || s != list[i-1] {
			out = append(out, s)
		}
	}
	return out
}
