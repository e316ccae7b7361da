package instance_test

import (
	"context"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
	"github.com/tailor-sh/tailor/pkg/providers/aws/awstest"
	"github.com/tailor-sh/tailor/pkg/providers/aws/instance"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

const cluster = "sim-cluster"

// marks records the offerings the provider marked unavailable.
type marks struct {
	mu   sync.Mutex
	seen map[string]string
}

func (m *marks) MarkUnavailable(reason, instanceType, zone, capacityType string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen[instanceType+"/"+zone+"/"+capacityType] = reason
}

type fixture struct {
	sim      *ec2sim.Simulator
	ec2      *ec2.Client
	provider *instance.Provider
	marks    *marks
	subnets  []ec2v1.Subnet
	template string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	sim, clients := awstest.Start(t, ec2sim.Options{ClusterName: cluster})
	ctx := context.Background()
	f := &fixture{sim: sim, ec2: clients.EC2, marks: &marks{seen: map[string]string{}}, template: "tailor-test"}
	f.provider = instance.NewProvider(ctx, clients.EC2, f.marks, cluster)
	subnets, err := clients.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:karpenter.sh/discovery"), Values: []string{cluster}},
	}})
	if err != nil || len(subnets.Subnets) < 3 {
		t.Fatalf("describing the simulator's discovery subnets: %v (%d found)", err, len(subnets.Subnets))
	}
	for _, s := range subnets.Subnets {
		f.subnets = append(f.subnets, ec2v1.Subnet{ID: aws.ToString(s.SubnetId), Zone: aws.ToString(s.AvailabilityZone)})
	}
	if _, err := clients.EC2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(f.template),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(x86Image(t, sim))},
	}); err != nil {
		t.Fatalf("creating launch template: %v", err)
	}
	return f
}

func x86Image(t *testing.T, sim *ec2sim.Simulator) string {
	t.Helper()
	for _, img := range sim.DefaultImages() {
		if img.Architecture == "x86_64" && img.Platform == "" {
			return img.ID
		}
	}
	t.Fatal("the simulator has no x86_64 Linux image")
	return ""
}

// instanceTypes builds instance types for names from the catalog, offered on demand
// and as spot in every zone the simulator offers them, at the simulator's prices.
func (f *fixture) instanceTypes(t *testing.T, names ...string) []*cloudprovider.InstanceType {
	t.Helper()
	byName := map[string]catalog.InstanceType{}
	for _, it := range catalog.Default() {
		byName[it.Name] = it
	}
	var out []*cloudprovider.InstanceType
	for _, name := range names {
		c, ok := byName[name]
		if !ok {
			t.Fatalf("catalog has no %s", name)
		}
		it := &cloudprovider.InstanceType{Name: name, Requirements: scheduling.NewLabelRequirements(map[string]string{corev1.LabelInstanceTypeStable: name})}
		for _, zone := range f.sim.Zones() {
			if !f.sim.Offered(name, zone) {
				continue
			}
			it.Offerings = append(it.Offerings,
				cloudprovider.Offering{Zone: zone, CapacityType: wellknown.CapacityTypeOnDemand, PricePerHour: c.OnDemandPricePerHour, Available: true},
				cloudprovider.Offering{Zone: zone, CapacityType: wellknown.CapacityTypeSpot, PricePerHour: f.sim.SpotPrice(name, zone), Available: true})
		}
		out = append(out, it)
	}
	return out
}

func (f *fixture) request(types []*cloudprovider.InstanceType, capacityTypes ...string) instance.LaunchRequest {
	return instance.LaunchRequest{
		Requirements: scheduling.NewRequirements(scheduling.NewRequirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, capacityTypes...)),
		Templates:    []instance.Template{{Name: f.template, InstanceTypes: types}},
		Subnets:      f.subnets,
		Tags: map[string]string{
			"kubernetes.io/cluster/" + cluster: "owned",
			wellknown.NodePoolLabelKey:         "default",
		},
		ClaimTags: map[string]string{"Name": "default-abcde", "karpenter.sh/nodeclaim": "default-abcde"},
	}
}

