package aws_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
	awsprovider "github.com/tailor-sh/tailor/pkg/providers/aws"
	"github.com/tailor-sh/tailor/pkg/providers/aws/awstest"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
)

const cluster = "sim-cluster"

func nodeClass(name string, subnetTags map[string]string) *ec2v1.EC2NodeClass {
	return &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), Generation: 1},
		Spec: ec2v1.EC2NodeClassSpec{
			Role:                       "KarpenterNodeRole-" + cluster,
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: subnetTags}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": cluster}}},
		},
	}
}

func claim(name, nodeClassName string, cpu string, reqs ...karpv1.NodeSelectorRequirementWithMinValues) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{wellknown.NodePoolLabelKey: "default"}},
		Spec: karpv1.NodeClaimSpec{
			Requirements: reqs,
			Resources:    karpv1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}},
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: nodeClassName},
		},
	}
}

func in(key string, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}
}

func gt(key, value string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: corev1.NodeSelectorOpGt, Values: []string{value}}
}

type fixture struct {
	sim      *ec2sim.Simulator
	provider *awsprovider.CloudProvider
}

// setup starts a simulator and a provider over it that knows the node classes.
// refresh=false leaves discovery to the test (e.g. to inject an outage first).
func setup(t *testing.T, refresh bool, nodeClasses ...*ec2v1.EC2NodeClass) *fixture {
	t.Helper()
	sim, clients := awstest.Start(t, ec2sim.Options{ClusterName: cluster})
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme())
	for _, nc := range nodeClasses {
		kube = kube.WithObjects(nc)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, err := awsprovider.New(ctx, kube.Build(), awsprovider.Clients{EC2: clients.EC2, SSM: clients.SSM, Pricing: clients.Pricing, IAM: clients.IAM},
		settings.Settings{ClusterName: cluster, Region: sim.Region(), ClusterEndpoint: "https://api.sim.local", ClusterCABundle: "Q0EK", ClusterDNS: "10.100.0.10"})
	if err != nil {
		t.Fatalf("building provider: %v", err)
	}
	f := &fixture{sim: sim, provider: p}
	if refresh {
		if err := p.Refresh(ctx); err != nil {
			t.Fatalf("refreshing instance types and prices: %v", err)
		}
	}
	return f
}

var discovery = map[string]string{"karpenter.sh/discovery": cluster}

func TestCreateLaunchesTheCheapestFittingType(t *testing.T) {
	f := setup(t, true, nodeClass("default", discovery))
	got, err := f.provider.Create(context.Background(), claim("default-a", "default", "3",
		in(wellknown.CapacityTypeLabelKey, wellknown.CapacityTypeOnDemand),
		in(wellknown.InstanceCategoryLabelKey, "c", "m", "r"),
		gt(wellknown.InstanceGenerationLabelKey, "5"),
		in(corev1.LabelArchStable, "amd64")))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	want := cheapestOnDemand(t, f.sim, func(it catalog.InstanceType) bool {
		family := catalog.FamilyOf(it.Name)
		return strings.ContainsAny(family[:1], "cmr") && generation(family) > 5 && it.Architectures[0] == "x86_64" &&
			it.VCPUs >= 4 && len(it.GPUs) == 0 && len(it.Accelerators) == 0 && !it.BareMetal
	})
	if typ := got.Labels[corev1.LabelInstanceTypeStable]; typ != want {
		t.Errorf("launched %s, want the cheapest c/m/r gen>5 amd64 type with room for 3 cpu: %s", typ, want)
	}
	if got.Labels[wellknown.CapacityTypeLabelKey] != wellknown.CapacityTypeOnDemand || got.Labels[corev1.LabelTopologyZone] == "" {
		t.Errorf("labels = %v, want capacity type on-demand and a zone", got.Labels)
	}
	if !strings.HasPrefix(got.Status.ProviderID, "aws:///") || got.Status.ImageID == "" || got.Status.Allocatable.Cpu().MilliValue() < 3000 {
		t.Errorf("status = %+v, want provider id, image and allocatable cpu >= 3", got.Status)
	}
}

