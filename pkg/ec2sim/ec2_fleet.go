package ec2sim

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// fleetRequest is a parsed CreateFleet request.
type fleetRequest struct {
	capacityType string // "on-demand" or "spot"
	count        int
	strategy     string // allocation strategy of capacityType
	overrides    []*fleetOverride
	tags         map[string]map[string]string // by resource type
}

// fleetOverride is one launch template override, with its launch template.
type fleetOverride struct {
	config   int // index of its LaunchTemplateConfigs element
	spec     ec2LTSpecXML
	template *LaunchTemplate
	// Fields as given, then resolved: the type defaults to the template's, the
	// zone to the subnet's.
	instanceType, subnetID, zone, imageID, maxPrice string
	priority                                        *float64
	subnet                                          *Subnet
	image                                           *Image
	price                                           float64 // per hour, of capacityType
}

func parseFleetRequest(p ec2Params) (*fleetRequest, *ec2Error) {
	if t := p.Get("Type"); t != "instant" {
		return nil, ec2Errorf("InvalidParameterValue", "The simulator only supports fleets of type instant, not %q", t)
	}
	tcs := "TargetCapacitySpecification."
	count, err := strconv.Atoi(p.Get(tcs + "TotalTargetCapacity"))
	if err != nil || count < 1 || count > 1000 {
		return nil, ec2Errorf("InvalidTargetCapacitySpecification", "TotalTargetCapacity must be between 1 and 1000")
	}
	req := &fleetRequest{capacityType: p.Get(tcs + "DefaultTargetCapacityType"), count: count}
	switch req.capacityType {
	case "on-demand":
		req.strategy = p.Get("OnDemandOptions.AllocationStrategy")
	case "spot":
		req.strategy = p.Get("SpotOptions.AllocationStrategy")
	default:
		return nil, ec2Errorf("InvalidParameterValue", "Invalid value '%s' for DefaultTargetCapacityType", req.capacityType)
	}
	configs := p.members("LaunchTemplateConfigs")
	if len(configs) == 0 {
		return nil, ec2Errorf("MissingParameter", "The request must contain the parameter LaunchTemplateConfigs")
	}
	for i, c := range configs {
		req.overrides = append(req.overrides, parseOverrides(p, c, i)...)
	}
	req.tags = p.tagSpecifications("TagSpecification")
	return req, nil
}

// parseOverrides reads the overrides of one launch template config; a config
// without overrides launches its template as it is.
func parseOverrides(p ec2Params, config string, index int) []*fleetOverride {
	ls := config + ".LaunchTemplateSpecification."
	spec := ec2LTSpecXML{ID: p.Get(ls + "LaunchTemplateId"), Name: p.Get(ls + "LaunchTemplateName"), Version: p.Get(ls + "Version")}
	members := p.members(config + ".Overrides")
	if len(members) == 0 {
		return []*fleetOverride{{config: index, spec: spec}}
	}
	var out []*fleetOverride
	for _, m := range members {
		o := &fleetOverride{
			config: index, spec: spec, instanceType: p.Get(m + ".InstanceType"), subnetID: p.Get(m + ".SubnetId"),
			zone: p.Get(m + ".AvailabilityZone"), imageID: p.Get(m + ".ImageId"), maxPrice: p.Get(m + ".MaxPrice"),
		}
		if v, err := strconv.ParseFloat(p.Get(m+".Priority"), 64); err == nil {
			o.priority = &v
		}
		out = append(out, o)
	}
	return out
}

type ec2LTSpecXML struct {
	ID      string `xml:"launchTemplateId,omitempty"`
	Name    string `xml:"launchTemplateName,omitempty"`
	Version string `xml:"version,omitempty"`
}

type ec2OverridesXML struct {
	InstanceType     string   `xml:"instanceType,omitempty"`
	MaxPrice         string   `xml:"maxPrice,omitempty"`
	SubnetID         string   `xml:"subnetId,omitempty"`
	AvailabilityZone string   `xml:"availabilityZone,omitempty"`
	Priority         *float64 `xml:"priority,omitempty"`
	ImageID          string   `xml:"imageId,omitempty"`
}

type ec2LTAndOverridesXML struct {
	Spec      ec2LTSpecXML    `xml:"launchTemplateSpecification"`
	Overrides ec2OverridesXML `xml:"overrides"`
}

