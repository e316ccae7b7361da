package capacityrequest

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// oneType is a NodePool's node class offering one instance type.
type oneType struct{}

func (oneType) GetInstanceTypes(context.Context, *karpv1.NodePool) ([]*cloudprovider.InstanceType, error) {
	return []*cloudprovider.InstanceType{instanceType("m5.large", "2")}, nil
}

func request(pool string, created time.Time) *tailorv1alpha1.CapacityRequest {
	return &tailorv1alpha1.CapacityRequest{
		ObjectMeta: metav1.ObjectMeta{Name: pool + "-abc", CreationTimestamp: metav1.NewTime(created)},
		Spec:       tailorv1alpha1.CapacityRequestSpec{NodePool: pool, InstanceTypes: []string{"m5.large"}},
	}
}

func reconcileRequest(t *testing.T, c *Controller, name string) {
	t.Helper()
	if _, err := c.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: name}}); err != nil {
		t.Fatal(err)
	}
}

func histogram(t *testing.T, h prometheus.Observer) (uint64, float64) {
	t.Helper()
	var m dto.Metric
	if err := h.(prometheus.Metric).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

// A request is counted created when its claim is, failed when its NodePool is
// gone.
func TestRequestOutcomesAreCounted(t *testing.T) {
	now := time.Now()
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).
		WithObjects(&karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, request("default", now), request("gone", now)).
		WithStatusSubresource(&tailorv1alpha1.CapacityRequest{}).Build()
	created, failed := requestsTotal.WithLabelValues("default", "created"), requestsTotal.WithLabelValues("gone", "failed")
	createdBefore, failedBefore := testutil.ToFloat64(created), testutil.ToFloat64(failed)
	c := NewController(kube, oneType{}, record.NewFakeRecorder(10), clocktesting.NewFakeClock(now))
	reconcileRequest(t, c, "default-abc")
	reconcileRequest(t, c, "gone-abc")
	if got := testutil.ToFloat64(created) - createdBefore; got != 1 {
		t.Errorf("capacityrequests_total{default,created} moved by %v, want 1", got)
	}
	if got := testutil.ToFloat64(failed) - failedBefore; got != 1 {
		t.Errorf("capacityrequests_total{gone,failed} moved by %v, want 1", got)
	}
}

// The time from the request to its node being initialized is observed once,
// when the request is first seen initialized.
func TestInitializationIsObservedFromTheRequest(t *testing.T) {
	created := time.Now().Add(-30 * time.Second).Truncate(time.Second) // the API keeps seconds
	r := request("default", created)
	r.Status.NodeClaim = r.Name
	claim := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: r.Name}, Status: karpv1.NodeClaimStatus{NodeName: "n1",
		Conditions: []metav1.Condition{{Type: karpv1.ConditionTypeInitialized, Status: metav1.ConditionTrue, Reason: "Initialized"}}}}
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(r, claim).WithStatusSubresource(r).Build()
	h := initializationSeconds.WithLabelValues("default")
	countBefore, sumBefore := histogram(t, h)
	c := NewController(kube, oneType{}, record.NewFakeRecorder(10), clocktesting.NewFakeClock(created.Add(30*time.Second)))
	reconcileRequest(t, c, r.Name)
	reconcileRequest(t, c, r.Name)
	count, sum := histogram(t, h)
	if count-countBefore != 1 || sum-sumBefore != 30 {
		t.Errorf("initialization_duration_seconds{default}: %d observations summing to %vs, want one of 30s", count-countBefore, sum-sumBefore)
	}
}
