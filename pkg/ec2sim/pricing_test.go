package ec2sim

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	pricingtypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// priceDoc is the part of a Price List product document a provider reads.
type priceDoc struct {
	Product struct {
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
	} `json:"product"`
	Terms struct {
		OnDemand map[string]struct {
			PriceDimensions map[string]struct {
				Unit         string            `json:"unit"`
				PricePerUnit map[string]string `json:"pricePerUnit"`
			} `json:"priceDimensions"`
		} `json:"OnDemand"`
	} `json:"terms"`
}

func termMatch(field, value string) pricingtypes.Filter {
	return pricingtypes.Filter{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String(field), Value: aws.String(value)}
}

// linuxFilters are the filters a provider sends for Linux on-demand prices.
func linuxFilters(region string, extra ...pricingtypes.Filter) []pricingtypes.Filter {
	return append([]pricingtypes.Filter{
		termMatch("regionCode", region), termMatch("serviceCode", "AmazonEC2"), termMatch("preInstalledSw", "NA"),
		termMatch("operatingSystem", "Linux"), termMatch("capacitystatus", "Used"), termMatch("marketoption", "OnDemand"),
	}, extra...)
}

// fetchPrices pages through GetProducts and returns price by instance type and the
// number of pages.
func fetchPrices(t *testing.T, client *pricing.Client, filters []pricingtypes.Filter) (map[string]float64, int) {
	t.Helper()
	prices, pages := map[string]float64{}, 0
	paginator := pricing.NewGetProductsPaginator(client, &pricing.GetProductsInput{
		ServiceCode: aws.String("AmazonEC2"), FormatVersion: aws.String("aws_v1"), Filters: filters, MaxResults: aws.Int32(100),
	})
	for paginator.HasMorePages() {
		out, err := paginator.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetProducts: %v", err)
		}
		pages++
		if len(out.PriceList) > 100 {
			t.Fatalf("page of %d documents, want at most 100", len(out.PriceList))
		}
		for _, raw := range out.PriceList {
			name, price := parsePriceDoc(t, raw)
			prices[name] = price
		}
	}
	return prices, pages
}

func parsePriceDoc(t *testing.T, raw string) (string, float64) {
	t.Helper()
	var doc priceDoc
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("price document %q: %v", raw, err)
	}
	if len(doc.Terms.OnDemand) != 1 {
		t.Fatalf("document has %d on-demand terms, want 1: %s", len(doc.Terms.OnDemand), raw)
	}
	for _, term := range doc.Terms.OnDemand {
		for _, dim := range term.PriceDimensions {
			price, err := strconv.ParseFloat(dim.PricePerUnit["USD"], 64)
			if err != nil || dim.Unit != "Hrs" {
				t.Fatalf("price dimension %+v: %v", dim, err)
			}
			return doc.Product.Attributes["instanceType"], price
		}
	}
	t.Fatalf("document without price dimension: %s", raw)
	return "", 0
}

func TestPricingServesCatalogPricesAcrossPages(t *testing.T) {
	_, c := startAux(t, Options{})
	shared, pages := fetchPrices(t, c.pricing, linuxFilters("us-west-2",
		termMatch("tenancy", "Shared"), termMatch("productFamily", "Compute Instance")))
	metal, _ := fetchPrices(t, c.pricing, linuxFilters("us-west-2",
		termMatch("tenancy", "Dedicated"), termMatch("productFamily", "Compute Instance (bare metal)")))
	if pages < 2 {
		t.Fatalf("got %d pages, want several", pages)
	}
	for _, it := range catalog.Default() {
		got, want := shared[it.Name], it.OnDemandPricePerHour
		if it.BareMetal {
			got = metal[it.Name]
		}
		if want > 0 && got != want {
			t.Fatalf("%s: price %v, want %v", it.Name, got, want)
		}
	}
	for name := range metal {
		if it, _ := catalog.Lookup(name); !it.BareMetal {
			t.Fatalf("%s listed as bare metal", name)
		}
	}
}

func TestPricingFiltersByInstanceTypeAndRegion(t *testing.T) {
	_, c := startAux(t, Options{})
	it := catalog.Default()[0]
	out, err := c.pricing.GetProducts(context.Background(), &pricing.GetProductsInput{
		ServiceCode: aws.String("AmazonEC2"),
		Filters:     linuxFilters("eu-west-1", termMatch("tenancy", "Shared"), termMatch("instanceType", it.Name)),
	})
	if err != nil {
		t.Fatalf("GetProducts: %v", err)
	}
	if len(out.PriceList) != 1 || out.NextToken != nil || aws.ToString(out.FormatVersion) != "aws_v1" {
		t.Fatalf("got %d documents, next token %v, format %v; want one, no token, aws_v1",
			len(out.PriceList), out.NextToken, out.FormatVersion)
	}
	var doc priceDoc
	_ = json.Unmarshal([]byte(out.PriceList[0]), &doc)
	attrs := doc.Product.Attributes
	if attrs["regionCode"] != "eu-west-1" || attrs["location"] != "EU (Ireland)" || attrs["instanceType"] != it.Name ||
		attrs["operatingSystem"] != "Linux" || attrs["tenancy"] != "Shared" {
		t.Fatalf("attributes = %v", attrs)
	}
	byLocation, _ := fetchPrices(t, c.pricing, []pricingtypes.Filter{termMatch("location", "US East (Ohio)"), termMatch("instanceType", it.Name)})
	if byLocation[it.Name] != it.OnDemandPricePerHour {
		t.Fatalf("by location: %v", byLocation)
	}
}

func TestPricingOutage(t *testing.T) {
	sim, c := startAux(t, Options{})
	sim.SetPricingOutage(true)
	input := &pricing.GetProductsInput{ServiceCode: aws.String("AmazonEC2"), Filters: linuxFilters("us-west-2")}
	_, err := c.pricing.GetProducts(context.Background(), input)
	if apiErrorCode(err) != "ServiceUnavailableException" || httpStatus(err) != 503 {
		t.Fatalf("error = %v, want a 503 ServiceUnavailableException", err)
	}
	sim.SetPricingOutage(false)
	if _, err := c.pricing.GetProducts(context.Background(), input); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if n := sim.Calls("AWSPriceListService.GetProducts"); n != 2 {
		t.Fatalf("Calls = %d, want 2", n)
	}
}

func TestPricingRejectsBadToken(t *testing.T) {
	_, c := startAux(t, Options{})
	_, err := c.pricing.GetProducts(context.Background(), &pricing.GetProductsInput{
		ServiceCode: aws.String("AmazonEC2"), NextToken: aws.String("garbage"),
	})
	var bad *pricingtypes.InvalidNextTokenException
	if !errors.As(err, &bad) {
		t.Fatalf("error = %v, want InvalidNextTokenException", err)
	}
}
