package ec2sim

import (
	"context"
	"sort"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

func TestDescribeInstanceTypesPaginatesTheWholeCatalog(t *testing.T) {
	sim, client := startEC2(t, Options{})
	want := catalog.Default()
	if len(want) <= 200 {
		t.Fatalf("catalog has %d types, want more than two pages", len(want))
	}
	seen := map[string]bool{}
	pages := 0
	pager := ec2.NewDescribeInstanceTypesPaginator(client, &ec2.DescribeInstanceTypesInput{})
	for pager.HasMorePages() {
		out, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.InstanceTypes) > 100 {
			t.Fatalf("page of %d types, EC2 serves at most 100", len(out.InstanceTypes))
		}
		for _, info := range out.InstanceTypes {
			seen[string(info.InstanceType)] = true
		}
	}
	if len(seen) != len(want) || pages != (len(want)+99)/100 {
		t.Fatalf("got %d types in %d pages, want %d", len(seen), pages, len(want))
	}
	if got := sim.Calls("DescribeInstanceTypes"); got < pages {
		t.Fatalf("%d calls for %d pages", got, pages)
	}
}

func TestDescribeInstanceTypesSmallPagesAndNames(t *testing.T) {
	_, client := startEC2(t, Options{InstanceTypes: ec2SyntheticTypes(23), PageSize: 5})
	ctx := context.Background()
	var names []string
	pager := ec2.NewDescribeInstanceTypesPaginator(client, &ec2.DescribeInstanceTypesInput{})
	for pager.HasMorePages() {
		out, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range out.InstanceTypes {
			names = append(names, string(info.InstanceType))
		}
	}
	if len(names) != 23 {
		t.Fatalf("got %d types, want 23", len(names))
	}
	out, err := client.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{"syn3.large", "syn7.large"}})
	if err != nil || len(out.InstanceTypes) != 2 {
		t.Fatalf("by name: %v, %d types", err, len(out.InstanceTypes))
	}
	_, err = client.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{"nope.large"}})
	if ec2ErrCode(err) != "InvalidInstanceType" {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestDescribeInstanceTypesInfo(t *testing.T) {
	_, client := startEC2(t, Options{})
	out, err := client.DescribeInstanceTypes(context.Background(), &ec2.DescribeInstanceTypesInput{
		InstanceTypes: []ec2types.InstanceType{"m5.large", "g5.xlarge", "inf2.xlarge", "m6gd.large"},
		Filters: []ec2types.Filter{
			{Name: aws.String("supported-virtualization-type"), Values: []string{"hvm"}},
			{Name: aws.String("processor-info.supported-architecture"), Values: []string{"x86_64", "arm64"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	infos := map[string]ec2types.InstanceTypeInfo{}
	for _, info := range out.InstanceTypes {
		infos[string(info.InstanceType)] = info
	}
	m5 := infos["m5.large"]
	if aws.ToInt32(m5.VCpuInfo.DefaultVCpus) != 2 || aws.ToInt64(m5.MemoryInfo.SizeInMiB) != 8192 ||
		m5.ProcessorInfo.SupportedArchitectures[0] != "x86_64" || aws.ToInt32(m5.NetworkInfo.MaximumNetworkInterfaces) != 3 ||
		aws.ToInt32(m5.NetworkInfo.Ipv4AddressesPerInterface) != 10 || m5.Hypervisor != "nitro" ||
		aws.ToInt32(m5.NetworkInfo.NetworkCards[aws.ToInt32(m5.NetworkInfo.DefaultNetworkCardIndex)].MaximumNetworkInterfaces) != 3 ||
		aws.ToInt32(m5.EbsInfo.EbsOptimizedInfo.BaselineBandwidthInMbps) == 0 || len(m5.SupportedUsageClasses) != 2 {
		t.Fatalf("m5.large: %+v", m5)
	}
	g5 := infos["g5.xlarge"]
	if g5.GpuInfo == nil || aws.ToString(g5.GpuInfo.Gpus[0].Manufacturer) != "NVIDIA" || aws.ToInt32(g5.GpuInfo.Gpus[0].Count) != 1 ||
		aws.ToInt64(g5.InstanceStorageInfo.TotalSizeInGB) == 0 || g5.InstanceStorageInfo.NvmeSupport != "required" {
		t.Fatalf("g5.xlarge: %+v", g5)
	}
	inf2 := infos["inf2.xlarge"]
	if inf2.NeuronInfo == nil || aws.ToInt32(inf2.NeuronInfo.NeuronDevices[0].Count) != 1 ||
		aws.ToInt32(inf2.NeuronInfo.NeuronDevices[0].CoreInfo.Count) != 2 {
		t.Fatalf("inf2.xlarge: %+v", inf2.NeuronInfo)
	}
	if arm := infos["m6gd.large"]; arm.ProcessorInfo.SupportedArchitectures[0] != "arm64" || !aws.ToBool(arm.InstanceStorageSupported) {
		t.Fatalf("m6gd.large: %+v", arm)
	}
}

func TestDescribeInstanceTypeOfferingsDifferByZone(t *testing.T) {
	sim, client := startEC2(t, Options{InstanceTypes: ec2SyntheticTypes(120), PageSize: 50})
	byZone := map[string]map[string]bool{}
	pager := ec2.NewDescribeInstanceTypeOfferingsPaginator(client, &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: ec2types.LocationTypeAvailabilityZone,
	})
	for pager.HasMorePages() {
		out, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.InstanceTypeOfferings {
			zone := aws.ToString(o.Location)
			if byZone[zone] == nil {
				byZone[zone] = map[string]bool{}
			}
			byZone[zone][string(o.InstanceType)] = true
		}
	}
	missing := 0
	for _, it := range ec2SyntheticTypes(120) {
		offeredSomewhere := false
		for _, z := range sim.Zones() {
			if byZone[z][it.Name] != sim.Offered(it.Name, z) {
				t.Fatalf("%s in %s: API says %v, Offered says %v", it.Name, z, byZone[z][it.Name], sim.Offered(it.Name, z))
			}
			offeredSomewhere = offeredSomewhere || byZone[z][it.Name]
			if !byZone[z][it.Name] {
				missing++
			}
		}
		if !offeredSomewhere {
			t.Fatalf("%s offered nowhere", it.Name)
		}
	}
	if missing == 0 || missing > 60 {
		t.Fatalf("%d of 360 (type, zone) pairs not offered, want about 5%%", missing)
	}
	zone := sim.Zones()[1]
	out, err := client.DescribeInstanceTypeOfferings(context.Background(), &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: ec2types.LocationTypeAvailabilityZone,
		Filters: []ec2types.Filter{
			{Name: aws.String("location"), Values: []string{zone}},
			{Name: aws.String("instance-type"), Values: []string{"syn1*"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out.InstanceTypeOfferings {
		if aws.ToString(o.Location) != zone || string(o.InstanceType)[:4] != "syn1" {
			t.Fatalf("filtered offering %s in %s", o.InstanceType, aws.ToString(o.Location))
		}
	}
}

func TestDescribeAvailabilityZones(t *testing.T) {
	_, client := startEC2(t, Options{Region: "eu-central-1"})
	out, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.AvailabilityZones) != 3 {
		t.Fatalf("%d zones", len(out.AvailabilityZones))
	}
	z := out.AvailabilityZones[1]
	if aws.ToString(z.ZoneName) != "eu-central-1b" || aws.ToString(z.ZoneId) != "euc1-az2" || z.State != ec2types.AvailabilityZoneStateAvailable {
		t.Fatalf("zone %+v", z)
	}
}

func TestDescribeSpotPriceHistory(t *testing.T) {
	sim, client := startEC2(t, Options{InstanceTypes: ec2SyntheticTypes(10), PageSize: 7})
	var prices []ec2types.SpotPrice
	pager := ec2.NewDescribeSpotPriceHistoryPaginator(client, &ec2.DescribeSpotPriceHistoryInput{
		InstanceTypes:       []ec2types.InstanceType{"syn2.large", "syn5.large"},
		ProductDescriptions: []string{"Linux/UNIX", "Linux/UNIX (Amazon VPC)"},
	})
	for pager.HasMorePages() {
		out, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		prices = append(prices, out.SpotPriceHistory...)
	}
	if len(prices) == 0 {
		t.Fatal("no spot prices")
	}
	for _, p := range prices {
		got, _ := strconv.ParseFloat(aws.ToString(p.SpotPrice), 64)
		it, zone := string(p.InstanceType), aws.ToString(p.AvailabilityZone)
		want := sim.SpotPrice(it, zone)
		onDemand := 0.01 * float64(map[string]int{"syn2.large": 3, "syn5.large": 6}[it])
		if got != want || got < onDemand*0.35*0.85-1e-6 || got > onDemand*0.35*1.15+1e-6 || p.Timestamp == nil {
			t.Fatalf("%s in %s: %v (SpotPrice %v, on-demand %v)", it, zone, got, want, onDemand)
		}
	}
	out, err := client.DescribeSpotPriceHistory(context.Background(), &ec2.DescribeSpotPriceHistoryInput{
		Filters: []ec2types.Filter{{Name: aws.String("availability-zone"), Values: []string{sim.Zones()[0]}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range out.SpotPriceHistory {
		if aws.ToString(p.AvailabilityZone) != sim.Zones()[0] {
			t.Fatalf("zone filter let %s through", aws.ToString(p.AvailabilityZone))
		}
	}
}

func TestDescribeSubnetsAndSecurityGroupsBySelectors(t *testing.T) {
	sim, client := startEC2(t, Options{ClusterName: "demo"})
	ctx := context.Background()
	extra := sim.AddSubnet(sim.Zones()[2], map[string]string{"team": "blue"})
	tagged := func(k, v string) []ec2types.Filter {
		return []ec2types.Filter{{Name: aws.String("tag:" + k), Values: []string{v}}}
	}
	subnets := func(in *ec2.DescribeSubnetsInput) []string {
		out, err := client.DescribeSubnets(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, sn := range out.Subnets {
			ids = append(ids, aws.ToString(sn.SubnetId))
			if aws.ToInt32(sn.AvailableIpAddressCount) <= 0 || aws.ToString(sn.AvailabilityZone) == "" {
				t.Fatalf("subnet %+v", sn)
			}
		}
		return ids
	}
	if ids := subnets(&ec2.DescribeSubnetsInput{Filters: tagged("karpenter.sh/discovery", "demo")}); len(ids) != 3 {
		t.Fatalf("discovery subnets %v", ids)
	}
	if ids := subnets(&ec2.DescribeSubnetsInput{Filters: tagged("team", "*")}); len(ids) != 1 || ids[0] != extra {
		t.Fatalf("tag wildcard %v", ids)
	}
	if ids := subnets(&ec2.DescribeSubnetsInput{}); len(ids) != 5 {
		t.Fatalf("all subnets %v", ids)
	}
	byID := subnets(&ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("subnet-id"), Values: []string{extra}}}})
	if len(byID) != 1 || len(subnets(&ec2.DescribeSubnetsInput{SubnetIds: []string{extra}})) != 1 {
		t.Fatalf("by id %v", byID)
	}
	if _, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0000"}}); ec2ErrCode(err) != "InvalidSubnetID.NotFound" {
		t.Fatalf("unknown subnet: %v", err)
	}
	if _, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}}); ec2ErrCode(err) != "InvalidParameterValue" {
		t.Fatalf("bogus filter: %v", err)
	}

	sgs, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: tagged("karpenter.sh/discovery", "demo")})
	if err != nil || len(sgs.SecurityGroups) != 1 || aws.ToString(sgs.SecurityGroups[0].GroupName) != "demo-node" {
		t.Fatalf("tagged groups: %v %+v", err, sgs)
	}
	byName, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"default"}}},
	})
	if err != nil || len(byName.SecurityGroups) != 1 {
		t.Fatalf("by name: %v %+v", err, byName)
	}
	id := aws.ToString(byName.SecurityGroups[0].GroupId)
	byID2, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(byID2.SecurityGroups) != 1 || len(byID2.SecurityGroups[0].Tags) != 0 {
		t.Fatalf("by id: %v %+v", err, byID2)
	}
}

