package termination

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// Each eviction counts under its outcome: evicted, blocked by a disruption
// budget (429), or deleted past the grace period.
func TestEvictionsAreCountedByOutcome(t *testing.T) {
	for _, tc := range []struct {
		outcome string
		refuse  bool
		force   bool
	}{{"evicted", false, false}, {"blocked", true, false}, {"deleted", false, true}} {
		t.Run(tc.outcome, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"}}
			kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(pod).WithInterceptorFuncs(interceptor.Funcs{
				SubResourceCreate: func(context.Context, client.Client, string, client.Object, client.Object, ...client.SubResourceCreateOption) error {
					if tc.refuse {
						return apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10)
					}
					return nil
				},
			}).Build()
			counter := evictionsTotal.WithLabelValues(tc.outcome)
			before := testutil.ToFloat64(counter)
			c := NewController(kube, nil, record.NewFakeRecorder(10), clocktesting.NewFakeClock(time.Now()))
			if err := c.evict(context.Background(), pod, tc.force); err != nil {
				t.Fatal(err)
			}
			if got := testutil.ToFloat64(counter) - before; got != 1 {
				t.Errorf("drain_evictions_total{outcome=%s} moved by %v, want 1", tc.outcome, got)
			}
		})
	}
}

// A finished termination is counted, with the time since the claim's deletion.
func TestTerminationIsCounted(t *testing.T) {
	deleted := time.Now().Add(-45 * time.Second).Truncate(time.Second) // the API keeps seconds
	claim := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: "default-abc", Labels: map[string]string{wellknown.NodePoolLabelKey: "default"},
		Finalizers: []string{wellknown.TerminationFinalizer}, DeletionTimestamp: &metav1.Time{Time: deleted}}}
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(claim).Build()
	terminated, seconds := terminatedTotal.WithLabelValues("default"), terminationSeconds.WithLabelValues("default")
	before := testutil.ToFloat64(terminated)
	var m dto.Metric
	if err := seconds.(prometheus.Metric).Write(&m); err != nil {
		t.Fatal(err)
	}
	countBefore, sumBefore := m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
	c := NewController(kube, nil, record.NewFakeRecorder(10), clocktesting.NewFakeClock(deleted.Add(45*time.Second)))
	if _, err := c.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: claim.Name}}); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(terminated) - before; got != 1 {
		t.Errorf("nodeclaims_terminated_total{default} moved by %v, want 1", got)
	}
	if err := seconds.(prometheus.Metric).Write(&m); err != nil {
		t.Fatal(err)
	}
	if n, sum := m.GetHistogram().GetSampleCount()-countBefore, m.GetHistogram().GetSampleSum()-sumBefore; n != 1 || sum != 45 {
		t.Errorf("termination_duration_seconds{default}: %d observations summing to %vs, want one of 45s", n, sum)
	}
}
