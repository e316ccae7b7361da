package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
)

// A 200-pod mix (zone spread, anti-affinity, arm64 and spot selectors) goes from
// Pending to Running on launched nodes of the cheapest types that fit, one
// NodeClaim per node, no node empty, each pod where its constraints allow.
func TestScaleUpMix(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, nil)
	ns := s.namespace("mix")
	s.apply(nodePool("default"))
	s.apply(
		deployment(ns, "web", 60, "500m", "1Gi", zoneSpread("web", 1)),
		deployment(ns, "cache", 6, "2", "4Gi", hostAntiAffinity("cache")),
		deployment(ns, "arm", 50, "250m", "512Mi", nodeSelector(corev1.LabelArchStable, "arm64")),
		deployment(ns, "batch", 44, "1", "1Gi", nodeSelector(wellknown.CapacityTypeLabelKey, "spot")),
		deployment(ns, "plain", 40, "100m", "256Mi", nil),
	)
	start := time.Now()
	pods := s.expectRunning(ns, 200, 4*time.Minute)
	t.Logf("200 pods Running %s after the Deployments were applied", time.Since(start).Round(time.Second))

	c := s.snapshot()
	s.expectOneClaimPerNode(c)
	s.expectNoEmptyNode(c, pods)
	s.expectCheapestTypes(c)
	nodeOf := func(p corev1.Pod) *corev1.Node { return c.nodes[p.Spec.NodeName] }
	zones, cacheNodes := map[string]int{}, map[string]bool{}
	for _, p := range pods {
		n := nodeOf(p)
		switch p.Labels["app"] {
		case "web":
			zones[n.Labels[corev1.LabelTopologyZone]]++
		case "cache":
			if cacheNodes[n.Name] {
				t.Errorf("two cache pods on node %s despite anti-affinity", n.Name)
			}
			cacheNodes[n.Name] = true
		case "arm":
			if n.Labels[corev1.LabelArchStable] != "arm64" {
				t.Errorf("arm pod %s on %s node %s", p.Name, n.Labels[corev1.LabelArchStable], n.Name)
			}
		case "batch":
			if n.Labels[wellknown.CapacityTypeLabelKey] != "spot" {
				t.Errorf("spot pod %s on %s node %s", p.Name, n.Labels[wellknown.CapacityTypeLabelKey], n.Name)
			}
		}
	}
	if skew := spread(zones); len(zones) != 3 || skew > 1 {
		t.Errorf("web pods by zone %v: want 3 zones, skew at most 1", zones)
	}
	var total float64
	for _, claim := range c.claims {
		total += price(claim)
	}
	t.Logf("%d nodes, $%.3f/h", len(c.claims), total)
}

// expectCheapestTypes checks every claim launched the cheapest instance type its
// request named (the planner orders them by price).
func (s *stack) expectCheapestTypes(c cluster) {
	s.t.Helper()
	for name, claim := range c.claims {
		r := &tailorv1alpha1.CapacityRequest{}
		if err := s.kube.Get(context.Background(), client.ObjectKey{Name: claims.Request(claim)}, r); err != nil {
			s.t.Errorf("capacity request of nodeclaim %s: %v", name, err)
			continue
		}
		if got := claim.Labels[corev1.LabelInstanceTypeStable]; got != r.Spec.InstanceTypes[0] {
			s.t.Errorf("nodeclaim %s launched %s, want the cheapest fitting type %s", name, got, r.Spec.InstanceTypes[0])
		}
		if claim.Annotations[tailorv1alpha1.PricePerHourAnnotationKey] == "" {
			s.t.Errorf("nodeclaim %s has no %s annotation", name, tailorv1alpha1.PricePerHourAnnotationKey)
		}
	}
}

func price(claim interface{ GetAnnotations() map[string]string }) float64 {
	var p float64
	_, _ = fmt.Sscanf(claim.GetAnnotations()[tailorv1alpha1.PricePerHourAnnotationKey], "%g", &p)
	return p
}

func spread(byZone map[string]int) int {
	lo, hi := -1, 0
	for _, n := range byZone {
		if lo < 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	return hi - lo
}
