package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// Two requests race for a NodePool's last room (as two scheduler replicas, or a
// plan made before the other's node counted, would hand over): one launches, the
// other fails naming the limit, on the pod and on the NodePool, and the limit is
// never exceeded.
func TestNodePoolLimitsUnderConcurrentRequests(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, nil)
	ns := s.namespace("limits")
	np := onDemand("limited", "m5.xlarge")
	np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("4")}
	s.apply(np)
	ctx := context.Background()
	var requests []*tailorv1alpha1.CapacityRequest
	for _, name := range []string{"a", "b"} {
		// Pods no scheduler takes, so that only these requests launch for them.
		p := pod(ns, name, "3", "4Gi")
		p.Spec.SchedulerName = "nobody"
		s.apply(p)
		s.expectFetched(p)
		requests = append(requests, &tailorv1alpha1.CapacityRequest{
			ObjectMeta: metav1.ObjectMeta{Name: "limited-race-" + name},
			Spec: tailorv1alpha1.CapacityRequestSpec{
				NodePool:      "limited",
				Requirements:  np.Spec.Template.Spec.Requirements,
				Resources:     karpv1.ResourceRequirements{Requests: p.Spec.Containers[0].Resources.Requests},
				InstanceTypes: []string{"m5.xlarge"},
				Pods:          []tailorv1alpha1.PodReference{{Namespace: ns, Name: p.Name, UID: p.UID}},
			},
		})
	}
	for _, r := range requests {
		if err := s.kube.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	harness.Eventually(t, time.Minute, "one request launched and one refused", func() error {
		launched, refused := 0, 0
		for _, r := range requests {
			got := &tailorv1alpha1.CapacityRequest{}
			if err := s.kube.Get(ctx, client.ObjectKeyFromObject(r), got); err != nil {
				refused++ // failed requests are removed
				continue
			}
			cond := meta.FindStatusCondition(got.Status.Conditions, tailorv1alpha1.ConditionTypeLaunched)
			switch {
			case cond == nil:
			case cond.Status == metav1.ConditionTrue:
				launched++
			case cond.Reason == tailorv1alpha1.ReasonLaunchFailed:
				refused++
			}
		}
		if launched != 1 || refused != 1 {
			return fmt.Errorf("%d launched, %d refused", launched, refused)
		}
		return nil
	})
	harness.Eventually(t, time.Minute, "the refusal on the NodePool and on a pod", func() error {
		got := &karpv1.NodePool{}
		if err := s.kube.Get(ctx, client.ObjectKey{Name: "limited"}, got); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(got.Status.Conditions, tailorv1alpha1.ConditionTypeLimitsReached)
		if cond == nil || cond.Status != metav1.ConditionTrue || !strings.Contains(cond.Message, "cpu limit 4") {
			return fmt.Errorf("NodePool condition %s: %+v", tailorv1alpha1.ConditionTypeLimitsReached, cond)
		}
		var events corev1.EventList
		if err := s.kube.List(ctx, &events, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.Reason == tailorv1alpha1.ReasonLaunchFailed && strings.Contains(e.Message, "reached its limits") {
				return nil
			}
		}
		return fmt.Errorf("no %s event on a pod among %d events", tailorv1alpha1.ReasonLaunchFailed, len(events.Items))
	})
	harness.Eventually(t, time.Minute, "the one instance to run", func() error {
		if n := len(s.running()); n != 1 {
			return fmt.Errorf("%d instances running", n)
		}
		return nil
	})
	// The refused request was removed (see above) and nothing replaced it.
	if n := s.launched(); n != 1 {
		t.Errorf("%d instances launched under a 4-CPU limit, want 1 m5.xlarge", n)
	}
}

func (s *stack) expectFetched(obj client.Object) {
	s.t.Helper()
	env.ExpectFetched(s.t, obj)
}
