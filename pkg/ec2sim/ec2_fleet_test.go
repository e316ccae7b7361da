package ec2sim

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// fleetInput is an instant fleet of one instance over the overrides of template.
func fleetInput(template, capacityType string, overrides ...ec2types.FleetLaunchTemplateOverridesRequest) *ec2.CreateFleetInput {
	in := &ec2.CreateFleetInput{
		Type: ec2types.FleetTypeInstant,
		TargetCapacitySpecification: &ec2types.TargetCapacitySpecificationRequest{
			TotalTargetCapacity:       aws.Int32(1),
			DefaultTargetCapacityType: ec2types.DefaultTargetCapacityType(capacityType),
		},
		LaunchTemplateConfigs: []ec2types.FleetLaunchTemplateConfigRequest{{
			LaunchTemplateSpecification: &ec2types.FleetLaunchTemplateSpecificationRequest{
				LaunchTemplateName: aws.String(template), Version: aws.String("$Latest"),
			},
			Overrides: overrides,
		}},
		OnDemandOptions: &ec2types.OnDemandOptionsRequest{AllocationStrategy: ec2types.FleetOnDemandAllocationStrategyLowestPrice},
		SpotOptions:     &ec2types.SpotOptionsRequest{AllocationStrategy: ec2types.SpotAllocationStrategyPriceCapacityOptimized},
		TagSpecifications: []ec2types.TagSpecification{
			{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("karpenter.sh/nodepool"), Value: aws.String("default")}}},
			{ResourceType: ec2types.ResourceTypeVolume, Tags: []ec2types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}},
		},
	}
	return in
}

func override(instanceType, subnet, zone string) ec2types.FleetLaunchTemplateOverridesRequest {
	return ec2types.FleetLaunchTemplateOverridesRequest{
		InstanceType: ec2types.InstanceType(instanceType), SubnetId: aws.String(subnet), AvailabilityZone: aws.String(zone),
	}
}

// offeredZone returns a zone where every one of types is offered.
func offeredZone(t *testing.T, sim *Simulator, types ...string) string {
	t.Helper()
	for _, z := range sim.Zones() {
		ok := true
		for _, it := range types {
			ok = ok && sim.Offered(it, z)
		}
		if ok {
			return z
		}
	}
	t.Fatalf("no zone offers all of %v", types)
	return ""
}

func TestCreateFleetPicksTheCheapestOverride(t *testing.T) {
	sim, client := startEC2(t, Options{InstanceTypes: ec2SyntheticTypes(5)})
	ctx := context.Background()
	ec2CreateTemplate(t, client, "nodes", ec2AL2023Image(t, sim, "x86_64"))
	zone := offeredZone(t, sim, "syn1.large", "syn2.large", "syn4.large")
	subnet := ec2TaggedSubnet(t, sim, zone)
	out, err := client.CreateFleet(ctx, fleetInput("nodes", "on-demand",
		override("syn4.large", subnet, zone), override("syn1.large", subnet, zone), override("syn2.large", subnet, zone)))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) != 0 || len(out.Instances) != 1 || out.Instances[0].InstanceType != "syn1.large" {
		t.Fatalf("fleet %+v errors %+v", out.Instances, out.Errors)
	}
	fi := out.Instances[0]
	if fi.Lifecycle != ec2types.InstanceLifecycleOnDemand || aws.ToString(fi.LaunchTemplateAndOverrides.Overrides.AvailabilityZone) != zone ||
		aws.ToString(out.FleetId) == "" || len(fi.InstanceIds) != 1 {
		t.Fatalf("fleet instance %+v", fi)
	}
	inst, ok := sim.Instance(fi.InstanceIds[0])
	if !ok || inst.State != StatePending || inst.SubnetID != subnet || inst.Zone != zone || inst.CapacityType != "on-demand" ||
		inst.Tags["karpenter.sh/nodepool"] != "default" || inst.UserData != "#!/bin/bash\necho hello\n" ||
		!strings.HasPrefix(inst.PrivateDNSName, "ip-10-") || !strings.HasSuffix(inst.PrivateDNSName, ".us-west-2.compute.internal") ||
		inst.LaunchTemplateName != "nodes" || len(inst.SecurityGroupIDs) != 1 {
		t.Fatalf("instance %+v", inst)
	}
}

