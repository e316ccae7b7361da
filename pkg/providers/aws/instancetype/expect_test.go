package instancetype

import (
	"slices"
	"testing"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// expectValues checks that the type's requirement on key allows exactly want.
func expectValues(t *testing.T, it *cloudprovider.InstanceType, key string, want []string) {
	t.Helper()
	got := it.Requirements.Get(key).Values()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %s In %v, want %v", it.Name, key, got, want)
	}
}

// expectOffering checks the price of an offering; price 0 means there is none.
func expectOffering(t *testing.T, it *cloudprovider.InstanceType, zone, capacityType string, price float64) {
	t.Helper()
	for _, o := range it.Offerings {
		if o.Zone != zone || o.CapacityType != capacityType {
			continue
		}
		if price == 0 {
			t.Errorf("%s has a %s offering in %s at %v, but is not sold so", it.Name, capacityType, zone, o.PricePerHour)
		} else if o.PricePerHour != price {
			t.Errorf("%s %s in %s costs %v, want %v", it.Name, capacityType, zone, o.PricePerHour, price)
		}
		return
	}
	if price != 0 {
		t.Errorf("%s has no %s offering in %s", it.Name, capacityType, zone)
	}
}

// offering finds one offering of a listed type.
func offering(t *testing.T, types []*cloudprovider.InstanceType, name, zone, capacityType string) cloudprovider.Offering {
	t.Helper()
	for _, it := range types {
		if it.Name != name {
			continue
		}
		for _, o := range it.Offerings {
			if o.Zone == zone && o.CapacityType == capacityType {
				return o
			}
		}
	}
	t.Fatalf("no %s offering of %s in %s", capacityType, name, zone)
	return cloudprovider.Offering{}
}

// expectCheapestFirst checks that types are ordered by their cheapest offering
// the requirements allow.
func expectCheapestFirst(t *testing.T, types []*cloudprovider.InstanceType, reqs scheduling.Requirements) {
	t.Helper()
	last := 0.0
	for _, it := range types {
		o, ok := it.Offerings.Available().Compatible(reqs).Cheapest()
		if !ok {
			t.Fatalf("%s was selected without an available offering", it.Name)
		}
		if o.PricePerHour < last {
			t.Fatalf("%s at %v comes after a type at %v", it.Name, o.PricePerHour, last)
		}
		last = o.PricePerHour
	}
}
