package pricing

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestParsePriceDocument(t *testing.T) {
	tests := []struct {
		name         string
		doc          string
		wantType     string
		wantPrice    float64
		wantErrorful bool
	}{
		{
			name:      "an hourly on-demand rate",
			doc:       `{"product":{"attributes":{"instanceType":"m5.large"}},"terms":{"OnDemand":{"A.JRTCKXETXF":{"priceDimensions":{"A.JRTCKXETXF.6YS6EN2CT7":{"unit":"Hrs","pricePerUnit":{"USD":"0.0960000000"}}}}}}}`,
			wantType:  "m5.large",
			wantPrice: 0.096,
		},
		{
			name:     "a zero rate is no price",
			doc:      `{"product":{"attributes":{"instanceType":"m5.large"}},"terms":{"OnDemand":{"A":{"priceDimensions":{"B":{"pricePerUnit":{"USD":"0.0000000000"}}}}}}}`,
			wantType: "m5.large",
		},
		{
			name: "a product without terms",
			doc:  `{"product":{"attributes":{}}}`,
		},
		{
			name:         "a price that is not a number",
			doc:          `{"product":{"attributes":{"instanceType":"m5.large"}},"terms":{"OnDemand":{"A":{"priceDimensions":{"B":{"pricePerUnit":{"USD":"cheap"}}}}}}}`,
			wantErrorful: true,
		},
		{
			name:         "not JSON",
			doc:          `<html>`,
			wantErrorful: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotType, gotPrice, err := parsePriceDocument(tt.doc)
			if (err != nil) != tt.wantErrorful {
				t.Fatalf("error = %v, want an error: %v", err, tt.wantErrorful)
			}
			if err == nil && (gotType != tt.wantType || gotPrice != tt.wantPrice) {
				t.Errorf("parsePriceDocument = %q, %v; want %q, %v", gotType, gotPrice, tt.wantType, tt.wantPrice)
			}
		})
	}
}

func TestKeepNewestSpotPrice(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	price := func(p string, at time.Time) ec2types.SpotPrice {
		return ec2types.SpotPrice{InstanceType: "m5.large", AvailabilityZone: aws.String("us-west-2a"), SpotPrice: aws.String(p), Timestamp: aws.Time(at)}
	}
	tests := []struct {
		name   string
		prices []ec2types.SpotPrice
		want   float64
	}{
		{"one price", []ec2types.SpotPrice{price("0.04", t0)}, 0.04},
		{"a newer price wins", []ec2types.SpotPrice{price("0.04", t0), price("0.05", t0.Add(time.Hour))}, 0.05},
		{"an older price is ignored", []ec2types.SpotPrice{price("0.05", t0.Add(time.Hour)), price("0.04", t0)}, 0.05},
		{"of two at the same time the first stays", []ec2types.SpotPrice{price("0.04", t0), price("0.05", t0)}, 0.04},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newest := map[spotKey]datedPrice{}
			for _, p := range tt.prices {
				if err := keepNewest(newest, p); err != nil {
					t.Fatal(err)
				}
			}
			if got := newest[spotKey{"m5.large", "us-west-2a"}].price; got != tt.want {
				t.Errorf("price = %v, want %v", got, tt.want)
			}
		})
	}
	if err := keepNewest(map[spotKey]datedPrice{}, price("n/a", t0)); err == nil {
		t.Error("keepNewest accepted a price that is not a number")
	}
}