func TestCreateFleetFallsBackOnInsufficientCapacity(t *testing.T) {
	sim, client := startEC2(t, Options{InstanceTypes: ec2SyntheticTypes(5)})
	ctx := context.Background()
	ec2CreateTemplate(t, client, "nodes", ec2AL2023Image(t, sim, "x86_64"))
	zone := offeredZone(t, sim, "syn1.large", "syn2.large", "syn3.large")
	subnet := ec2TaggedSubnet(t, sim, zone)
	sim.SetInsufficientCapacity("syn1.large", zone, "on-demand", true)
	in := fleetInput("nodes", "on-demand",
		override("syn3.large", subnet, zone), override("syn2.large", subnet, zone), override("syn1.large", subnet, zone))
	out, err := client.CreateFleet(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Instances) != 1 || out.Instances[0].InstanceType != "syn2.large" {
		t.Fatalf("launched %+v", out.Instances)
	}
	if len(out.Errors) != 1 || aws.ToString(out.Errors[0].ErrorCode) != "InsufficientInstanceCapacity" ||
		out.Errors[0].LaunchTemplateAndOverrides.Overrides.InstanceType != "syn1.large" ||
		aws.ToString(out.Errors[0].LaunchTemplateAndOverrides.Overrides.AvailabilityZone) != zone ||
		out.Errors[0].Lifecycle != ec2types.InstanceLifecycleOnDemand {
		t.Fatalf("errors %+v", out.Errors)
	}

	// Out of addresses in the subnet and out of capacity everywhere: only errors.
	sim.SetNoFreeAddresses(subnet, true)
	out, err = client.CreateFleet(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Instances) != 0 || len(out.Errors) != 3 {
		t.Fatalf("instances %+v errors %+v", out.Instances, out.Errors)
	}
	codes := map[string]int{}
	for _, e := range out.Errors {
		codes[aws.ToString(e.ErrorCode)]++
	}
	if codes["InsufficientInstanceCapacity"] != 1 || codes["InsufficientFreeAddressesInSubnet"] != 2 {
		t.Fatalf("error codes %v", codes)
	}
}

func TestCreateFleetSpotPicksTheCheapestSpotPrice(t *testing.T) {
	sim, client := startEC2(t, Options{InstanceTypes: ec2SyntheticTypes(8)})
	ec2CreateTemplate(t, client, "nodes", ec2AL2023Image(t, sim, "x86_64"))
	var overrides []ec2types.FleetLaunchTemplateOverridesRequest
	best, bestPrice := "", 0.0
	for _, z := range sim.Zones() {
		for _, it := range []string{"syn5.large", "syn6.large", "syn7.large"} {
			if p := sim.SpotPrice(it, z); p > 0 {
				overrides = append(overrides, override(it, ec2TaggedSubnet(t, sim, z), z))
				if best == "" || p < bestPrice {
					best, bestPrice = it+"/"+z, p
				}
			}
		}
	}
	out, err := client.CreateFleet(context.Background(), fleetInput("nodes", "spot", overrides...))
	if err != nil || len(out.Instances) != 1 {
		t.Fatalf("%v %+v", err, out)
	}
	fi := out.Instances[0]
	got := string(fi.InstanceType) + "/" + aws.ToString(fi.LaunchTemplateAndOverrides.Overrides.AvailabilityZone)
	if got != best || fi.Lifecycle != ec2types.InstanceLifecycleSpot {
		t.Fatalf("launched %s (%s), cheapest spot is %s", got, fi.Lifecycle, best)
	}
	desc, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: fi.InstanceIds})
	if err != nil {
		t.Fatal(err)
	}
	inst := desc.Reservations[0].Instances[0]
	if inst.InstanceLifecycle != ec2types.InstanceLifecycleTypeSpot || aws.ToString(inst.SpotInstanceRequestId) == "" {
		t.Fatalf("spot instance %+v", inst)
	}
}

