package instancetype

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/log"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
	"github.com/tailor-sh/tailor/pkg/providers/aws/unavailable"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

func TestDiscoveryPagesThroughEveryCatalogType(t *testing.T) {
	env := discovered(t, ec2sim.Options{PageSize: 50})
	if calls := env.sim.Calls("DescribeInstanceTypes"); calls < 2 {
		t.Errorf("DescribeInstanceTypes was called %d times; the catalog needs several pages", calls)
	}
	types, err := env.provider.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, it := range types {
		got[it.Name] = true
	}
	for _, it := range catalog.Default() {
		if !got[it.Name] {
			t.Errorf("catalog type %s is missing from the list", it.Name)
		}
	}
	if len(types) != len(catalog.Default()) {
		t.Errorf("listed %d types, the catalog has %d", len(types), len(catalog.Default()))
	}
}

func TestOfferingsFollowTheSimulatorsZonesAndPrices(t *testing.T) {
	env := discovered(t, ec2sim.Options{})
	types, err := env.provider.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := catalog.ByName()
	partial := 0
	for _, it := range types {
		var wantZones, wantIDs []string
		for _, zone := range env.sim.Zones() {
			if env.sim.Offered(it.Name, zone) {
				wantZones = append(wantZones, zone)
				wantIDs = append(wantIDs, env.sim.ZoneID(zone))
			}
		}
		if len(wantZones) < len(env.sim.Zones()) {
			partial++
		}
		expectValues(t, it, corev1.LabelTopologyZone, wantZones)
		expectValues(t, it, wellknown.ZoneIDLabelKey, wantIDs)
		for _, zone := range wantZones {
			expectOffering(t, it, zone, wellknown.CapacityTypeOnDemand, byName[it.Name].OnDemandPricePerHour)
			expectOffering(t, it, zone, wellknown.CapacityTypeSpot, env.sim.SpotPrice(it.Name, zone))
		}
		for _, o := range it.Offerings {
			if !slices.Contains(wantZones, o.Zone) {
				t.Errorf("%s is offered in %s, where the simulator does not offer it", it.Name, o.Zone)
			}
		}
	}
	if partial == 0 {
		t.Error("every type is offered in every zone; the simulator should leave some out")
	}
}

func TestNodeClassSubnetsLimitTheZones(t *testing.T) {
	env := discovered(t, ec2sim.Options{})
	zone := env.sim.Zones()[1]
	nodeClass := &ec2v1.EC2NodeClass{Status: ec2v1.EC2NodeClassStatus{Subnets: []ec2v1.Subnet{{ID: "subnet-1", Zone: zone}}}}
	types, err := env.provider.List(nodeClass)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range types {
		for _, o := range it.Offerings {
			if o.Zone != zone {
				t.Fatalf("%s is offered in %s, outside the node class's subnets", it.Name, o.Zone)
			}
		}
		if !env.sim.Offered(it.Name, zone) {
			t.Errorf("%s is listed though it is not offered in %s", it.Name, zone)
		}
	}
}

// categoryAndGeneration reads a type name independently of the provider's parser.
var categoryAndGeneration = regexp.MustCompile(`^([a-z]+)(?:-[0-9]+tb)?([0-9]+)`)

func TestNodePoolRequirementsSelectTypes(t *testing.T) {
	env := discovered(t, ec2sim.Options{})
	types, err := env.provider.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := scheduling.NewRequirements(
		requirement(wellknown.InstanceCategoryLabelKey, corev1.NodeSelectorOpIn, "c", "m", "r"),
		requirement(wellknown.InstanceGenerationLabelKey, corev1.NodeSelectorOpGt, "2"),
		requirement(wellknown.InstanceMemoryLabelKey, corev1.NodeSelectorOpGt, "4047"),
	)
	want := map[string]bool{}
	for _, it := range catalog.Default() {
		m := categoryAndGeneration.FindStringSubmatch(it.Name)
		generation, _ := strconv.Atoi(m[2])
		if slices.Contains([]string{"c", "m", "r"}, m[1]) && generation > 2 && it.MemoryMiB > 4047 {
			want[it.Name] = true
		}
	}
	got := cloudprovider.Compatible(types, reqs, definedKeys())
	if len(got) != len(want) {
		t.Errorf("selected %d types, want %d", len(got), len(want))
	}
	for _, it := range got {
		if !want[it.Name] {
			t.Errorf("selected %s, which the requirements rule out", it.Name)
		}
	}
	expectCheapestFirst(t, got, reqs)
}