type ec2FleetErrorXML struct {
	LaunchTemplateAndOverrides ec2LTAndOverridesXML `xml:"launchTemplateAndOverrides"`
	Lifecycle                  string               `xml:"lifecycle"`
	ErrorCode                  string               `xml:"errorCode"`
	ErrorMessage               string               `xml:"errorMessage"`
}

type ec2FleetInstanceXML struct {
	LaunchTemplateAndOverrides ec2LTAndOverridesXML `xml:"launchTemplateAndOverrides"`
	Lifecycle                  string               `xml:"lifecycle"`
	InstanceIDs                []string             `xml:"instanceIds>item"`
	InstanceType               string               `xml:"instanceType"`
	Platform                   string               `xml:"platform,omitempty"`
}

type createFleetXML struct {
	ec2RequestMeta
	FleetID   string                `xml:"fleetId"`
	Errors    []ec2FleetErrorXML    `xml:"errorSet>item"`
	Instances []ec2FleetInstanceXML `xml:"fleetInstanceSet>item"`
}

// echo is the launchTemplateAndOverrides element describing the override.
func (o *fleetOverride) echo() ec2LTAndOverridesXML {
	spec := o.spec
	if o.template != nil {
		spec.ID, spec.Name = o.template.ID, o.template.Name
		if spec.Version == "" || strings.HasPrefix(spec.Version, "$") {
			spec.Version = "1"
		}
	}
	return ec2LTAndOverridesXML{Spec: spec, Overrides: ec2OverridesXML{
		InstanceType: o.instanceType, MaxPrice: o.maxPrice, SubnetID: o.subnetID,
		AvailabilityZone: o.zone, Priority: o.priority, ImageID: o.imageID,
	}}
}

func (o *fleetOverride) failure(capacityType, code, format string, args ...any) ec2FleetErrorXML {
	return ec2FleetErrorXML{
		LaunchTemplateAndOverrides: o.echo(), Lifecycle: capacityType,
		ErrorCode: code, ErrorMessage: fmt.Sprintf(format, args...),
	}
}

// createFleet launches an instant fleet. Overrides that cannot launch at all
// (unknown template, type, subnet or image, type not offered in the zone) are
// reported in errorSet. The others are tried cheapest first (on-demand
// lowest-price by on-demand price, spot by spot price; prioritized strategies by
// priority); each one that fails for capacity (injected insufficient capacity,
// subnet out of addresses) is reported, and the first that can launch gets all
// the instances.
func (s *Simulator) createFleet(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	req, err := parseFleetRequest(p)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &createFleetXML{FleetID: "fleet-" + ec2RequestID()}
	var candidates []*fleetOverride
	missingTemplate := map[int]bool{} // configs whose missing template was reported
	for _, o := range req.overrides {
		e := s.resolveOverride(o, req.capacityType)
		switch {
		case e == nil:
			candidates = append(candidates, o)
		case o.template == nil && missingTemplate[o.config]:
		default:
			missingTemplate[o.config] = o.template == nil
			out.Errors = append(out.Errors, *e)
		}
	}
	sortByAllocation(candidates, req.strategy)
	for _, o := range candidates {
		if e := s.capacityFailure(o, req); e != nil {
			out.Errors = append(out.Errors, *e)
			continue
		}
		launched := s.launch(o, req, out.FleetID)
		fi := ec2FleetInstanceXML{LaunchTemplateAndOverrides: o.echo(), Lifecycle: req.capacityType, InstanceType: o.instanceType}
		for _, inst := range launched {
			fi.InstanceIDs = append(fi.InstanceIDs, inst.ID)
		}
		out.Instances = append(out.Instances, fi)
		return out, launched, nil
	}
	return out, nil, nil
}

