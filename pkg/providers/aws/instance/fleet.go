package instance

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// MaxInstanceTypes caps the instance types offered to one CreateFleet: EC2 limits
// overrides, and the cheapest 60 leave ample room to dodge capacity shortages.
const MaxInstanceTypes = 60

// Template is a launch template and the instance types that may launch with it.
type Template struct {
	Name          string
	InstanceTypes []*cloudprovider.InstanceType
}

// LaunchRequest is everything needed to launch one instance for a claim.
type LaunchRequest struct {
	// Requirements of the claim (zones, capacity types, instance types, ...).
	Requirements scheduling.Requirements
	Templates    []Template
	Subnets      []ec2v1.Subnet
	// Tags for the instance, its volumes and the fleet request, shared by claims of
	// one NodePool and node class so that their launches can be batched.
	Tags map[string]string
	// ClaimTags are the claim's own tags (Name, karpenter.sh/nodeclaim), added to the
	// instance right after launch.
	ClaimTags map[string]string
	// Context is the EC2NodeClass reservation context, if any.
	Context *string
	// CapacityType to launch; CapacityTypeFor(req) when empty.
	CapacityType string
}

// override is one (instance type, subnet) choice of a fleet request.
type override struct {
	template, instanceType, subnet, zone string
	price                                float64
}

// CapacityTypeFor picks spot when the claim allows it and a spot offering is
// available, else on-demand; "" when neither can launch.
func CapacityTypeFor(req LaunchRequest) string {
	for _, ct := range []string{wellknown.CapacityTypeSpot, wellknown.CapacityTypeOnDemand} {
		if !req.Requirements.Get(wellknown.CapacityTypeLabelKey).Has(ct) {
			continue
		}
		if len(overrides(req, ct)) > 0 {
			return ct
		}
	}
	return ""
}

// overrides lists the cheapest MaxInstanceTypes instance types, each in every zone
// the claim allows where it has an available offering of capacityType and the node
// class has a subnet.
func overrides(req LaunchRequest, capacityType string) []override {
	subnetByZone := map[string]string{}
	for _, s := range req.Subnets {
		if _, ok := subnetByZone[s.Zone]; !ok {
			subnetByZone[s.Zone] = s.ID
		}
	}
	zones := req.Requirements.Get(corev1.LabelTopologyZone)
	types := req.Requirements.Get(corev1.LabelInstanceTypeStable)
	var out []override
	for _, t := range req.Templates {
		for _, it := range t.InstanceTypes {
			if !types.Has(it.Name) {
				continue
			}
			for _, o := range it.Offerings.Available() {
				subnet, ok := subnetByZone[o.Zone]
				if o.CapacityType != capacityType || !zones.Has(o.Zone) || !ok {
					continue
				}
				out = append(out, override{template: t.Name, instanceType: it.Name, subnet: subnet, zone: o.Zone, price: o.PricePerHour})
			}
		}
	}
	return cheapestTypes(out, MaxInstanceTypes)
}

// cheapestTypes keeps the overrides of the n instance types with the cheapest
// offering, ordered by price.
func cheapestTypes(all []override, n int) []override {
	sort.SliceStable(all, func(i, j int) bool { return all[i].price < all[j].price })
	kept := map[string]bool{}
	out := all[:0]
	for _, o := range all {
		if !kept[o.instanceType] {
			if len(kept) == n {
				continue
			}
			kept[o.instanceType] = true
		}
		out = append(out, o)
	}
	return out
}

// fleetInput is the CreateFleet request for count instances of the overrides.
func fleetInput(req LaunchRequest, capacityType string, ovs []override, count int32) *ec2.CreateFleetInput {
	byTemplate := map[string][]ec2types.FleetLaunchTemplateOverridesRequest{}
	var names []string
	for _, o := range ovs {
		if _, ok := byTemplate[o.template]; !ok {
			names = append(names, o.template)
		}
		byTemplate[o.template] = append(byTemplate[o.template], ec2types.FleetLaunchTemplateOverridesRequest{
			InstanceType: ec2types.InstanceType(o.instanceType),
			SubnetId:     aws.String(o.subnet),
		})
	}
	in := &ec2.CreateFleetInput{
		Type: ec2types.FleetTypeInstant,
		TargetCapacitySpecification: &ec2types.TargetCapacitySpecificationRequest{
			TotalTargetCapacity:       aws.Int32(count),
			DefaultTargetCapacityType: ec2types.DefaultTargetCapacityType(capacityType),
		},
		Context: req.Context,
		TagSpecifications: []ec2types.TagSpecification{
			tagSpec(ec2types.ResourceTypeInstance, req.Tags),
			tagSpec(ec2types.ResourceTypeVolume, req.Tags),
			tagSpec(ec2types.ResourceTypeFleet, req.Tags),
		},
	}
	for _, name := range names {
		in.LaunchTemplateConfigs = append(in.LaunchTemplateConfigs, ec2types.FleetLaunchTemplateConfigRequest{
			LaunchTemplateSpecification: &ec2types.FleetLaunchTemplateSpecificationRequest{
				LaunchTemplateName: aws.String(name), Version: aws.String("$Latest"),
			},
			Overrides: byTemplate[name],
		})
	}
	if capacityType == wellknown.CapacityTypeSpot {
		in.SpotOptions = &ec2types.SpotOptionsRequest{AllocationStrategy: ec2types.SpotAllocationStrategyPriceCapacityOptimized}
	} else {
		in.OnDemandOptions = &ec2types.OnDemandOptionsRequest{AllocationStrategy: ec2types.FleetOnDemandAllocationStrategyLowestPrice}
	}
	return in
}

func tagSpec(resource ec2types.ResourceType, tags map[string]string) ec2types.TagSpecification {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	spec := ec2types.TagSpecification{ResourceType: resource}
	for _, k := range keys {
		spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return spec
}

// fleetError is one override that could not launch.
type fleetError struct {
	code, instanceType, zone, capacityType, message string
}

func fleetErrors(out *ec2.CreateFleetOutput, zoneOfSubnet map[string]string, capacityType string) []fleetError {
	var errs []fleetError
	for _, e := range out.Errors {
		fe := fleetError{code: aws.ToString(e.ErrorCode), message: aws.ToString(e.ErrorMessage), capacityType: capacityType}
		if e.LaunchTemplateAndOverrides != nil && e.LaunchTemplateAndOverrides.Overrides != nil {
			ov := e.LaunchTemplateAndOverrides.Overrides
			fe.instanceType = string(ov.InstanceType)
			fe.zone = aws.ToString(ov.AvailabilityZone)
			if fe.zone == "" {
				fe.zone = zoneOfSubnet[aws.ToString(ov.SubnetId)]
			}
		}
		errs = append(errs, fe)
	}
	return errs
}

func summarize(errs []fleetError) string {
	if len(errs) == 0 {
		return "CreateFleet returned no instance and no error"
	}
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		parts = append(parts, fmt.Sprintf("%s for %s in %s (%s)", e.code, e.instanceType, e.zone, e.capacityType))
	}
	if len(parts) > 5 {
		parts = append(parts[:5], fmt.Sprintf("and %d more", len(parts)-5))
	}
	return strings.Join(parts, "; ")
}
