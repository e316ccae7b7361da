package planio

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// DefaultZones are the zones the project's catalog is offered in when none are
// given: three of its region, catalogRegion.
var DefaultZones = []string{catalogRegion + "a", catalogRegion + "b", catalogRegion + "c"}

// catalogRegion is the region of the project's catalog and its prices.
const catalogRegion = "us-west-2"

// offeringLabels are set from the offerings, never from a type's own labels: a
// type is offered in every zone given.
var offeringLabels = []string{corev1.LabelTopologyZone, wellknown.CapacityTypeLabelKey, wellknown.ZoneIDLabelKey}

// LoadCatalog returns the instance types to plan with. With path "" it is the
// project's own catalog (pkg/ec2sim/catalog) turned into instance types the way
// the AWS provider does (labels, capacity, overhead under default kubelet
// settings); zones default to DefaultZones. Otherwise path is a JSON array of
// {"name","onDemandPricePerHour","allocatable","labels"} as in the bench catalog:
// labels become requirements, allocatable becomes capacity with no overhead, and
// zones must be given.
//
// Every type is offered in every zone: on-demand at its list price, and spot at
// that price times spotPriceFactor when the factor is above zero (and, for the
// project's catalog, the type supports spot). Zone and capacity type requirements
// hold the offered values.
func LoadCatalog(path string, zones []string, spotPriceFactor float64) ([]*cloudprovider.InstanceType, error) {
	if path == "" && len(zones) == 0 {
		zones = DefaultZones
	}
	if err := checkOfferingArgs(zones, spotPriceFactor); err != nil {
		return nil, fmt.Errorf("loading instance types, %w", err)
	}
	if path == "" {
		types, err := projectCatalog(zones, spotPriceFactor)
		if err != nil {
			return nil, fmt.Errorf("loading the project's instance types, %w", err)
		}
		return types, nil
	}
	types, err := fileCatalog(path, zones, spotPriceFactor)
	if err != nil {
		return nil, fmt.Errorf("loading instance types from %s, %w", path, err)
	}
	return types, nil
}

func checkOfferingArgs(zones []string, spotPriceFactor float64) error {
	if len(zones) == 0 {
		return errors.New("no zones given; a catalog file has no zones, so name them (e.g. us-east-1a,us-east-1b,us-east-1c)")
	}
	seen := map[string]bool{}
	for _, z := range zones {
		if z == "" || seen[z] {
			return fmt.Errorf("zones %q hold an empty or repeated zone; list each zone once", strings.Join(zones, ","))
		}
		seen[z] = true
	}
	if spotPriceFactor < 0 {
		return fmt.Errorf("spot price factor %v is negative; use 0 for no spot offerings or a share of the on-demand price such as 0.35", spotPriceFactor)
	}
	return nil
}

// offerer makes offerings and the requirements that go with them, sharing
// requirement values between types (requirements never change once made).
type offerer struct {
	zones           []string
	spotPriceFactor float64
	zoneIDs         []string
	// capacityTypes are requirements by the capacity types they allow.
	capacityTypes map[string]*scheduling.Requirement
	zone, zoneID  *scheduling.Requirement
}

func newOfferer(zones, zoneIDs []string, spotPriceFactor float64) *offerer {
	o := &offerer{zones: zones, zoneIDs: zoneIDs, spotPriceFactor: spotPriceFactor, capacityTypes: map[string]*scheduling.Requirement{}}
	o.zone = scheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, zones...)
	if len(zoneIDs) > 0 {
		o.zoneID = scheduling.NewRequirement(wellknown.ZoneIDLabelKey, corev1.NodeSelectorOpIn, zoneIDs...)
	}
	return o
}

// instanceType builds a type offered in every zone at onDemand (and spot where
// spotOK and the factor allow). base are the type's own requirements; offering
// labels in it are replaced.
func (o *offerer) instanceType(name string, base scheduling.Requirements, capacity corev1.ResourceList, overhead cloudprovider.Overhead, onDemand float64, spotOK bool) *cloudprovider.InstanceType {
	capacityTypes := []string{wellknown.CapacityTypeOnDemand}
	if spotOK && o.spotPriceFactor > 0 {
		capacityTypes = append(capacityTypes, wellknown.CapacityTypeSpot)
	}
	offerings := make(cloudprovider.Offerings, 0, len(o.zones)*len(capacityTypes))
	for _, zone := range o.zones {
		for _, ct := range capacityTypes {
			price := onDemand
			if ct == wellknown.CapacityTypeSpot {
				price = onDemand * o.spotPriceFactor
			}
			offerings = append(offerings, cloudprovider.Offering{Zone: zone, CapacityType: ct, PricePerHour: price, Available: true})
		}
	}
	reqs := make(scheduling.Requirements, len(base)+3)
	for key, r := range base {
		reqs[key] = r
	}
	for _, key := range offeringLabels {
		delete(reqs, key)
	}
	reqs[corev1.LabelTopologyZone] = o.zone
	reqs[wellknown.CapacityTypeLabelKey] = o.capacityTypeRequirement(capacityTypes)
	if o.zoneID != nil {
		reqs[wellknown.ZoneIDLabelKey] = o.zoneID
	}
	it := &cloudprovider.InstanceType{Name: name, Requirements: reqs, Offerings: offerings, Capacity: capacity, Overhead: overhead}
	// Allocatable is cached on first use; compute it now, before the type is
	// shared between goroutines.
	it.Allocatable()
	return it
}

func (o *offerer) capacityTypeRequirement(values []string) *scheduling.Requirement {
	key := strings.Join(values, ",")
	if r, ok := o.capacityTypes[key]; ok {
		return r
	}
	r := scheduling.NewRequirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, values...)
	o.capacityTypes[key] = r
	return r
}