func TestCreateLaunchesTheCheapestOnDemandType(t *testing.T) {
	f := setup(t)
	types := f.instanceTypes(t, "m5.xlarge", "m5.large", "c5.xlarge")
	inst, err := f.provider.Create(context.Background(), f.request(types, wellknown.CapacityTypeOnDemand))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if inst.Type != "m5.large" || inst.CapacityType != wellknown.CapacityTypeOnDemand {
		t.Errorf("launched %s (%s), want the cheapest, m5.large on-demand", inst.Type, inst.CapacityType)
	}
	got, ok := f.sim.Instance(inst.ID)
	if !ok || got.Tags["karpenter.sh/nodeclaim"] != "default-abcde" || got.Tags["kubernetes.io/cluster/"+cluster] != "owned" {
		t.Errorf("simulated instance %s tags = %v, want the cluster and claim tags", inst.ID, got.Tags)
	}
}

func TestCreatePrefersSpotWhenAllowed(t *testing.T) {
	f := setup(t)
	inst, err := f.provider.Create(context.Background(), f.request(f.instanceTypes(t, "m5.large", "m5.xlarge"), wellknown.CapacityTypeSpot, wellknown.CapacityTypeOnDemand))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if inst.CapacityType != wellknown.CapacityTypeSpot {
		t.Errorf("launched %s, want spot", inst.CapacityType)
	}
}

func TestInsufficientCapacityFallsToTheNextTypeAndIsRemembered(t *testing.T) {
	f := setup(t)
	for _, zone := range f.sim.Zones() {
		f.sim.SetInsufficientCapacity("m5.large", zone, wellknown.CapacityTypeOnDemand, true)
	}
	inst, err := f.provider.Create(context.Background(), f.request(f.instanceTypes(t, "m5.large", "m5.xlarge"), wellknown.CapacityTypeOnDemand))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if inst.Type != "m5.xlarge" {
		t.Errorf("launched %s, want the next cheapest type m5.xlarge", inst.Type)
	}
	for _, zone := range f.sim.Zones() {
		if !f.sim.Offered("m5.large", zone) {
			continue
		}
		if f.marks.seen["m5.large/"+zone+"/on-demand"] != "InsufficientInstanceCapacity" {
			t.Errorf("m5.large in %s not marked unavailable; marks = %v", zone, f.marks.seen)
		}
		if n := testutil.ToFloat64(instance.InsufficientCapacity.WithLabelValues("m5.large", zone, wellknown.CapacityTypeOnDemand, "InsufficientInstanceCapacity")); n < 1 {
			t.Errorf("tailor_cloudprovider_insufficient_capacity_total for m5.large in %s is %v, want at least 1", zone, n)
		}
	}
}

func TestNoCapacityAnywhereIsAnInsufficientCapacityError(t *testing.T) {
	f := setup(t)
	for _, zone := range f.sim.Zones() {
		f.sim.SetInsufficientCapacity("m5.large", zone, wellknown.CapacityTypeOnDemand, true)
	}
	_, err := f.provider.Create(context.Background(), f.request(f.instanceTypes(t, "m5.large"), wellknown.CapacityTypeOnDemand))
	if !cloudprovider.IsInsufficientCapacityError(err) {
		t.Fatalf("Create = %v, want an insufficient capacity error", err)
	}
	if n := len(f.sim.Instances()); n != 0 {
		t.Errorf("%d instances exist, want none", n)
	}
}

func TestConcurrentIdenticalLaunchesShareOneFleetCall(t *testing.T) {
	f := setup(t)
	types := f.instanceTypes(t, "m5.large", "m5.xlarge")
	const claims = 5
	ids := make([]string, claims)
	var wg sync.WaitGroup
	for i := range claims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst, err := f.provider.Create(context.Background(), f.request(types, wellknown.CapacityTypeOnDemand))
			if err != nil {
				t.Errorf("Create %d: %v", i, err)
				return
			}
			ids[i] = inst.ID
		}()
	}
	wg.Wait()
	distinct := map[string]bool{}
	for _, id := range ids {
		distinct[id] = true
	}
	if len(distinct) != claims {
		t.Errorf("instances = %v, want %d distinct", ids, claims)
	}
	if n := f.sim.Calls("CreateFleet"); n != 1 {
		t.Errorf("CreateFleet called %d times, want 1 batched call", n)
	}
}