func TestLabelPresenceSelectsTypes(t *testing.T) {
	env := discovered(t, ec2sim.Options{})
	types, err := env.provider.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	hasGPU := func(name string) bool {
		it, _ := catalog.Lookup(name)
		return len(it.GPUs) > 0 || slices.ContainsFunc(it.Accelerators, func(a catalog.Accelerator) bool { return a.Manufacturer != "AWS" })
	}
	withGPU := cloudprovider.Compatible(types, scheduling.NewRequirements(requirement(wellknown.InstanceGPUNameLabelKey, corev1.NodeSelectorOpExists)), definedKeys())
	withoutGPU := cloudprovider.Compatible(types, scheduling.NewRequirements(requirement(wellknown.InstanceGPUNameLabelKey, corev1.NodeSelectorOpDoesNotExist)), definedKeys())
	if len(withGPU) == 0 || len(withGPU)+len(withoutGPU) != len(types) {
		t.Fatalf("Exists selected %d and DoesNotExist %d of %d types", len(withGPU), len(withoutGPU), len(types))
	}
	for _, it := range withGPU {
		if !hasGPU(it.Name) {
			t.Errorf("gpu-name Exists selected %s, which has no GPU", it.Name)
		}
	}
	for _, it := range withoutGPU {
		if hasGPU(it.Name) {
			t.Errorf("gpu-name DoesNotExist selected %s, which has a GPU", it.Name)
		}
	}
}

func TestUnsatisfiableNodePoolSelectsNothing(t *testing.T) {
	env := discovered(t, ec2sim.Options{})
	types, err := env.provider.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := scheduling.NewRequirements(
		requirement(wellknown.InstanceCategoryLabelKey, corev1.NodeSelectorOpIn, "t"),
		requirement(wellknown.InstanceCPULabelKey, corev1.NodeSelectorOpGt, "256"),
	)
	if got := cloudprovider.Compatible(types, reqs, definedKeys()); len(got) != 0 {
		t.Errorf("requirements no type satisfies selected %d types, first %s", len(got), got[0].Name)
	}
}

func TestInsufficientCapacityMakesAnOfferingUnavailable(t *testing.T) {
	env := discovered(t, ec2sim.Options{})
	zone := spotZone(t, env, "m5.large")
	before, err := env.provider.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o := offering(t, before, "m5.large", zone, wellknown.CapacityTypeSpot); !o.Available {
		t.Fatal("m5.large spot is unavailable before any capacity error")
	}

	env.unavailable.MarkUnavailable("InsufficientInstanceCapacity", "m5.large", zone, wellknown.CapacityTypeSpot)
	after, err := env.provider.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o := offering(t, after, "m5.large", zone, wellknown.CapacityTypeSpot); o.Available {
		t.Error("m5.large spot is still available after a capacity error")
	}
	if o := offering(t, after, "m5.large", zone, wellknown.CapacityTypeOnDemand); !o.Available {
		t.Error("m5.large on-demand became unavailable with spot")
	}
	spotOnly := scheduling.NewRequirements(
		requirement(wellknown.InstanceTypeLabelKey, corev1.NodeSelectorOpIn, "m5.large"),
		requirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, zone),
		requirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, wellknown.CapacityTypeSpot),
	)
	if got := cloudprovider.Compatible(after, spotOnly, definedKeys()); len(got) != 0 {
		t.Error("m5.large is still compatible with a NodePool that needs its unavailable offering")
	}

	env.clk.Step(unavailable.TTL)
	expired, err := env.provider.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o := offering(t, expired, "m5.large", zone, wellknown.CapacityTypeSpot); !o.Available {
		t.Error("m5.large spot is still unavailable after the TTL")
	}
}

