package instancetype

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// builder makes one list for one node class.
type builder struct {
	p         *Provider
	nodeClass *ec2v1.EC2NodeClass
	kubelet   *ec2v1.KubeletConfiguration
	zoneIDs   map[string]string
	// previous types of the same node class settings and discovery, by name:
	// their capacity and overhead still hold, only offerings may have changed.
	previous map[string]*cloudprovider.InstanceType
	// requirements already made in this build, by key and values, so that types
	// offered alike share them.
	requirements map[string]*scheduling.Requirement
}

// build makes the list for nodeClass from the caches, reusing what previous (a
// list for the same settings, built from discovery generation discovery) computed.
func (p *Provider) build(nodeClass *ec2v1.EC2NodeClass, previous []*cloudprovider.InstanceType, discovery uint64) ([]*cloudprovider.InstanceType, error) {
	p.mu.RLock()
	shapes, zones, zoneIDs, generation := p.shapes, p.zones, p.zoneIDs, p.generation.Load()
	p.mu.RUnlock()
	if len(shapes) == 0 || len(zones) == 0 {
		return nil, ErrNotDiscovered
	}
	if generation != discovery {
		previous = nil // discovery changed meanwhile
	}
	b := builder{p: p, nodeClass: nodeClass, zoneIDs: zoneIDs, requirements: map[string]*scheduling.Requirement{}}
	if nodeClass != nil {
		b.kubelet = nodeClass.Spec.Kubelet
	}
	b.previous = make(map[string]*cloudprovider.InstanceType, len(previous))
	for _, it := range previous {
		b.previous[it.Name] = it
	}
	names := make([]string, 0, len(shapes))
	for name := range shapes {
		names = append(names, name)
	}
	sort.Strings(names)
	allowed := subnetZones(nodeClass)
	out := make([]*cloudprovider.InstanceType, 0, len(names))
	for _, name := range names {
		it, err := b.instanceType(shapes[name], zonesWithin(zones[name], allowed))
		if err != nil {
			return nil, fmt.Errorf("building instance type %s for ec2nodeclass %s, %w", name, nodeClassName(nodeClass), err)
		}
		if it != nil {
			out = append(out, it)
		}
	}
	return out, nil
}

// instanceType builds one instance type; nil when it has no priced offering.
func (b *builder) instanceType(s *shape, zones []string) (*cloudprovider.InstanceType, error) {
	offerings := b.p.offerings(s, zones)
	if len(offerings) == 0 {
		return nil, nil
	}
	if prev, ok := b.previous[s.name]; ok && slices.Equal(prev.Offerings, offerings) {
		// Nothing about the type changed (a capacity error or new price concerned
		// other types): reuse it whole.
		return prev, nil
	}
	capacity, overhead, err := b.resources(s)
	if err != nil {
		return nil, err
	}
	it := &cloudprovider.InstanceType{
		Name:         s.name,
		Requirements: b.offeringRequirements(s.requirements, offerings),
		Offerings:    offerings,
		Capacity:     capacity,
		Overhead:     overhead,
	}
	// Allocatable is computed on first use; do it now, while the type is not
	// shared yet, so that concurrent readers never write.
	it.Allocatable()
	return it, nil
}

// resources are the type's capacity and overhead under the node class, taken from
// the previous list when it has them (they are shared, read-only).
func (b *builder) resources(s *shape) (corev1.ResourceList, cloudprovider.Overhead, error) {
	if prev, ok := b.previous[s.name]; ok {
		return prev.Capacity, prev.Overhead, nil
	}
	capacity, err := capacity(s, maxPods(s.eniPods, s.vcpus, b.kubelet), b.nodeClass)
	if err != nil {
		return nil, cloudprovider.Overhead{}, err
	}
	overhead, err := overhead(s.vcpus, capacity, b.kubelet)
	if err != nil {
		return nil, cloudprovider.Overhead{}, err
	}
	return capacity, overhead, nil
}

// offerings are the type's priced offerings: every zone × every supported capacity
// type with a known price, available unless marked unavailable.
func (p *Provider) offerings(s *shape, zones []string) cloudprovider.Offerings {
	out := make(cloudprovider.Offerings, 0, len(zones)*len(s.usageClasses))
	for _, zone := range zones {
		for _, capacityType := range s.usageClasses {
			price, ok := p.price(s.name, zone, capacityType)
			if !ok {
				continue
			}
			out = append(out, cloudprovider.Offering{
				Zone:         zone,
				CapacityType: capacityType,
				PricePerHour: price,
				Available:    !p.unavailable.IsUnavailable(s.name, zone, capacityType),
			})
		}
	}
	return out
}

func (p *Provider) price(instanceType, zone, capacityType string) (float64, bool) {
	if capacityType == wellknown.CapacityTypeSpot {
		return p.pricing.SpotPrice(instanceType, zone)
	}
	return p.pricing.OnDemandPrice(instanceType)
}

// offeringRequirements adds to a shape's requirements the zones, zone ids and
// capacity types its offerings span.
func (b *builder) offeringRequirements(base scheduling.Requirements, offerings cloudprovider.Offerings) scheduling.Requirements {
	var zones, ids, capacityTypes []string
	for _, o := range offerings {
		zones = appendNew(zones, o.Zone)
		capacityTypes = appendNew(capacityTypes, o.CapacityType)
		if id, ok := b.zoneIDs[o.Zone]; ok {
			ids = appendNew(ids, id)
		}
	}
	out := make(scheduling.Requirements, len(base)+3)
	for key, r := range base {
		out[key] = r
	}
	out[corev1.LabelTopologyZone] = b.in(corev1.LabelTopologyZone, zones)
	out[wellknown.CapacityTypeLabelKey] = b.in(wellknown.CapacityTypeLabelKey, capacityTypes)
	if len(ids) > 0 {
		out[wellknown.ZoneIDLabelKey] = b.in(wellknown.ZoneIDLabelKey, ids)
	}
	return out
}

// in returns the requirement key In values, made once per build (requirements do
// not change once made, so types can share them).
func (b *builder) in(key string, values []string) *scheduling.Requirement {
	sorted := append([]string(nil), values...)
	sort.Strings(sorted)
	id := key + "=" + strings.Join(sorted, ",")
	if r, ok := b.requirements[id]; ok {
		return r
	}
	r := scheduling.NewRequirement(key, corev1.NodeSelectorOpIn, sorted...)
	b.requirements[id] = r
	return r
}