func TestDescribeImagesFilters(t *testing.T) {
	sim, client := startEC2(t, Options{})
	ctx := context.Background()
	names := func(in *ec2.DescribeImagesInput) []string {
		out, err := client.DescribeImages(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, img := range out.Images {
			n = append(n, aws.ToString(img.Name))
		}
		sort.Strings(n)
		return n
	}
	al2023 := names(&ec2.DescribeImagesInput{
		Owners: []string{"amazon"},
		Filters: []ec2types.Filter{
			{Name: aws.String("name"), Values: []string{"amazon-eks-node-al2023-x86_64-standard-*"}},
			{Name: aws.String("architecture"), Values: []string{"x86_64"}},
		},
	})
	if len(al2023) != 2 || al2023[1] != "amazon-eks-node-al2023-x86_64-standard-1.34-v20250915" {
		t.Fatalf("AL2023 by name: %v", al2023)
	}
	current := ec2AL2023Image(t, sim, "arm64")
	if current != DefaultImageID(FamilyAL2023, "arm64", VariantStandard) {
		t.Fatalf("alias image %s is not the SSM alias target", current)
	}
	out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{current}})
	if err != nil || len(out.Images) != 1 || out.Images[0].Architecture != ec2types.ArchitectureValuesArm64 || aws.ToString(out.Images[0].CreationDate) == "" {
		t.Fatalf("by id: %v %+v", err, out)
	}
	own := sim.AddImage(Image{Name: "custom-node", Tags: map[string]string{"team": "blue"}})
	if got := names(&ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:team"), Values: []string{"blue"}}}}); len(got) != 1 || got[0] != "custom-node" {
		t.Fatalf("by tag: %v", got)
	}
	if got := names(&ec2.DescribeImagesInput{Owners: []string{"self"}}); len(got) != 1 {
		t.Fatalf("self: %v", got)
	}
	if got := names(&ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("image-id"), Values: []string{own}}}}); len(got) != 1 {
		t.Fatalf("image-id filter: %v", got)
	}
	if _, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{"ami-0123"}}); ec2ErrCode(err) != "InvalidAMIID.NotFound" {
		t.Fatalf("unknown image: %v", err)
	}
	if len(sim.DefaultImages()) != len(AliasImages()) {
		t.Fatalf("%d default images for %d aliases", len(sim.DefaultImages()), len(AliasImages()))
	}
}
