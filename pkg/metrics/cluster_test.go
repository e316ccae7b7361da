package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// claim returns a NodeClaim of pool with the given true conditions and price
// annotation ("" for none).
func claim(name, pool, price string, conditions ...string) *karpv1.NodeClaim {
	c := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{wellknown.NodePoolLabelKey: pool}}}
	if price != "" {
		c.Annotations = map[string]string{tailorv1alpha1.PricePerHourAnnotationKey: price}
	}
	for _, t := range conditions {
		c.Status.Conditions = append(c.Status.Conditions, metav1.Condition{Type: t, Status: metav1.ConditionTrue, Reason: t})
	}
	return c
}

func catalogOf(nodeClass string, offerings ...tailorv1alpha1.CatalogOffering) *tailorv1alpha1.InstanceTypeCatalog {
	return &tailorv1alpha1.InstanceTypeCatalog{
		ObjectMeta: metav1.ObjectMeta{Name: nodeClass + "-m5"},
		Spec: tailorv1alpha1.InstanceTypeCatalogSpec{NodeClass: nodeClass, InstanceTypes: []tailorv1alpha1.CatalogInstanceType{
			{Name: "m5.large", Offerings: offerings},
		}},
	}
}

func observing(objects ...client.Object) *collector {
	kube := client.Reader(fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(objects...).Build())
	c := &collector{}
	c.reader.Store(&kube)
	return c
}

// The gauges follow the claims through their phases, sum the prices of the
// launched ones, count the NodePools' nodes, and report zeros for a NodePool
// with nothing yet.
func TestClusterGauges(t *testing.T) {
	deleting := claim("default-d", "default", "0.5", karpv1.ConditionTypeRegistered, karpv1.ConditionTypeInitialized)
	deleting.Finalizers = []string{wellknown.TerminationFinalizer}
	deleting.DeletionTimestamp = &metav1.Time{Time: metav1.Now().Time}
	c := observing(
		&karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		&karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: "spare"}},
		claim("default-a", "default", ""),
		claim("default-b", "default", "0.25", karpv1.ConditionTypeLaunched),
		claim("default-c", "default", "0.125", karpv1.ConditionTypeLaunched, karpv1.ConditionTypeRegistered, karpv1.ConditionTypeInitialized),
		deleting,
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{wellknown.NodePoolLabelKey: "default"}}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2"}},
	)
	want := `
# HELP tailor_nodeclaims NodeClaims by NodePool and phase (launching, registered, initialized, deleting).
# TYPE tailor_nodeclaims gauge
tailor_nodeclaims{nodepool="default",phase="deleting"} 1
tailor_nodeclaims{nodepool="default",phase="initialized"} 1
tailor_nodeclaims{nodepool="default",phase="launching"} 2
tailor_nodeclaims{nodepool="default",phase="registered"} 0
tailor_nodeclaims{nodepool="spare",phase="deleting"} 0
tailor_nodeclaims{nodepool="spare",phase="initialized"} 0
tailor_nodeclaims{nodepool="spare",phase="launching"} 0
tailor_nodeclaims{nodepool="spare",phase="registered"} 0
# HELP tailor_nodepools_cost_dollars_per_hour Sum of the hourly prices (tailor.sh/price-per-hour) of the NodePool's launched NodeClaims, deleting ones included (their instance runs until terminated).
# TYPE tailor_nodepools_cost_dollars_per_hour gauge
tailor_nodepools_cost_dollars_per_hour{nodepool="default"} 0.875
tailor_nodepools_cost_dollars_per_hour{nodepool="spare"} 0
# HELP tailor_nodes Nodes labelled with a NodePool, by NodePool.
# TYPE tailor_nodes gauge
tailor_nodes{nodepool="default"} 1
tailor_nodes{nodepool="spare"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "tailor_nodeclaims", "tailor_nodepools_cost_dollars_per_hour", "tailor_nodes"); err != nil {
		t.Error(err)
	}
}

func TestPhase(t *testing.T) {
	registered := claim("r", "default", "", karpv1.ConditionTypeLaunched, karpv1.ConditionTypeRegistered)
	if got := Phase(registered); got != PhaseRegistered {
		t.Errorf("phase of a registered claim = %s", got)
	}
	registered.Status.Conditions = append(registered.Status.Conditions, metav1.Condition{Type: karpv1.ConditionTypeInitialized, Status: metav1.ConditionUnknown})
	if got := Phase(registered); got != PhaseRegistered {
		t.Errorf("phase of a claim whose node is not initialized yet = %s, want registered", got)
	}
}

// An offering short of capacity is reported once, though both node classes'
// catalogs mark it; available ones are not reported.
func TestUnavailableOfferings(t *testing.T) {
	short := tailorv1alpha1.CatalogOffering{Zone: "us-west-2a", CapacityType: "spot", Price: "0.03"}
	fine := tailorv1alpha1.CatalogOffering{Zone: "us-west-2b", CapacityType: "spot", Price: "0.03", Available: true}
	c := observing(catalogOf("default", short, fine), catalogOf("gpu", short, fine))
	want := `
# HELP tailor_cloudprovider_unavailable_offerings Offerings marked unavailable in the published catalogs (insufficient capacity or a spot interruption, for 3 minutes), 1 each.
# TYPE tailor_cloudprovider_unavailable_offerings gauge
tailor_cloudprovider_unavailable_offerings{capacity_type="spot",instance_type="m5.large",zone="us-west-2a"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "tailor_cloudprovider_unavailable_offerings"); err != nil {
		t.Error(err)
	}
}

// Before the launcher observes its cache, the gauges report nothing (rather
// than zeros that would read as an empty cluster).
func TestNothingBeforeObserve(t *testing.T) {
	if n := testutil.CollectAndCount(&collector{}); n != 0 {
		t.Errorf("%d series before Observe, want 0", n)
	}
}
