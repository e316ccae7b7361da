package garbagecollection

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// listedCloud lists its instances and terminates any.
type listedCloud struct {
	cloudprovider.CloudProvider
	instances []*karpv1.NodeClaim
}

func (l listedCloud) List(context.Context) ([]*karpv1.NodeClaim, error) { return l.instances, nil }
func (listedCloud) Delete(context.Context, *karpv1.NodeClaim) error     { return nil }

type noLaunches struct{}

func (noLaunches) OldestStart() (time.Time, bool) { return time.Time{}, false }

// One pass removes a leaked instance, a claim whose instance is gone and a
// Node nothing stands behind, and counts each under its kind.
func TestPassCountsWhatItCollects(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	old := metav1.NewTime(now.Add(-time.Minute))
	leaked := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: old}, Status: karpv1.NodeClaimStatus{ProviderID: "aws:///z/i-leaked"}}
	orphan := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: "orphan", CreationTimestamp: old}, Status: karpv1.NodeClaimStatus{ProviderID: "aws:///z/i-gone"}}
	stranded := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "stranded", CreationTimestamp: old, Labels: map[string]string{wellknown.NodePoolLabelKey: "default"}},
		Spec: corev1.NodeSpec{ProviderID: "aws:///z/i-stranded"}}
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(orphan, stranded).Build()
	before := map[string]float64{}
	for _, kind := range []string{"instance", "nodeclaim", "node"} {
		before[kind] = testutil.ToFloat64(collectedTotal.WithLabelValues(kind))
	}
	c := NewController(kube, listedCloud{instances: []*karpv1.NodeClaim{leaked}}, record.NewFakeRecorder(10), clocktesting.NewFakeClock(now), time.Minute, 30*time.Second, noLaunches{})
	if err := c.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	for kind, was := range before {
		if got := testutil.ToFloat64(collectedTotal.WithLabelValues(kind)) - was; got != 1 {
			t.Errorf("collected_total{kind=%s} moved by %v, want 1", kind, got)
		}
	}
}