// spotZone is a zone where the simulator sells instanceType as spot.
func spotZone(t *testing.T, env *environment, instanceType string) string {
	t.Helper()
	for _, zone := range env.sim.Zones() {
		if env.sim.SpotPrice(instanceType, zone) > 0 {
			return zone
		}
	}
	t.Fatalf("the simulator sells no %s spot", instanceType)
	return ""
}

func TestListIsMemoized(t *testing.T) {
	env := discovered(t, ec2sim.Options{})
	nodeClass := &ec2v1.EC2NodeClass{Spec: ec2v1.EC2NodeClassSpec{Kubelet: &ec2v1.KubeletConfiguration{MaxPods: ptr.To[int32](110)}}}
	first, err := env.provider.List(nodeClass)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := env.provider.List(nodeClass.DeepCopy())
	if &first[0] != &second[0] {
		t.Error("a second List with equal settings built a new list")
	}
	allocs := testing.AllocsPerRun(100, func() { _, _ = env.provider.List(nodeClass) })
	if allocs > 20 {
		t.Errorf("a memoized List allocates %v times", allocs)
	}
	pods := first[0].Capacity[corev1.ResourcePods]
	if pods.Value() != 110 {
		t.Errorf("pods = %s with maxPods 110", pods.String())
	}

	other, _ := env.provider.List(nil)
	if pods := other[0].Capacity[corev1.ResourcePods]; pods.Value() == 110 {
		t.Error("the default node class got the maxPods of another")
	}
	if err := env.pricing.UpdateSpotPricing(t.Context()); err != nil {
		t.Fatal(err)
	}
	refreshed, _ := env.provider.List(nodeClass)
	if &refreshed[0] == &first[0] {
		t.Error("List did not rebuild after prices changed")
	}
}

func TestListBeforeDiscovery(t *testing.T) {
	env := newEnvironment(t, ec2sim.Options{})
	if _, err := env.provider.List(nil); !errors.Is(err, ErrNotDiscovered) {
		t.Errorf("List before discovery = %v, want ErrNotDiscovered", err)
	}
}

func TestDiscoverySurvivesThrottling(t *testing.T) {
	env := newEnvironment(t, ec2sim.Options{PageSize: 50})
	env.sim.SetThrottleRate(0.3)
	env.discover(t, t.Context())
	types, err := env.provider.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != len(catalog.Default()) {
		t.Errorf("listed %d types under throttling, the catalog has %d", len(types), len(catalog.Default()))
	}
}

func TestInvalidKubeletSettingsAreReported(t *testing.T) {
	env := discovered(t, ec2sim.Options{})
	nodeClass := &ec2v1.EC2NodeClass{Spec: ec2v1.EC2NodeClassSpec{Kubelet: &ec2v1.KubeletConfiguration{
		EvictionHard: map[string]string{"memory.available": "lots"},
	}}}
	nodeClass.Name = "broken"
	if _, err := env.provider.List(nodeClass); err == nil {
		t.Error("List accepted evictionHard memory.available \"lots\"")
	}
}

func TestRunDiscovers(t *testing.T) {
	env := newEnvironment(t, ec2sim.Options{})
	if err := env.pricing.UpdateOnDemandPricing(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(log.IntoContext(t.Context(), logr.Discard()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		env.provider.Run(ctx, env.clk)
	}()
	waitFor(t, "Run to start its timer", func() bool { return env.clk.Waiters() == 1 })
	env.clk.Step(0)
	waitFor(t, "the first discovery", func() bool {
		types, err := env.provider.List(nil)
		return err == nil && len(types) == len(catalog.Default())
	})
	cancel()
	<-done
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