func TestInsufficientCapacityIsAvoidedOnTheNextTry(t *testing.T) {
	f := setup(t, true, nodeClass("default", discovery))
	onlyM5 := []karpv1.NodeSelectorRequirementWithMinValues{
		in(wellknown.CapacityTypeLabelKey, wellknown.CapacityTypeOnDemand),
		in(corev1.LabelInstanceTypeStable, "m5.large", "m5.xlarge"),
	}
	for _, zone := range f.sim.Zones() {
		f.sim.SetInsufficientCapacity("m5.large", zone, wellknown.CapacityTypeOnDemand, true)
	}
	first, err := f.provider.Create(context.Background(), claim("default-a", "default", "1", onlyM5...))
	if err != nil {
		t.Fatalf("first Create: %v", err)
	}
	if typ := first.Labels[corev1.LabelInstanceTypeStable]; typ != "m5.xlarge" {
		t.Errorf("first launch %s, want m5.xlarge after m5.large had no capacity", typ)
	}
	types, err := f.provider.GetInstanceTypes(context.Background(), &karpv1.NodePool{Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{NodeClassRef: first.Spec.NodeClassRef}}}})
	if err != nil {
		t.Fatalf("GetInstanceTypes: %v", err)
	}
	for _, it := range types {
		if it.Name != "m5.large" {
			continue
		}
		for _, o := range it.Offerings {
			if o.CapacityType == wellknown.CapacityTypeOnDemand && o.Available {
				t.Errorf("m5.large on-demand in %s still offered after insufficient capacity", o.Zone)
			}
		}
	}
	before := f.sim.Calls("CreateFleet")
	if _, err := f.provider.Create(context.Background(), claim("default-b", "default", "1", onlyM5...)); err != nil {
		t.Fatalf("second Create: %v", err)
	}
	if f.sim.Calls("CreateFleet") != before+1 {
		t.Errorf("second launch took %d CreateFleet calls, want 1", f.sim.Calls("CreateFleet")-before)
	}
}

func TestRequirementsNoTypeSatisfiesLaunchNothing(t *testing.T) {
	f := setup(t, true, nodeClass("default", discovery))
	_, err := f.provider.Create(context.Background(), claim("default-a", "default", "1",
		in(wellknown.InstanceFamilyLabelKey, "m5"), in(corev1.LabelArchStable, "arm64")))
	if err == nil || !strings.Contains(err.Error(), "no instance type satisfies requirements") || cloudprovider.IsInsufficientCapacityError(err) {
		t.Fatalf("Create = %v, want a configuration error naming the requirements (not a capacity error)", err)
	}
	expectNothingLaunched(t, f.sim)
}

func TestNodeClassWithoutSubnetsLaunchesNothing(t *testing.T) {
	nc := nodeClass("nosubnets", map[string]string{"karpenter.sh/discovery": "some-other-cluster"})
	f := setup(t, true, nc)
	_, err := f.provider.Create(context.Background(), claim("default-a", "nosubnets", "1"))
	if !cloudprovider.IsNodeClassNotReadyError(err) || !strings.Contains(err.Error(), "some-other-cluster") {
		t.Fatalf("Create = %v, want a node-class-not-ready error naming the selector", err)
	}
	expectNothingLaunched(t, f.sim)
	status, _ := f.provider.NodeClassStatus(context.Background(), nc)
	cond := meta.FindStatusCondition(status.Conditions, ec2v1.ConditionTypeSubnetsReady)
	if cond == nil || cond.Status != metav1.ConditionFalse || !strings.Contains(cond.Message, "some-other-cluster") {
		t.Errorf("SubnetsReady = %+v, want False naming the selector", cond)
	}
}

