package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// Bad input gets a condition naming the field, the pending pod an event saying
// why no node comes, and nothing is launched.
func TestBadInputLaunchesNothing(t *testing.T) {
	nowhere := nodeClass()
	nowhere.Name = "nowhere"
	nowhere.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"team": "nobody"}}}
	missingClass := nodePool("orphan")
	missingClass.Spec.Template.Spec.NodeClassRef.Name = "missing"
	unknownType := onDemand("typo", "x9.huge")
	unmatched := nodePool("unmatched")
	unmatched.Spec.Template.Spec.NodeClassRef.Name = "nowhere"

	s := newStack(t, ec2sim.Options{}, nil)
	ns := s.namespace("bad-input")
	s.apply(nowhere, missingClass, unknownType, unmatched)
	for _, np := range []string{"orphan", "typo", "unmatched"} {
		p := pod(ns, "for-"+np, "1", "1Gi")
		p.Spec.NodeSelector = map[string]string{wellknown.NodePoolLabelKey: np}
		s.apply(p)
	}
	s.expectCondition(&karpv1.NodePool{}, "orphan", karpv1.ConditionTypeNodeClassReady, metav1.ConditionFalse, "spec.template.spec.nodeClassRef.name")
	s.expectCondition(&karpv1.NodePool{}, "typo", karpv1.ConditionTypeValidationSucceeded, metav1.ConditionFalse, "spec.template.spec.requirements[0].values", "x9.huge")
	s.expectCondition(&ec2v1.EC2NodeClass{}, "nowhere", ec2v1.ConditionTypeReady, metav1.ConditionFalse, "spec.subnetSelectorTerms")
	s.expectCondition(&karpv1.NodePool{}, "unmatched", karpv1.ConditionTypeReady, metav1.ConditionFalse)
	harness.Eventually(t, time.Minute, "each pod to be told why no node comes", func() error {
		var events corev1.EventList
		if err := s.kube.List(context.Background(), &events, client.InNamespace(ns)); err != nil {
			return err
		}
		told := map[string]bool{}
		for _, e := range events.Items {
			if e.Type == corev1.EventTypeWarning {
				told[e.InvolvedObject.Name] = true
			}
		}
		for _, np := range []string{"orphan", "typo", "unmatched"} {
			if !told["for-"+np] {
				return fmt.Errorf("no warning event on pod for-%s (events: %d)", np, len(events.Items))
			}
		}
		return nil
	})
	if n := s.launched(); n != 0 {
		t.Errorf("%d instances launched for bad input, want none", n)
	}
}

// expectCondition waits until the named object's condition has status and its
// message contains every one of want.
func (s *stack) expectCondition(obj client.Object, name, condType string, status metav1.ConditionStatus, want ...string) {
	s.t.Helper()
	harness.Eventually(s.t, time.Minute, fmt.Sprintf("%s %s condition %s=%s", kindOf(obj), name, condType, status), func() error {
		if err := s.kube.Get(context.Background(), client.ObjectKey{Name: name}, obj); err != nil {
			return err
		}
		var conds []metav1.Condition
		switch o := obj.(type) {
		case *karpv1.NodePool:
			conds = o.Status.Conditions
		case *ec2v1.EC2NodeClass:
			conds = o.Status.Conditions
		}
		cond := meta.FindStatusCondition(conds, condType)
		if cond == nil || cond.Status != status {
			return fmt.Errorf("condition is %+v", cond)
		}
		for _, w := range want {
			if !strings.Contains(cond.Message, w) {
				return fmt.Errorf("message %q lacks %q", cond.Message, w)
			}
		}
		return nil
	})
}

func kindOf(obj client.Object) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", obj), "*v1.")
}
