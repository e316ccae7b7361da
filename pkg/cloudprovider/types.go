// Package cloudprovider is the small domain interface between the autoscaler and a
// cloud: launch and remove instances for NodeClaims, find them again, and describe
// the instance types a NodePool may launch with their offerings and prices.
package cloudprovider

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// CloudProvider launches and removes instances for NodeClaims.
type CloudProvider interface {
	// Create launches an instance for the claim and returns the claim with its
	// status (providerID, capacity, allocatable) and labels (instance type, zone,
	// capacity type) filled in. It fails with InsufficientCapacityError when no
	// offering could launch, NodeClassNotReadyError when the node class is not
	// resolved.
	Create(ctx context.Context, nodeClaim *karpv1.NodeClaim) (*karpv1.NodeClaim, error)
	// Delete terminates the claim's instance; NodeClaimNotFoundError once it is gone.
	Delete(ctx context.Context, nodeClaim *karpv1.NodeClaim) error
	// Get returns the claim of the instance with providerID.
	Get(ctx context.Context, providerID string) (*karpv1.NodeClaim, error)
	// List returns a claim for every instance this cluster owns, for garbage collection.
	List(ctx context.Context) ([]*karpv1.NodeClaim, error)
	// GetInstanceTypes returns the instance types a NodePool's node class can launch,
	// with offerings and prices; it does not apply the NodePool's requirements.
	GetInstanceTypes(ctx context.Context, nodePool *karpv1.NodePool) ([]*InstanceType, error)
	// IsDrifted says why the claim's instance no longer matches its node class, or "".
	IsDrifted(ctx context.Context, nodeClaim *karpv1.NodeClaim) (DriftReason, error)
	// Name of the provider, e.g. "aws".
	Name() string
}

// DriftReason says why an instance drifted from its node class.
type DriftReason string

// InstanceType is a shape a node can have: its labels as requirements, where and how
// it can be bought, and its resources.
type InstanceType struct {
	Name string
	// Requirements hold the type's well-known labels (arch, os, instance family,
	// cpu, memory, ...), plus zone and capacity type In every offered value.
	Requirements scheduling.Requirements
	Offerings    Offerings
	Capacity     corev1.ResourceList
	Overhead     Overhead
	allocatable  corev1.ResourceList
}

// Overhead is what the node keeps from pods.
type Overhead struct {
	KubeReserved      corev1.ResourceList
	SystemReserved    corev1.ResourceList
	EvictionThreshold corev1.ResourceList
}

// Total is the sum of the overheads.
func (o Overhead) Total() corev1.ResourceList {
	total := corev1.ResourceList{}
	for _, list := range []corev1.ResourceList{o.KubeReserved, o.SystemReserved, o.EvictionThreshold} {
		for name, q := range list {
			sum := total[name]
			sum.Add(q)
			total[name] = sum
		}
	}
	return total
}

// Allocatable is capacity minus overhead: what pods can request.
func (it *InstanceType) Allocatable() corev1.ResourceList {
	if it.allocatable != nil {
		return it.allocatable
	}
	out := it.Capacity.DeepCopy()
	for name, q := range it.Overhead.Total() {
		if c, ok := out[name]; ok {
			c.Sub(q)
			if c.Sign() < 0 {
				c.Set(0)
			}
			out[name] = c
		}
	}
	it.allocatable = out
	return out
}

// Offering is one way to buy an instance type: a zone and a capacity type, at a price.
type Offering struct {
	Zone         string
	CapacityType string
	// PricePerHour in USD.
	PricePerHour float64
	// Available is false while the offering is known to lack capacity.
	Available bool
}

// Offerings of an instance type.
type Offerings []Offering

// Available returns the offerings that can currently be launched.
func (os Offerings) Available() Offerings {
	out := make(Offerings, 0, len(os))
	for _, o := range os {
		if o.Available {
			out = append(out, o)
		}
	}
	return out
}

// Compatible returns the offerings whose zone and capacity type reqs allow.
func (os Offerings) Compatible(reqs scheduling.Requirements) Offerings {
	zones, hasZones := reqs[corev1.LabelTopologyZone]
	capacityTypes, hasTypes := reqs[wellknown.CapacityTypeLabelKey]
	out := make(Offerings, 0, len(os))
	for _, o := range os {
		if (!hasZones || zones.Has(o.Zone)) && (!hasTypes || capacityTypes.Has(o.CapacityType)) {
			out = append(out, o)
		}
	}
	return out
}

// Cheapest returns the lowest-priced offering; ok is false when there is none.
func (os Offerings) Cheapest() (cheapest Offering, ok bool) {
	price := math.MaxFloat64
	for _, o := range os {
		if o.PricePerHour < price {
			cheapest, price, ok = o, o.PricePerHour, true
		}
	}
	return cheapest, ok
}

// SortByPrice orders instance types by the price of their cheapest offering among
// those reqs allow and that are available; types without one go last.
func SortByPrice(types []*InstanceType, reqs scheduling.Requirements) {
	priced := make([]pricedType, len(types))
	for i, it := range types {
		price, _ := it.Offerings.cheapestAvailable(reqs)
		priced[i] = pricedType{it: it, price: price, index: i}
	}
	sortPriced(priced)
	for i, p := range priced {
		types[i] = p.it
	}
}

// Compatible returns the instance types that reqs allow and that have an available
// offering reqs allow, cheapest first. definedKeys are the label keys every instance
// type defines when it has the attribute (a requirement that needs one of them
// present rules out types without it).
func Compatible(types []*InstanceType, reqs scheduling.Requirements, definedKeys map[string]bool) []*InstanceType {
	matcher := scheduling.NewMatcher(reqs, definedKeys)
	priced := make([]pricedType, 0, len(types))
	for _, it := range types {
		if !matcher.Compatible(it.Requirements) {
			continue
		}
		price, ok := it.Offerings.cheapestAvailable(reqs)
		if !ok {
			continue
		}
		priced = append(priced, pricedType{it: it, price: price, index: len(priced)})
	}
	sortPriced(priced)
	out := make([]*InstanceType, len(priced))
	for i, p := range priced {
		out[i] = p.it
	}
	return out
}

// pricedType is an instance type with the price it is sorted by and its position
// before sorting.
type pricedType struct {
	it    *InstanceType
	price float64
	index int
}

// sortPriced orders by price, then name, keeping the given order of equals (a
// stable sort, without the reflection of sort.SliceStable).
func sortPriced(types []pricedType) {
	slices.SortFunc(types, func(a, b pricedType) int {
		if c := cmp.Compare(a.price, b.price); c != 0 {
			return c
		}
		if c := strings.Compare(a.it.Name, b.it.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})
}

// cheapestAvailable is the price of the cheapest available offering whose zone and
// capacity type reqs allow (Available, Compatible and Cheapest in one pass, without
// allocating); math.MaxFloat64 and false when there is none.
func (os Offerings) cheapestAvailable(reqs scheduling.Requirements) (float64, bool) {
	zones, hasZones := reqs[corev1.LabelTopologyZone]
	capacityTypes, hasTypes := reqs[wellknown.CapacityTypeLabelKey]
	price, ok := math.MaxFloat64, false
	for _, o := range os {
		if !o.Available || (hasZones && !zones.Has(o.Zone)) || (hasTypes && !capacityTypes.Has(o.CapacityType)) {
			continue
		}
		if o.PricePerHour < price {
			price, ok = o.PricePerHour, true
		}
	}
	return price, ok
}