// resolveOverride finds the template, type, subnet, zone and image of an override
// and its price, or the error entry saying why it cannot launch.
func (s *Simulator) resolveOverride(o *fleetOverride, capacityType string) *ec2FleetErrorXML {
	st := s.ec2
	fail := func(code, format string, args ...any) *ec2FleetErrorXML {
		e := o.failure(capacityType, code, format, args...)
		return &e
	}
	if o.template = st.templateByID(o.spec.ID); o.spec.ID != "" && o.template == nil {
		return fail("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", o.spec.ID)
	}
	if o.template == nil {
		if o.template = st.templateByName(o.spec.Name); o.template == nil {
			return fail("InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name %s, does not exist.", o.spec.Name)
		}
	}
	if o.instanceType == "" {
		o.instanceType = o.template.InstanceType
	}
	it, ok := st.types[o.instanceType]
	if !ok {
		return fail("InvalidParameterValue", "Invalid value '%s' for InstanceType.", o.instanceType)
	}
	if e := s.resolvePlacement(o, fail); e != nil {
		return e
	}
	if !st.offered(o.instanceType, o.zone) || !supportsUsageClass(it, capacityType) {
		return fail("Unsupported", "Your requested instance type (%s) is not supported in your requested Availability Zone (%s) as %s capacity.", o.instanceType, o.zone, capacityType)
	}
	if e := s.resolveImage(o, it.Architectures, fail); e != nil {
		return e
	}
	if err := st.checkGroupsExist(o.template.SecurityGroupIDs, o.template.SecurityGroupNames); err != nil {
		return fail(err.code, "%s", err.message)
	}
	o.price = it.OnDemandPricePerHour
	if capacityType == "spot" {
		o.price = st.spotPrice(o.instanceType, o.zone)
	}
	return nil
}

type fleetFailure func(code, format string, args ...any) *ec2FleetErrorXML

// resolvePlacement finds the override's subnet and zone: the subnet given, or the
// first subnet of the zone given, or the first subnet.
func (s *Simulator) resolvePlacement(o *fleetOverride, fail fleetFailure) *ec2FleetErrorXML {
	st := s.ec2
	switch {
	case o.subnetID != "":
		if o.subnet = st.subnet(o.subnetID); o.subnet == nil {
			return fail("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", o.subnetID)
		}
		if o.zone != "" && o.zone != o.subnet.Zone {
			return fail("InvalidParameterValue", "The subnet '%s' is not in the Availability Zone '%s'", o.subnetID, o.zone)
		}
	case o.zone != "":
		for _, sn := range st.subnets {
			if sn.Zone == o.zone && o.subnet == nil {
				o.subnet = sn
			}
		}
		if o.subnet == nil {
			return fail("InvalidParameterValue", "Invalid availability zone: [%s]", o.zone)
		}
	default:
		o.subnet = st.subnets[0]
	}
	o.zone = o.subnet.Zone
	return nil
}

// resolveImage finds the override's image (its own or the template's) and checks
// its architecture suits the instance type.
func (s *Simulator) resolveImage(o *fleetOverride, archs []string, fail fleetFailure) *ec2FleetErrorXML {
	id := o.imageID
	if id == "" {
		id = o.template.ImageID
	}
	if id == "" {
		return fail("MissingParameter", "The request must contain the parameter ImageId")
	}
	if o.image = s.ec2.image(id); o.image == nil {
		return fail("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
	}
	if !slices.Contains(archs, o.image.Architecture) {
		return fail("InvalidParameterValue", "The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI.", strings.Join(archs, ", "), o.image.Architecture)
	}
	return nil
}

// sortByAllocation orders overrides as the allocation strategy tries them.
func sortByAllocation(overrides []*fleetOverride, strategy string) {
	byPriority := strategy == "prioritized" || strategy == "capacity-optimized-prioritized"
	priority := func(o *fleetOverride) float64 {
		if o.priority == nil {
			return math.Inf(1)
		}
		return *o.priority
	}
	sort.SliceStable(overrides, func(i, j int) bool {
		a, b := overrides[i], overrides[j]
		if !byPriority && a.price != b.price {
			return a.price < b.price
		}
		return priority(a) < priority(b)
	})
}

// capacityFailure is the error an override meets at launch time, if any.
func (s *Simulator) capacityFailure(o *fleetOverride, req *fleetRequest) *ec2FleetErrorXML {
	key := o.instanceType + "/" + o.zone + "/" + req.capacityType
	if s.faults.insufficientCapacity[key] {
		msg := fmt.Sprintf("We currently do not have sufficient %s capacity in the Availability Zone you requested (%s). Our system will be working on provisioning additional capacity.", o.instanceType, o.zone)
		if req.capacityType == "spot" {
			msg = "There is no Spot capacity available that matches your request."
		}
		e := o.failure(req.capacityType, "InsufficientInstanceCapacity", "%s", msg)
		return &e
	}
	if s.faults.noFreeAddresses[o.subnet.ID] || o.subnet.AvailableIPs < req.count {
		e := o.failure(req.capacityType, "InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", o.subnet.ID)
		return &e
	}
	return nil
}
