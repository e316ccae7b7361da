// Package catalog turns instance types into InstanceTypeCatalog objects and back:
// the launcher publishes what each EC2NodeClass can launch (offerings, prices,
// capacity shortages), and the scheduler plans with it without calling the cloud.
// One EC2NodeClass is published as one object per instance family, so that no
// object nears the API server's size limit and a price or capacity change rewrites
// one family only.
package catalog

import (
	"fmt"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// Objects returns the catalog objects of nodeClass for types, one per instance
// family, sorted by name.
func Objects(nodeClass string, types []*cloudprovider.InstanceType) []*tailorv1alpha1.InstanceTypeCatalog {
	byFamily := map[string]*tailorv1alpha1.InstanceTypeCatalog{}
	for _, it := range types {
		family := familyOf(it)
		obj, ok := byFamily[family]
		if !ok {
			obj = &tailorv1alpha1.InstanceTypeCatalog{
				ObjectMeta: metav1.ObjectMeta{
					Name:   nodeClass + "." + family,
					Labels: map[string]string{tailorv1alpha1.NodeClassLabelKey: nodeClass},
				},
				Spec: tailorv1alpha1.InstanceTypeCatalogSpec{NodeClass: nodeClass},
			}
			byFamily[family] = obj
		}
		obj.Spec.InstanceTypes = append(obj.Spec.InstanceTypes, Entry(it))
	}
	out := make([]*tailorv1alpha1.InstanceTypeCatalog, 0, len(byFamily))
	for _, obj := range byFamily {
		sort.Slice(obj.Spec.InstanceTypes, func(i, j int) bool {
			return obj.Spec.InstanceTypes[i].Name < obj.Spec.InstanceTypes[j].Name
		})
		out = append(out, obj)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// familyOf is the type's instance family, or "other" for types without one.
func familyOf(it *cloudprovider.InstanceType) string {
	if r := it.Requirements.Get(wellknown.InstanceFamilyLabelKey); r.Len() == 1 {
		return r.Any()
	}
	return "other"
}

// Entry is the catalog entry of one instance type.
func Entry(it *cloudprovider.InstanceType) tailorv1alpha1.CatalogInstanceType {
	out := tailorv1alpha1.CatalogInstanceType{
		Name:         it.Name,
		Requirements: coreRequirements(it.Requirements),
		Capacity:     it.Capacity.DeepCopy(),
		Overhead:     it.Overhead.Total(),
		Offerings:    make([]tailorv1alpha1.CatalogOffering, 0, len(it.Offerings)),
	}
	for _, o := range it.Offerings {
		out.Offerings = append(out.Offerings, tailorv1alpha1.CatalogOffering{
			Zone:         o.Zone,
			CapacityType: o.CapacityType,
			Price:        strconv.FormatFloat(o.PricePerHour, 'f', -1, 64),
			Available:    o.Available,
		})
	}
	return out
}

// InstanceTypes converts catalog entries back into instance types. It fails on an
// entry the API server should have refused, naming it.
func InstanceTypes(entries []tailorv1alpha1.CatalogInstanceType) ([]*cloudprovider.InstanceType, error) {
	out := make([]*cloudprovider.InstanceType, 0, len(entries))
	for _, e := range entries {
		it, err := instanceType(e)
		if err != nil {
			return nil, fmt.Errorf("instance type %s, %w", e.Name, err)
		}
		out = append(out, it)
	}
	return out, nil
}

func instanceType(e tailorv1alpha1.CatalogInstanceType) (*cloudprovider.InstanceType, error) {
	reqs := make(scheduling.Requirements, len(e.Requirements)+1)
	for _, r := range e.Requirements {
		req, err := scheduling.ParseRequirement(r.Key, r.Operator, r.Values...)
		if err != nil {
			return nil, err
		}
		reqs.Add(req)
	}
	if !reqs.Has(corev1.LabelInstanceTypeStable) {
		reqs.Add(scheduling.NewRequirement(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, e.Name))
	}
	offerings := make(cloudprovider.Offerings, 0, len(e.Offerings))
	for _, o := range e.Offerings {
		price, err := strconv.ParseFloat(o.Price, 64)
		if err != nil {
			return nil, fmt.Errorf("price %q of %s/%s, %w", o.Price, o.Zone, o.CapacityType, err)
		}
		offerings = append(offerings, cloudprovider.Offering{Zone: o.Zone, CapacityType: o.CapacityType, PricePerHour: price, Available: o.Available})
	}
	it := &cloudprovider.InstanceType{
		Name:         e.Name,
		Requirements: reqs,
		Offerings:    offerings,
		Capacity:     e.Capacity.DeepCopy(),
		Overhead:     cloudprovider.Overhead{KubeReserved: e.Overhead.DeepCopy()},
	}
	// Computed now, while the type is not shared, so that readers never write.
	it.Allocatable()
	return it, nil
}

// coreRequirements are rs as node selector requirements (instance types have no
// minValues).
func coreRequirements(rs scheduling.Requirements) []corev1.NodeSelectorRequirement {
	out := make([]corev1.NodeSelectorRequirement, 0, len(rs))
	for _, key := range rs.Keys() {
		out = append(out, rs[key].NodeSelectorRequirement())
	}
	return out
}