// benchEntry is one instance type of a catalog file.
type benchEntry struct {
	Name                 string            `json:"name"`
	OnDemandPricePerHour float64           `json:"onDemandPricePerHour"`
	Allocatable          map[string]string `json:"allocatable"`
	Labels               map[string]string `json:"labels"`
}

// fileCatalog reads a catalog file.
func fileCatalog(path string, zones []string, spotPriceFactor float64) ([]*cloudprovider.InstanceType, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading file, %w", err)
	}
	var entries []benchEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("parsing file, want a JSON array of {name, onDemandPricePerHour, allocatable, labels}, %w", err)
	}
	if len(entries) == 0 {
		return nil, errors.New("the file lists no instance types")
	}
	o := newOfferer(zones, nil, spotPriceFactor)
	out := make([]*cloudprovider.InstanceType, 0, len(entries))
	for i, e := range entries {
		capacity, err := e.capacity()
		if err != nil {
			return nil, fmt.Errorf("reading entry %d (%s), %w", i+1, e.Name, err)
		}
		reqs := scheduling.NewLabelRequirements(e.Labels)
		out = append(out, o.instanceType(e.Name, reqs, capacity, cloudprovider.Overhead{}, e.OnDemandPricePerHour, true))
	}
	return out, nil
}

// capacity checks an entry and returns its allocatable resources.
func (e benchEntry) capacity() (corev1.ResourceList, error) {
	if e.Name == "" {
		return nil, errors.New("it has no name")
	}
	if e.OnDemandPricePerHour <= 0 {
		return nil, fmt.Errorf("onDemandPricePerHour %v is not a positive price", e.OnDemandPricePerHour)
	}
	out := make(corev1.ResourceList, len(e.Allocatable))
	for name, value := range e.Allocatable {
		q, err := resource.ParseQuantity(value)
		if err != nil {
			return nil, fmt.Errorf("allocatable %s %q is not a quantity (e.g. 1930m, 7134Mi), %w", name, value, err)
		}
		out[corev1.ResourceName(name)] = q
	}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods} {
		if _, ok := out[name]; !ok {
			return nil, fmt.Errorf("allocatable has no %s", name)
		}
	}
	return out, nil
}

// ProjectCatalog is the project's catalog (pkg/ec2sim/catalog) as the AWS
// provider converts it, generated into zz_generated.catalog.json by
// hack/catalog-gen (package projectcatalog) and embedded, so that planning
// needs neither the EC2 simulator nor the SDK.
type ProjectCatalog struct {
	Region string `json:"region"`
	// ZoneIDs are the ids of the region's zones, by zone name.
	ZoneIDs map[string]string `json:"zoneIDs"`
	Types   []ProjectType     `json:"types"`
}

// ProjectType is one instance type of the project's catalog: its requirements
// but those of its offerings (zone, capacity type, zone id), capacity and
// overhead under default kubelet settings, and list price.
type ProjectType struct {
	Name                 string                           `json:"name"`
	Requirements         []corev1.NodeSelectorRequirement `json:"requirements"`
	Capacity             corev1.ResourceList              `json:"capacity"`
	Overhead             cloudprovider.Overhead           `json:"overhead"`
	OnDemandPricePerHour float64                          `json:"onDemandPricePerHour"`
	SpotOK               bool                             `json:"spotOK"`
}

//go:generate go run ../../../hack/catalog-gen

//go:embed zz_generated.catalog.json
var projectCatalogJSON []byte

// EmbeddedCatalog decodes the generated catalog.
func EmbeddedCatalog() (ProjectCatalog, error) {
	var c ProjectCatalog
	if err := json.Unmarshal(projectCatalogJSON, &c); err != nil {
		return c, fmt.Errorf("decoding the generated catalog, %w", err)
	}
	return c, nil
}

// projectCatalog offers the generated catalog's types in zones. Zones of
// another region relabel the types' region; zone ids are set only when every
// zone is one the catalog names.
func projectCatalog(zones []string, spotPriceFactor float64) ([]*cloudprovider.InstanceType, error) {
	c, err := EmbeddedCatalog()
	if err != nil {
		return nil, err
	}
	var zoneIDs []string
	for _, z := range zones {
		if id, ok := c.ZoneIDs[z]; ok {
			zoneIDs = append(zoneIDs, id)
		}
	}
	if len(zoneIDs) != len(zones) {
		zoneIDs = nil
	}
	region := scheduling.NewRequirement(corev1.LabelTopologyRegion, corev1.NodeSelectorOpIn, regionOf(zones, c.Region))
	o := newOfferer(zones, zoneIDs, spotPriceFactor)
	out := make([]*cloudprovider.InstanceType, 0, len(c.Types))
	for _, t := range c.Types {
		reqs := scheduling.Requirements{}
		for _, r := range t.Requirements {
			parsed, err := scheduling.ParseRequirement(r.Key, r.Operator, r.Values...)
			if err != nil {
				return nil, fmt.Errorf("instance type %s, %w", t.Name, err)
			}
			reqs.Add(parsed)
		}
		if reqs.Has(corev1.LabelTopologyRegion) {
			reqs[corev1.LabelTopologyRegion] = region
		}
		out = append(out, o.instanceType(t.Name, reqs, t.Capacity, t.Overhead, t.OnDemandPricePerHour, t.SpotOK))
	}
	return out, nil
}

// regionOf is the region the zones are in ("us-east-1" for "us-east-1a"), or
// fallback when they name none or several.
func regionOf(zones []string, fallback string) string {
	region := ""
	for _, z := range zones {
		r := strings.TrimRight(z, "abcdefghijklmnopqrstuvwxyz")
		if r == "" || r == z || (region != "" && r != region) {
			return fallback
		}
		region = r
	}
	return region
}
