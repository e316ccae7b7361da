package ec2sim

import (
	"slices"
	"strconv"

	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// maxInstanceTypesPage is the most DescribeInstanceTypes returns per page on EC2.
const maxInstanceTypesPage = 100

type describeInstanceTypesXML struct {
	ec2RequestMeta
	InstanceTypes []ec2TypeInfoXML `xml:"instanceTypeSet>item"`
	NextToken     string           `xml:"nextToken,omitempty"`
}

func typeField(it catalog.InstanceType) ec2Fields {
	return func(name string) []string {
		switch name {
		case "instance-type":
			return []string{it.Name}
		case "current-generation":
			return []string{ec2Bool(it.CurrentGeneration)}
		case "bare-metal":
			return []string{ec2Bool(it.BareMetal)}
		case "burstable-performance-supported":
			return []string{ec2Bool(it.Burstable)}
		case "hypervisor":
			return []string{it.Hypervisor}
		case "processor-info.supported-architecture":
			return it.Architectures
		case "supported-usage-class":
			return typeInfoXML(it).SupportedUsageClasses
		case "supported-virtualization-type":
			return typeInfoXML(it).SupportedVirtualizationTypes
		case "vcpu-info.default-vcpus":
			return []string{strconv.Itoa(int(it.VCPUs))}
		case "memory-info.size-in-mib":
			return []string{strconv.FormatInt(it.MemoryMiB, 10)}
		case "instance-storage-supported":
			return []string{ec2Bool(it.LocalNVMeGB > 0)}
		}
		return nil
	}
}

func (s *Simulator) describeInstanceTypes(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	filters, err := p.filters("instance-type", "current-generation", "bare-metal", "burstable-performance-supported",
		"hypervisor", "processor-info.supported-architecture", "supported-usage-class", "supported-virtualization-type",
		"vcpu-info.default-vcpus", "memory-info.size-in-mib", "instance-storage-supported")
	if err != nil {
		return nil, nil, err
	}
	names := p.strings("InstanceType")
	var unknown []string
	for _, n := range names {
		if _, ok := s.ec2.types[n]; !ok {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return nil, nil, ec2Errorf("InvalidInstanceType", "The following supplied instance types do not exist: %v", unknown)
	}
	var matched []catalog.InstanceType
	for _, it := range s.opts.InstanceTypes {
		if (len(names) == 0 || slices.Contains(names, it.Name)) && ec2Matches(filters, nil, typeField(it)) {
			matched = append(matched, it)
		}
	}
	page, next, err := ec2Page(matched, p, min(s.opts.PageSize, maxInstanceTypesPage))
	if err != nil {
		return nil, nil, err
	}
	out := &describeInstanceTypesXML{NextToken: next}
	for _, it := range page {
		out.InstanceTypes = append(out.InstanceTypes, typeInfoXML(it))
	}
	return out, nil, nil
}

type ec2OfferingXML struct {
	InstanceType string `xml:"instanceType"`
	LocationType string `xml:"locationType"`
	Location     string `xml:"location"`
}

type describeOfferingsXML struct {
	ec2RequestMeta
	Offerings []ec2OfferingXML `xml:"instanceTypeOfferingSet>item"`
	NextToken string           `xml:"nextToken,omitempty"`
}

// offerings lists every offered (type, location) pair for a location type:
// "region" (the default), "availability-zone" or "availability-zone-id".
func (st *ec2State) offerings(locationType string) []ec2OfferingXML {
	var out []ec2OfferingXML
	for _, it := range st.opts.InstanceTypes {
		if locationType == "region" {
			out = append(out, ec2OfferingXML{it.Name, locationType, st.opts.Region})
			continue
		}
		for _, z := range st.opts.Zones {
			if !st.offered(it.Name, z) {
				continue
			}
			loc := z
			if locationType == "availability-zone-id" {
				loc = st.zoneIDs[z]
			}
			out = append(out, ec2OfferingXML{it.Name, locationType, loc})
		}
	}
	return out
}

func (s *Simulator) describeInstanceTypeOfferings(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	filters, err := p.filters("instance-type", "location")
	if err != nil {
		return nil, nil, err
	}
	locationType := p.Get("LocationType")
	switch locationType {
	case "":
		locationType = "region"
	case "region", "availability-zone", "availability-zone-id":
	default:
		return nil, nil, ec2Errorf("InvalidParameterValue", "Invalid value '%s' for LocationType", locationType)
	}
	var matched []ec2OfferingXML
	for _, o := range s.ec2.offerings(locationType) {
		fields := func(name string) []string {
			if name == "instance-type" {
				return []string{o.InstanceType}
			}
			return []string{o.Location}
		}
		if ec2Matches(filters, nil, fields) {
			matched = append(matched, o)
		}
	}
	page, next, err := ec2Page(matched, p, s.opts.PageSize)
	if err != nil {
		return nil, nil, err
	}
	return &describeOfferingsXML{Offerings: page, NextToken: next}, nil, nil
}

type ec2ZoneXML struct {
	ZoneName           string `xml:"zoneName"`
	ZoneState          string `xml:"zoneState"`
	RegionName         string `xml:"regionName"`
	ZoneID             string `xml:"zoneId"`
	ZoneType           string `xml:"zoneType"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	OptInStatus        string `xml:"optInStatus"`
}

type describeZonesXML struct {
	ec2RequestMeta
	Zones []ec2ZoneXML `xml:"availabilityZoneInfo>item"`
}

func (s *Simulator) describeAvailabilityZones(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	filters, err := p.filters("zone-name", "zone-id", "state", "region-name", "zone-type", "group-name")
	if err != nil {
		return nil, nil, err
	}
	names, ids := p.strings("ZoneName"), p.strings("ZoneId")
	out := &describeZonesXML{}
	for _, z := range s.opts.Zones {
		x := ec2ZoneXML{z, "available", s.opts.Region, s.ec2.zoneIDs[z], "availability-zone", s.opts.Region, s.opts.Region, "opt-in-not-required"}
		if (len(names) > 0 && !slices.Contains(names, z)) || (len(ids) > 0 && !slices.Contains(ids, x.ZoneID)) {
			continue
		}
		fields := map[string][]string{
			"zone-name": {z}, "zone-id": {x.ZoneID}, "state": {"available"}, "region-name": {s.opts.Region},
			"zone-type": {x.ZoneType}, "group-name": {x.GroupName},
		}
		if ec2Matches(filters, nil, func(name string) []string { return fields[name] }) {
			out.Zones = append(out.Zones, x)
		}
	}
	return out, nil, nil
}

type ec2SpotPriceXML struct {
	InstanceType       string `xml:"instanceType"`
	ProductDescription string `xml:"productDescription"`
	SpotPrice          string `xml:"spotPrice"`
	Timestamp          string `xml:"timestamp"`
	AvailabilityZone   string `xml:"availabilityZone"`
	AvailabilityZoneID string `xml:"availabilityZoneId"`
}

type describeSpotPricesXML struct {
	ec2RequestMeta
	Prices    []ec2SpotPriceXML `xml:"spotPriceHistorySet>item"`
	NextToken string            `xml:"nextToken,omitempty"`
}

// spotProductDescription is the only product the simulator sells.
const spotProductDescription = "Linux/UNIX"

func (s *Simulator) describeSpotPriceHistory(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	filters, err := p.filters("instance-type", "availability-zone", "product-description", "spot-price", "timestamp")
	if err != nil {
		return nil, nil, err
	}
	types, products, zone := p.strings("InstanceType"), p.strings("ProductDescription"), p.Get("AvailabilityZone")
	if len(products) > 0 && !slices.Contains(products, spotProductDescription) {
		return &describeSpotPricesXML{}, nil, nil
	}
	now := ec2Timestamp(s.opts.Now())
	var matched []ec2SpotPriceXML
	for _, it := range s.opts.InstanceTypes {
		if len(types) > 0 && !slices.Contains(types, it.Name) {
			continue
		}
		for _, z := range s.opts.Zones {
			price := s.ec2.spotPrice(it.Name, z)
			if price == 0 || (zone != "" && zone != z) {
				continue
			}
			x := ec2SpotPriceXML{it.Name, spotProductDescription, strconv.FormatFloat(price, 'f', 6, 64), now, z, s.ec2.zoneIDs[z]}
			fields := map[string][]string{
				"instance-type": {it.Name}, "availability-zone": {z}, "product-description": {x.ProductDescription},
				"spot-price": {x.SpotPrice}, "timestamp": {now},
			}
			if ec2Matches(filters, nil, func(name string) []string { return fields[name] }) {
				matched = append(matched, x)
			}
		}
	}
	page, next, err := ec2Page(matched, p, s.opts.PageSize)
	if err != nil {
		return nil, nil, err
	}
	return &describeSpotPricesXML{Prices: page, NextToken: next}, nil, nil
}