func TestPricingOutageFallsBackAndSaysSo(t *testing.T) {
	nc := nodeClass("default", discovery)
	f := setup(t, false, nc)
	f.sim.SetPricingOutage(true)
	if err := f.provider.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh during a pricing outage: %v (want fallback prices, no error)", err)
	}
	price, ok := f.provider.Pricing.OnDemandPrice("m5.large")
	if m5, _ := catalog.Lookup("m5.large"); !ok || price != m5.OnDemandPricePerHour {
		t.Errorf("m5.large on-demand price = %v, %v; want the fallback table's %v", price, ok, m5.OnDemandPricePerHour)
	}
	status, _ := f.provider.NodeClassStatus(context.Background(), nc)
	cond := meta.FindStatusCondition(status.Conditions, ec2v1.ConditionTypePricesCurrent)
	if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != "FallbackPrices" {
		t.Errorf("PricesCurrent = %+v, want False/FallbackPrices", cond)
	}
	if _, err := f.provider.Create(context.Background(), claim("default-a", "default", "1")); err != nil {
		t.Errorf("Create on fallback prices: %v", err)
	}
}

func TestDeleteListAndGetForGarbageCollection(t *testing.T) {
	f := setup(t, true, nodeClass("default", discovery))
	ctx := context.Background()
	a, err := f.provider.Create(ctx, claim("default-a", "default", "1"))
	if err != nil {
		t.Fatalf("Create a: %v", err)
	}
	if _, err := f.provider.Create(ctx, claim("default-b", "default", "1")); err != nil {
		t.Fatalf("Create b: %v", err)
	}
	listed, err := f.provider.List(ctx)
	if err != nil || len(listed) != 2 {
		t.Fatalf("List = %d claims, %v; want 2", len(listed), err)
	}
	names := map[string]bool{listed[0].Name: true, listed[1].Name: true}
	if !names["default-a"] || !names["default-b"] {
		t.Errorf("listed claim names = %v, want default-a and default-b from the instances' tags", names)
	}
	if got, err := f.provider.Get(ctx, a.Status.ProviderID); err != nil || got.Name != "default-a" {
		t.Errorf("Get(%s) = %v, %v; want default-a", a.Status.ProviderID, got, err)
	}
	if err := f.provider.Delete(ctx, a); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := f.provider.Delete(ctx, a); !cloudprovider.IsNodeClaimNotFoundError(err) {
		t.Errorf("second Delete = %v, want NotFound", err)
	}
	if listed, _ := f.provider.List(ctx); len(listed) != 1 {
		t.Errorf("List after Delete = %d claims, want 1", len(listed))
	}
}

func expectNothingLaunched(t *testing.T, sim *ec2sim.Simulator) {
	t.Helper()
	if n := sim.Calls("CreateFleet"); n != 0 {
		t.Errorf("CreateFleet called %d times, want none", n)
	}
	if n := len(sim.Instances()); n != 0 {
		t.Errorf("%d instances exist, want none", n)
	}
}

// cheapestOnDemand is the cheapest catalog type the simulator offers on demand in
// some zone among those ok accepts.
func cheapestOnDemand(t *testing.T, sim *ec2sim.Simulator, ok func(catalog.InstanceType) bool) string {
	t.Helper()
	best, price := "", 0.0
	for _, it := range catalog.Default() {
		if !ok(it) || !offeredSomewhere(sim, it.Name) {
			continue
		}
		if best == "" || it.OnDemandPricePerHour < price || (it.OnDemandPricePerHour == price && it.Name < best) {
			best, price = it.Name, it.OnDemandPricePerHour
		}
	}
	return best
}

func offeredSomewhere(sim *ec2sim.Simulator, name string) bool {
	for _, zone := range sim.Zones() {
		if sim.Offered(name, zone) {
			return true
		}
	}
	return false
}

func generation(family string) int {
	n := 0
	for _, r := range family[1:] {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}
