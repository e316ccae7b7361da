package lifecycle

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// failingCloud fails every launch with err.
type failingCloud struct {
	fakeCloud
	err error
}

func (f *failingCloud) Create(context.Context, *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	return nil, f.err
}

// histogramCount is the number of observations of h.
func histogramCount(t *testing.T, h prometheus.Observer) uint64 {
	t.Helper()
	var m dto.Metric
	if err := h.(prometheus.Metric).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

// A claim whose node is Ready when it registers is launched, registered and
// initialized in one pass: both the launch and the time to initialization count.
func TestLaunchAndInitializationAreCounted(t *testing.T) {
	kube := newKube()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "ip-10-0-0-1"}, Spec: corev1.NodeSpec{ProviderID: "aws:///us-west-2a/i-new"},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	if err := kube.Create(context.Background(), node); err != nil {
		t.Fatal(err)
	}
	launched := launchedTotal.WithLabelValues("default", "on-demand")
	initialized := initializationSeconds.WithLabelValues("default")
	launchedBefore, initializedBefore := testutil.ToFloat64(launched), histogramCount(t, initialized)
	c := NewController(kube, &fakeCloud{}, record.NewFakeRecorder(10), clocktesting.NewFakeClock(time.Now()), Options{LaunchTTL: time.Minute, RegistrationTTL: time.Minute})
	reconcileOnce(t, c, kube)
	if got := testutil.ToFloat64(launched) - launchedBefore; got != 1 {
		t.Errorf("launched_total{default,on-demand} moved by %v, want 1", got)
	}
	if got := histogramCount(t, initialized) - initializedBefore; got != 1 {
		t.Errorf("initialization_duration_seconds{default} observed %d claims, want 1", got)
	}
}

// Each failed launch counts under its reason; a shortage also abandons the claim,
// and a claim that cannot launch within LaunchTTL is abandoned for the timeout.
func TestLaunchFailuresAreCountedByReason(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		age       time.Duration
		reason    string
		abandoned string
	}{
		{"shortage", cloudprovider.NewInsufficientCapacityError(errors.New("no m5.large")), 0, "InsufficientCapacity", "InsufficientCapacity"},
		{"node class not ready", cloudprovider.NewNodeClassNotReadyError(errors.New("no subnet")), 0, "NodeClassNotReady", ""},
		{"node class not ready past the launch TTL", cloudprovider.NewNodeClassNotReadyError(errors.New("no subnet")), 2 * time.Minute, "NodeClassNotReady", "LaunchTimeout"},
		{"other", errors.New("throttled"), 0, "LaunchFailed", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kube := newKube()
			failures := launchFailuresTotal.WithLabelValues("default", tc.reason)
			failuresBefore := testutil.ToFloat64(failures)
			abandonedBefore := map[string]float64{}
			for _, r := range []string{"InsufficientCapacity", "LaunchTimeout"} {
				abandonedBefore[r] = testutil.ToFloat64(abandonedTotal.WithLabelValues("default", r))
			}
			clk := clocktesting.NewFakeClock(time.Now().Add(tc.age))
			c := NewController(kube, &failingCloud{err: tc.err}, record.NewFakeRecorder(10), clk, Options{LaunchTTL: time.Minute, RegistrationTTL: time.Minute})
			_, _ = c.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: "default-abc"}})
			if got := testutil.ToFloat64(failures) - failuresBefore; got != 1 {
				t.Errorf("launch_failures_total{default,%s} moved by %v, want 1", tc.reason, got)
			}
			for r, before := range abandonedBefore {
				want := 0.0
				if r == tc.abandoned {
					want = 1
				}
				if got := testutil.ToFloat64(abandonedTotal.WithLabelValues("default", r)) - before; got != want {
					t.Errorf("abandoned_total{default,%s} moved by %v, want %v", r, got, want)
				}
			}
		})
	}
}
