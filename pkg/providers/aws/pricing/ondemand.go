package pricing

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	pricingtypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// UpdateOnDemandPricing replaces the on-demand prices with the Pricing API's list
// prices of Linux, shared-tenancy instances in the region. When the API fails it
// keeps the last prices it got, or falls back to the embedded table if it never got
// any; it logs which and records the error in Status, then returns the error.
func (p *Provider) UpdateOnDemandPricing(ctx context.Context) error {
	prices, err := p.fetchOnDemandPrices(ctx)
	if err != nil {
		err = fmt.Errorf("updating on-demand prices of region %s, %w", p.region, err)
		p.keepOnDemandPrices(ctx, err)
		return err
	}
	p.mu.Lock()
	p.onDemand = prices
	p.status.OnDemandSource = SourceAPI
	p.status.LastError = nil
	p.status.UpdatedAt = p.clk.Now()
	p.mu.Unlock()
	p.generation.Add(1)
	log.FromContext(ctx).V(1).Info("updated on-demand prices", "region", p.region, "instanceTypes", len(prices))
	return nil
}

// keepOnDemandPrices records a failed update: the prices from the API stay, or the
// fallback table is used when there are none.
func (p *Provider) keepOnDemandPrices(ctx context.Context, err error) {
	p.mu.Lock()
	p.status.LastError = err
	source := p.status.OnDemandSource
	if source == SourceFallback {
		p.onDemand = fallbackOnDemandPrices
	}
	p.mu.Unlock()
	if source == SourceAPI {
		log.FromContext(ctx).Error(err, "keeping last on-demand prices", "region", p.region, "updatedAt", p.Status().UpdatedAt)
		return
	}
	log.FromContext(ctx).Error(err, "using fallback on-demand prices", "region", p.region, "fallbackRegion", fallbackRegion, "instanceTypes", len(fallbackOnDemandPrices))
}

// onDemandFilters select Linux, shared-tenancy, on-demand instance hours in region,
// without pre-installed software and excluding capacity reservations.
func onDemandFilters(region string) []pricingtypes.Filter {
	termMatch := func(field, value string) pricingtypes.Filter {
		return pricingtypes.Filter{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String(field), Value: aws.String(value)}
	}
	return []pricingtypes.Filter{
		termMatch("regionCode", region),
		termMatch("operatingSystem", "Linux"),
		termMatch("tenancy", "Shared"),
		termMatch("preInstalledSw", "NA"),
		termMatch("capacitystatus", "Used"),
	}
}

// pricingMaxAttempts is lower than for EC2 calls: nothing waits for on-demand
// prices (the last or the embedded ones serve meanwhile), and an outage should be
// reported within seconds, not after a minute of backoff.
const pricingMaxAttempts = 3

// fetchOnDemandPrices pages through GetProducts and returns the hourly price of
// every instance type it names.
func (p *Provider) fetchOnDemandPrices(ctx context.Context) (map[string]float64, error) {
	input := &awspricing.GetProductsInput{
		ServiceCode:   aws.String("AmazonEC2"),
		Filters:       onDemandFilters(p.region),
		FormatVersion: aws.String("aws_v1"),
	}
	prices := map[string]float64{}
	pages := awspricing.NewGetProductsPaginator(p.pricing, input)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx, func(o *awspricing.Options) { o.RetryMaxAttempts = pricingMaxAttempts })
		if err != nil {
			return nil, fmt.Errorf("getting products, %w", err)
		}
		for _, doc := range page.PriceList {
			instanceType, price, err := parsePriceDocument(doc)
			if err != nil {
				return nil, err
			}
			if _, seen := prices[instanceType]; !seen && instanceType != "" && price > 0 {
				prices[instanceType] = price
			}
		}
	}
	if len(prices) == 0 {
		return nil, fmt.Errorf("getting products, no on-demand prices listed for region %s", p.region)
	}
	return prices, nil
}

// priceDocument is the part of a Price List product document that is read: the
// instance type and the USD rates of its on-demand terms.
type priceDocument struct {
	Product struct {
		Attributes struct {
			InstanceType string `json:"instanceType"`
		} `json:"attributes"`
	} `json:"product"`
	Terms struct {
		OnDemand map[string]struct {
			PriceDimensions map[string]struct {
				PricePerUnit struct {
					USD string `json:"USD"`
				} `json:"pricePerUnit"`
			} `json:"priceDimensions"`
		} `json:"OnDemand"`
	} `json:"terms"`
}

// parsePriceDocument reads one PriceList entry. A product has one on-demand term
// with one hourly dimension; if it lists more, any non-zero rate among them is
// used. Products without an instance type or a price give "" or 0.
func parsePriceDocument(doc string) (instanceType string, price float64, err error) {
	var d priceDocument
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return "", 0, fmt.Errorf("parsing price list document, %w", err)
	}
	for _, term := range d.Terms.OnDemand {
		for _, dimension := range term.PriceDimensions {
			usd, err := strconv.ParseFloat(dimension.PricePerUnit.USD, 64)
			if err != nil {
				return "", 0, fmt.Errorf("parsing price %q of %s, %w", dimension.PricePerUnit.USD, d.Product.Attributes.InstanceType, err)
			}
			if usd > 0 {
				return d.Product.Attributes.InstanceType, usd, nil
			}
		}
	}
	return d.Product.Attributes.InstanceType, 0, nil
}
