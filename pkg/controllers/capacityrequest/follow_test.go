package capacityrequest

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
)

// A request's claim that the cache does not show yet (the claim informer lags
// the request's) is not taken for deleted: the request keeps its pods, unless
// the API server has no such claim either.
func TestFollowToleratesACacheThatLags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		claimLive  bool
		wantFailed bool
	}{{"claim only past the cache", true, false}, {"claim gone", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := &tailorv1alpha1.CapacityRequest{ObjectMeta: metav1.ObjectMeta{Name: "default-abc"}, Status: tailorv1alpha1.CapacityRequestStatus{NodeClaim: "default-abc"}}
			cache := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(r).WithStatusSubresource(r).Build()
			live := fake.NewClientBuilder().WithScheme(apis.NewScheme())
			if tc.claimLive {
				live = live.WithObjects(&karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: "default-abc"}})
			}
			c := NewController(cache, nil, record.NewFakeRecorder(10), clocktesting.NewFakeClock(metav1.Now().Time))
			c.live = live.Build()
			if _, err := c.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: r.Name}}); err != nil {
				t.Fatal(err)
			}
			got := &tailorv1alpha1.CapacityRequest{}
			if err := cache.Get(context.Background(), client.ObjectKey{Name: r.Name}, got); err != nil {
				t.Fatal(err)
			}
			cond := meta.FindStatusCondition(got.Status.Conditions, tailorv1alpha1.ConditionTypeLaunched)
			if failed := cond != nil && cond.Reason == tailorv1alpha1.ReasonLaunchFailed; failed != tc.wantFailed {
				t.Errorf("request failed: %t, want %t (conditions %v)", failed, tc.wantFailed, got.Status.Conditions)
			}
		})
	}
}