func TestThrottlingIsSurvived(t *testing.T) {
	f := setup(t)
	f.sim.SetThrottleRate(0.5)
	const launches = 3
	for range launches {
		inst, err := f.provider.Create(context.Background(), f.request(f.instanceTypes(t, "m5.large"), wellknown.CapacityTypeOnDemand))
		if err != nil {
			t.Fatalf("Create under 50%% throttling: %v", err)
		}
		if _, err := f.provider.Get(context.Background(), inst.ID); err != nil {
			t.Errorf("Get under 50%% throttling: %v", err)
		}
	}
	if n := f.sim.Calls("CreateFleet"); n <= launches {
		t.Errorf("CreateFleet called %d times for %d launches: nothing was throttled, the test proves nothing", n, launches)
	}
	if n := len(f.sim.Instances()); n != launches {
		t.Errorf("%d instances exist after %d launches, want exactly %d (no duplicate from a retried call)", n, launches, launches)
	}
}

func TestDeleteIsIdempotent(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	inst, err := f.provider.Create(ctx, f.request(f.instanceTypes(t, "m5.large"), wellknown.CapacityTypeOnDemand))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := f.provider.Delete(ctx, inst.ID); err != nil {
		t.Fatalf("first Delete: %v", err)
	}
	if err := f.provider.Delete(ctx, inst.ID); !cloudprovider.IsNodeClaimNotFoundError(err) {
		t.Errorf("second Delete = %v, want NotFound", err)
	}
	if _, err := f.provider.Get(ctx, inst.ID); !cloudprovider.IsNodeClaimNotFoundError(err) {
		t.Errorf("Get after Delete = %v, want NotFound", err)
	}
	if _, err := f.provider.Get(ctx, "i-0000000000doesnotexist"); !cloudprovider.IsNodeClaimNotFoundError(err) {
		t.Errorf("Get of an unknown id = %v, want NotFound", err)
	}
}

func TestListFindsOnlyThisClustersInstances(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	types := f.instanceTypes(t, "m5.large")
	ours, err := f.provider.Create(ctx, f.request(types, wellknown.CapacityTypeOnDemand))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	other := f.request(types, wellknown.CapacityTypeOnDemand)
	other.Tags = map[string]string{"kubernetes.io/cluster/another": "owned", wellknown.NodePoolLabelKey: "default"}
	if _, err := f.provider.Create(ctx, other); err != nil {
		t.Fatalf("Create for another cluster: %v", err)
	}
	listed, err := f.provider.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(listed) != 1 || listed[0].ID != ours.ID {
		t.Errorf("List = %d instances, want only %s", len(listed), ours.ID)
	}
}

func TestExhaustedSubnetFallsToAnotherZone(t *testing.T) {
	f := setup(t)
	var offered []ec2v1.Subnet
	for _, s := range f.subnets {
		if f.sim.Offered("m5.large", s.Zone) {
			offered = append(offered, s)
		}
	}
	if len(offered) < 2 {
		t.Fatalf("m5.large is offered in %d zones of the simulator, want 2 for this test", len(offered))
	}
	// Same price in both zones: the simulator tries them in order, the exhausted first.
	exhausted := offered[0]
	f.sim.SetNoFreeAddresses(exhausted.ID, true)
	req := f.request(f.instanceTypes(t, "m5.large"), wellknown.CapacityTypeOnDemand)
	req.Subnets = offered[:2]
	inst, err := f.provider.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("Create with one exhausted subnet: %v", err)
	}
	if inst.SubnetID != offered[1].ID {
		t.Errorf("launched into %s, want %s (the other zone's subnet)", inst.SubnetID, offered[1].ID)
	}
	if f.marks.seen["m5.large/"+exhausted.Zone+"/on-demand"] != "InsufficientFreeAddressesInSubnet" {
		t.Errorf("the exhausted zone was not remembered: %v", f.marks.seen)
	}
}