func TestCreateFleetValidation(t *testing.T) {
	sim, client := startEC2(t, Options{})
	ctx := context.Background()
	zone := offeredZone(t, sim, "m5.large", "m6g.large")
	subnet := ec2TaggedSubnet(t, sim, zone)
	out, err := client.CreateFleet(ctx, fleetInput("missing", "on-demand", override("m5.large", subnet, zone), override("m5.xlarge", subnet, zone)))
	if err != nil || len(out.Instances) != 0 || len(out.Errors) != 1 ||
		aws.ToString(out.Errors[0].ErrorCode) != "InvalidLaunchTemplateName.NotFoundException" {
		t.Fatalf("missing template: %v %+v", err, out)
	}
	ec2CreateTemplate(t, client, "x86", ec2AL2023Image(t, sim, "x86_64"))
	out, err = client.CreateFleet(ctx, fleetInput("x86", "on-demand",
		override("m9z.huge", subnet, zone), override("m6g.large", subnet, zone), override("m5.large", "subnet-0000", zone)))
	if err != nil || len(out.Instances) != 0 || len(out.Errors) != 3 {
		t.Fatalf("bad overrides: %v %+v", err, out)
	}
	want := []string{"InvalidParameterValue", "InvalidParameterValue", "InvalidSubnetID.NotFound"}
	for i, e := range out.Errors {
		if aws.ToString(e.ErrorCode) != want[i] {
			t.Fatalf("error %d: %s %s, want %s", i, aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage), want[i])
		}
	}
	maintain := fleetInput("x86", "on-demand", override("m5.large", subnet, zone))
	maintain.Type = ec2types.FleetTypeMaintain
	_, err = client.CreateFleet(ctx, maintain)
	if ec2ErrCode(err) != "InvalidParameterValue" {
		t.Fatalf("maintain fleet: %v", err)
	}
}

func TestLaunchTemplates(t *testing.T) {
	sim, client := startEC2(t, Options{})
	ctx := context.Background()
	groups := sim.SecurityGroups()
	_, err := client.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("karpenter.k8s.aws/123"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
			ImageId:            aws.String(ec2AL2023Image(t, sim, "arm64")),
			UserData:           aws.String("dXNlcmRhdGE="),
			SecurityGroupIds:   []string{groups[0].ID},
			IamInstanceProfile: &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String("nodes")},
			MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{
				HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(1),
			},
			BlockDeviceMappings: []ec2types.LaunchTemplateBlockDeviceMappingRequest{{
				DeviceName: aws.String("/dev/xvda"),
				Ebs:        &ec2types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(20), VolumeType: ec2types.VolumeTypeGp3, Encrypted: aws.Bool(true)},
			}},
		},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate,
			Tags: []ec2types.Tag{{Key: aws.String("karpenter.k8s.aws/cluster"), Value: aws.String("sim-cluster")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lt, ok := sim.LaunchTemplate("karpenter.k8s.aws/123")
	if !ok || lt.UserData != "dXNlcmRhdGE=" || lt.IAMInstanceProfile != "nodes" || lt.MetadataOptions.HTTPTokens != "required" ||
		len(lt.BlockDevices) != 1 || lt.BlockDevices[0].VolumeSizeGiB != 20 || !lt.BlockDevices[0].Encrypted ||
		lt.SecurityGroupIDs[0] != groups[0].ID || lt.Data["BlockDeviceMapping.1.Ebs.VolumeType"] != "gp3" {
		t.Fatalf("stored template %+v", lt)
	}
	_, err = client.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("karpenter.k8s.aws/123"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-1")},
	})
	if ec2ErrCode(err) != "InvalidLaunchTemplateName.AlreadyExistsException" {
		t.Fatalf("duplicate: %v", err)
	}
	out, err := client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{
		Filters: []ec2types.Filter{{Name: aws.String("tag:karpenter.k8s.aws/cluster"), Values: []string{"sim-cluster"}}},
	})
	if err != nil || len(out.LaunchTemplates) != 1 || aws.ToString(out.LaunchTemplates[0].LaunchTemplateId) != lt.ID {
		t.Fatalf("by tag: %v %+v", err, out)
	}
	if _, err := client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"nope"}}); ec2ErrCode(err) != "InvalidLaunchTemplateName.NotFoundException" {
		t.Fatalf("missing name: %v", err)
	}
	if _, err := client.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String("karpenter.k8s.aws/123")}); err != nil {
		t.Fatal(err)
	}
	if len(sim.LaunchTemplates()) != 0 {
		t.Fatalf("left %+v", sim.LaunchTemplates())
	}
}
