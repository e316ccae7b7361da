package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/operator"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// A spot interruption warning: the node is cordoned, a replacement launched and
// initialized before the old node is drained, the pods move to it, the old
// instance goes, and the interrupted offering is published as unavailable.
func TestSpotInterruption(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, func(o *operator.Options) {
		o.InterruptionQueue = clusterName // the simulator's queue is named after the cluster, as Karpenter's
	})
	ns := s.namespace("interruption")
	s.apply(nodePool("spot", in(corev1.LabelInstanceTypeStable, "m5.large"), in(wellknown.CapacityTypeLabelKey, "spot")),
		deployment(ns, "web", 2, "500m", "1Gi", nil))
	s.expectRunning(ns, 2, 2*time.Minute)
	var old *karpv1.NodeClaim
	for _, claim := range s.snapshot().claims {
		old = claim
	}
	id := old.Status.ProviderID[strings.LastIndex(old.Status.ProviderID, "/")+1:]
	zone := old.Labels[corev1.LabelTopologyZone]
	s.sim.SendSpotInterruption(id)

	ctx := context.Background()
	replacement := &karpv1.NodeClaim{}
	harness.Eventually(t, 2*time.Minute, "the interrupted nodeclaim to be replaced and gone", func() error {
		current := &karpv1.NodeClaim{}
		oldErr := s.kube.Get(ctx, client.ObjectKeyFromObject(old), current)
		err := s.kube.Get(ctx, client.ObjectKey{Name: old.Name + "-r"}, replacement)
		if oldErr == nil && !current.DeletionTimestamp.IsZero() &&
			(err != nil || !meta.IsStatusConditionTrue(replacement.Status.Conditions, karpv1.ConditionTypeInitialized)) {
			t.Errorf("interrupted nodeclaim %s is being deleted before its replacement is initialized", old.Name)
		}
		if err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(replacement.Status.Conditions, karpv1.ConditionTypeInitialized) {
			return fmt.Errorf("replacement %s not initialized", replacement.Name)
		}
		if err := s.kube.Get(ctx, client.ObjectKeyFromObject(old), &karpv1.NodeClaim{}); err == nil {
			return fmt.Errorf("interrupted nodeclaim %s still there", old.Name)
		}
		return nil
	})
	pods := s.expectRunning(ns, 2, 2*time.Minute)
	for _, p := range pods {
		if p.Spec.NodeName == old.Status.NodeName {
			t.Errorf("pod %s still on the interrupted node", p.Name)
		}
	}
	if inst, _ := s.sim.Instance(id); inst.State != ec2sim.StateTerminated && inst.State != ec2sim.StateShuttingDown {
		t.Errorf("interrupted instance %s is %s", id, inst.State)
	}
	harness.Eventually(t, time.Minute, "the interrupted offering to be published unavailable", func() error {
		catalog := &tailorv1alpha1.InstanceTypeCatalog{}
		if err := s.kube.Get(ctx, client.ObjectKey{Name: "default.m5"}, catalog); err != nil {
			return err
		}
		for _, it := range catalog.Spec.InstanceTypes {
			for _, o := range it.Offerings {
				if it.Name == "m5.large" && o.Zone == zone && o.CapacityType == "spot" && !o.Available {
					return nil
				}
			}
		}
		return fmt.Errorf("m5.large spot in %s still available", zone)
	})
}
