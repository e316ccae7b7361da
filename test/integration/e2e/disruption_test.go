package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// Nodes left without workload pods are removed once consolidateAfter has
// passed, but not while a budget of 0 is in its schedule window, which says so
// in an event; once the window ends they go, nodes that still run pods stay,
// and no instance is left behind.
func TestEmptyNodesAreRemovedWithinBudgets(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, withDisruption)
	ctx := context.Background()
	ns := s.namespace("empty")
	np := nodePool("default")
	np.Spec.Disruption = karpv1.Disruption{ConsolidateAfter: karpv1.MustParseNillableDuration("5s")}
	s.apply(np)
	s.apply(
		deployment(ns, "keep", 2, "1", "2Gi", hostAntiAffinity("keep")),
		deployment(ns, "gone", 3, "1", "2Gi", hostAntiAffinity("gone")),
	)
	pods := s.expectRunning(ns, 5, 3*time.Minute)
	keep := map[string]bool{}
	for _, p := range pods {
		if p.Labels["app"] == "keep" {
			keep[p.Spec.NodeName] = true
		}
	}
	before := len(s.snapshot().claims)

	// A budget of 0 in a window that opened this minute and closes in 40 to
	// 100 s (cron, UTC; the API takes whole minutes), next to one of 100% at
	// all times: the most restrictive active one wins.
	opened := time.Now().UTC().Truncate(time.Minute)
	windowEnd := opened.Add(time.Minute)
	if time.Until(windowEnd) < 40*time.Second {
		windowEnd = windowEnd.Add(time.Minute)
	}
	fetched := &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: np.Name}}
	s.update(fetched, func() {
		fetched.Spec.Disruption.Budgets = []karpv1.Budget{{Nodes: "100%"}, {Nodes: "0",
			Schedule: ptr.To(fmt.Sprintf("%d %d * * *", opened.Minute(), opened.Hour())), Duration: &metav1.Duration{Duration: windowEnd.Sub(opened)}}}
	})
	s.scale(ns, "gone", 0)
	harness.Eventually(t, time.Minute, "a DisruptionBlocked event", func() error {
		if !hasEvent(ctx, s.kube, "DisruptionBlocked") {
			return fmt.Errorf("no DisruptionBlocked event yet")
		}
		return nil
	})
	time.Sleep(time.Until(windowEnd.Add(-3 * time.Second)))
	if n := len(s.snapshot().claims); n != before {
		t.Fatalf("%d of %d nodeclaims left while the budget window is open", n, before)
	}

	// The window ended: the empty nodes go, the busy ones stay.
	harness.Eventually(t, 2*time.Minute, "the empty nodes to be removed", func() error {
		c := s.snapshot()
		if len(c.claims) != len(keep) {
			return fmt.Errorf("%d nodeclaims, want the %d that run pods", len(c.claims), len(keep))
		}
		for _, claim := range c.claims {
			if !keep[claim.Status.NodeName] {
				return fmt.Errorf("nodeclaim %s (node %s) runs no pod and is still there", claim.Name, claim.Status.NodeName)
			}
		}
		return nil
	})
	t.Logf("empty nodes removed %s after the budget window closed", time.Since(windowEnd).Round(time.Second))
	if running := len(s.running()); running != len(keep) {
		t.Errorf("%d instances running, want %d", running, len(keep))
	}
	s.expectRunning(ns, 2, time.Minute)
}

func hasEvent(ctx context.Context, kube client.Client, reason string) bool {
	var events corev1.EventList
	if err := kube.List(ctx, &events); err != nil {
		return false
	}
	for _, e := range events.Items {
		if e.Reason == reason {
			return true
		}
	}
	return false
}

// scale sets the replicas of a Deployment.
func (s *stack) scale(ns, name string, replicas int32) {
	s.t.Helper()
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	s.update(d, func() { d.Spec.Replicas = &replicas })
}

// update fetches obj, applies mutate and writes it back, again from a fresh
// read when a controller wrote the object in between (a conflict).
func (s *stack) update(obj client.Object, mutate func()) {
	s.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		s.expectFetched(obj)
		mutate()
		return s.kube.Update(context.Background(), obj)
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

// After a scale-down the loop converges on the one node a fresh plan of the
// remaining pods takes (a 4-cpu node holds the 2-cpu pod and six of 100m):
// the empty node goes, then the underutilized one whose pods fit the other,
// every pod still Running and no node launched since (no churn).
func TestScaleDownConsolidatesWithoutChurn(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, withDisruption)
	ns := s.namespace("consolidate")
	np := nodePool("default")
	np.Spec.Disruption = karpv1.Disruption{ConsolidateAfter: karpv1.MustParseNillableDuration("5s"),
		ConsolidationPolicy: karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized, Budgets: []karpv1.Budget{{Nodes: "100%"}}}
	s.apply(np)
	s.apply(
		deployment(ns, "big", 3, "2", "2Gi", hostAntiAffinity("big")),
		deployment(ns, "small", 6, "100m", "128Mi", nil),
	)
	s.expectRunning(ns, 9, 3*time.Minute)
	before := s.snapshot().claims
	s.scale(ns, "big", 1)
	start := time.Now()
	harness.Eventually(t, 3*time.Minute, "the scaled-down mix to run on one node", func() error {
		c := s.snapshot()
		if len(c.claims) != 1 {
			return fmt.Errorf("%d nodeclaims, want 1", len(c.claims))
		}
		for name, claim := range c.claims {
			if _, old := before[name]; !old {
				return fmt.Errorf("nodeclaim %s was launched after the scale-down (churn)", claim.Name)
			}
		}
		return nil
	})
	s.expectRunning(ns, 7, 2*time.Minute)
	c := s.snapshot()
	for name := range c.claims {
		if _, old := before[name]; !old {
			t.Errorf("nodeclaim %s was launched after the scale-down (churn)", name)
		}
	}
	t.Logf("%d nodes before the scale-down, %d %s after", len(before), len(c.claims), time.Since(start).Round(time.Second))
}
