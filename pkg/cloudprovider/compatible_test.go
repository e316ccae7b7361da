package cloudprovider

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

func TestCompatibleKeepsAllowedTypesCheapestFirst(t *testing.T) {
	offer := func(zone, capacityType string, price float64, available bool) Offering {
		return Offering{Zone: zone, CapacityType: capacityType, PricePerHour: price, Available: available}
	}
	newType := func(name, arch string, offerings ...Offering) *InstanceType {
		return &InstanceType{Name: name, Offerings: offerings, Requirements: scheduling.NewLabelRequirements(map[string]string{wellknown.ArchLabelKey: arch})}
	}
	types := []*InstanceType{
		newType("c.large", "amd64", offer("a", "spot", 0.03, true), offer("a", "on-demand", 0.09, true)),
		newType("b.large", "amd64", offer("a", "spot", 0.01, false), offer("b", "on-demand", 0.05, true)),
		newType("a.large", "amd64", offer("a", "on-demand", 0.05, true)),
		newType("d.large", "arm64", offer("a", "spot", 0.001, true)),
		newType("e.large", "amd64", offer("c", "spot", 0.002, true)),
		newType("f.large", "amd64"),
	}
	reqs := scheduling.NewRequirements(
		scheduling.NewRequirement(wellknown.ArchLabelKey, corev1.NodeSelectorOpIn, "amd64"),
		scheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, "a", "b"),
	)
	var got []string
	for _, it := range Compatible(types, reqs, map[string]bool{wellknown.ArchLabelKey: true}) {
		got = append(got, it.Name)
	}
	// c.large's cheapest allowed offering is 0.03 spot; a.large and b.large tie at
	// 0.05 (b's 0.01 spot is unavailable) and go by name; d is arm64, e is only in
	// zone c, f has no offering.
	if want := []string{"c.large", "a.large", "b.large"}; !slices.Equal(got, want) {
		t.Errorf("Compatible = %v, want %v", got, want)
	}

	SortByPrice(types, reqs)
	var sorted []string
	for _, it := range types {
		sorted = append(sorted, it.Name)
	}
	// d.large costs 0.001 in zone a; types without an allowed offering go last, by name.
	if want := []string{"d.large", "c.large", "a.large", "b.large", "e.large", "f.large"}; !slices.Equal(sorted, want) {
		t.Errorf("SortByPrice = %v, want %v", sorted, want)
	}
}
