package pricing

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// spotProductDescriptions are the Linux spot products: VPC and EC2-Classic era names
// of the same thing, both still reported.
var spotProductDescriptions = []string{"Linux/UNIX (Amazon VPC)", "Linux/UNIX"}

// UpdateSpotPricing replaces the spot prices with the newest price EC2 reports for
// each instance type and zone. When EC2 fails it keeps the last prices, logs it and
// records the error in Status, then returns the error.
func (p *Provider) UpdateSpotPricing(ctx context.Context) error {
	prices, err := p.fetchSpotPrices(ctx)
	if err != nil {
		err = fmt.Errorf("updating spot prices of region %s, %w", p.region, err)
		p.mu.Lock()
		p.status.SpotLastError = err
		kept := len(p.spot)
		p.mu.Unlock()
		log.FromContext(ctx).Error(err, "keeping last spot prices", "region", p.region, "offerings", kept)
		return err
	}
	p.mu.Lock()
	p.spot = prices
	p.status.SpotLastError = nil
	p.status.SpotUpdatedAt = p.clk.Now()
	p.mu.Unlock()
	p.generation.Add(1)
	log.FromContext(ctx).V(1).Info("updated spot prices", "region", p.region, "offerings", len(prices))
	return nil
}

// fetchSpotPrices pages through the spot price history from now on, which EC2
// answers with the current price of every type and zone, and keeps the newest.
func (p *Provider) fetchSpotPrices(ctx context.Context) (map[spotKey]float64, error) {
	input := &ec2.DescribeSpotPriceHistoryInput{
		ProductDescriptions: spotProductDescriptions,
		StartTime:           aws.Time(p.clk.Now()),
	}
	newest := map[spotKey]datedPrice{}
	pages := ec2.NewDescribeSpotPriceHistoryPaginator(p.ec2, input)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing spot price history, %w", err)
		}
		for _, sp := range page.SpotPriceHistory {
			if err := keepNewest(newest, sp); err != nil {
				return nil, err
			}
		}
	}
	if len(newest) == 0 {
		return nil, fmt.Errorf("describing spot price history, no spot prices listed for region %s", p.region)
	}
	prices := make(map[spotKey]float64, len(newest))
	for key, dp := range newest {
		prices[key] = dp.price
	}
	return prices, nil
}

// datedPrice is a spot price and when it was set.
type datedPrice struct {
	price float64
	at    time.Time
}

// keepNewest records sp in newest unless a later price of its type and zone is
// already there. Entries without a zone or price are skipped.
func keepNewest(newest map[spotKey]datedPrice, sp ec2types.SpotPrice) error {
	zone, raw := aws.ToString(sp.AvailabilityZone), aws.ToString(sp.SpotPrice)
	if zone == "" || raw == "" || sp.InstanceType == "" {
		return nil
	}
	price, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return fmt.Errorf("parsing spot price %q of %s in %s, %w", raw, sp.InstanceType, zone, err)
	}
	key := spotKey{instanceType: string(sp.InstanceType), zone: zone}
	at := aws.ToTime(sp.Timestamp)
	if old, ok := newest[key]; ok && !at.After(old.at) {
		return nil
	}
	newest[key] = datedPrice{price: price, at: at}
	return nil
}
