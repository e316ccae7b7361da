package parity

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

func nodeSelector(key, value string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{key: value} }
}

func requireNode(key string, op corev1.NodeSelectorOperator, values ...string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}},
		}}}
	}
}

func preferNode(key, value string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{
			Weight: 50, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: corev1.NodeSelectorOpIn, Values: []string{value}}}},
		}}}}
	}
}

func tolerate(key, value string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Tolerations = []corev1.Toleration{{Key: key, Operator: corev1.TolerationOpEqual, Value: value, Effect: corev1.TaintEffectNoSchedule}}
	}
}

func spread(key string, minDomains *int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		policy := corev1.NodeInclusionPolicyHonor
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: key, WhenUnsatisfiable: corev1.DoNotSchedule, MinDomains: minDomains,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": p.Labels["app"]}}, NodeTaintsPolicy: &policy,
		}}
	}
}

func affinity(key string, anti bool) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		term := []corev1.PodAffinityTerm{{TopologyKey: key, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": p.Labels["app"]}}}}
		if anti {
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: term}}
			return
		}
		p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: term}}
	}
}

func hostPort(port int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: port, HostPort: port, Protocol: corev1.ProtocolTCP}}
	}
}

func gpus(n int64) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		q := *resource.NewQuantity(n, resource.DecimalSI)
		p.Spec.Containers[0].Resources.Requests[wellknown.ResourceNVIDIAGPU] = q
		p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{wellknown.ResourceNVIDIAGPU: q}
	}
}

func anyArch(np *karpv1.NodePool) {
	np.Spec.Template.Spec.Requirements = slices.DeleteFunc(np.Spec.Template.Spec.Requirements, func(r karpv1.NodeSelectorRequirementWithMinValues) bool {
		return r.Key == corev1.LabelArchStable
	})
}

func allowSpot(np *karpv1.NodePool) {
	for i, r := range np.Spec.Template.Spec.Requirements {
		if r.Key == wellknown.CapacityTypeLabelKey {
			np.Spec.Template.Spec.Requirements[i].Values = []string{wellknown.CapacityTypeSpot, wellknown.CapacityTypeOnDemand}
		}
	}
}

func taint(key, value string) func(*karpv1.NodePool) {
	return func(np *karpv1.NodePool) {
		np.Spec.Template.Spec.Taints = append(np.Spec.Template.Spec.Taints, karpv1.Taint{Key: key, Value: value, Effect: corev1.TaintEffectNoSchedule})
	}
}

func weight(w int32) func(*karpv1.NodePool) {
	return func(np *karpv1.NodePool) { np.Spec.Weight = &w }
}

func family(f string) func(*karpv1.NodePool) {
	return func(np *karpv1.NodePool) {
		np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements, karpv1.NodeSelectorRequirementWithMinValues{
			Key: wellknown.InstanceFamilyLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{f},
		})
	}
}

func limit(cpu string) func(*karpv1.NodePool) {
	return func(np *karpv1.NodePool) {
		np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse(cpu)}
	}
}

// allLabelled checks that every launched node carries key=value.
func allLabelled(key, value string) func(*testing.T, *outcome) {
	return func(t *testing.T, o *outcome) {
		for name := range o.launches {
			if got := o.nodes[name].Labels[key]; got != value {
				t.Errorf("node %s has %s=%q, want %q", name, key, got, value)
			}
		}
	}
}

// perDomain checks that the scenario's bound pods span exactly n values of key,
// and that no two values hold counts more than one apart (maxSkew 1) when n > 1.
func perDomain(key string, n int) func(*testing.T, *outcome) {
	return func(t *testing.T, o *outcome) {
		counts := map[string]int{}
		for _, p := range o.pods {
			if node := o.nodes[p.Spec.NodeName]; node != nil {
				counts[node.Labels[key]]++
			}
		}
		if len(counts) != n {
			t.Errorf("pods span %d values of %s (%v), want %d", len(counts), key, counts, n)
		}
		lo, hi := 1<<30, 0
		for _, c := range counts {
			lo, hi = min(lo, c), max(hi, c)
		}
		if n > 1 && hi-lo > 1 {
			t.Errorf("pods over %s are skewed by %d: %v", key, hi-lo, counts)
		}
	}
}

// atMost checks that pods shared nodes: no more than n were launched.
func atMost(t *testing.T, o *outcome, n int) {
	if len(o.launches) > n {
		t.Errorf("%d nodes launched for %d pods, want at most %d (pods that arrive together share nodes)", len(o.launches), len(o.pods), n)
	}
}

func expectEvent(t *testing.T, o *outcome, pod, reason string) {
	t.Helper()
	if len(o.pods) == 0 {
		t.Fatal("no pods observed")
	}
	ns := o.pods[0].Namespace
	notes := eventsFor(t, ns, pod, reason)
	if len(notes) == 0 {
		t.Errorf("pod %s has no %s event", pod, reason)
		return
	}
	t.Logf("%s: %s", reason, notes[0])
}

// all runs every check.
func all(checks ...func(*testing.T, *outcome)) func(*testing.T, *outcome) {
	return func(t *testing.T, o *outcome) {
		for _, check := range checks {
			check(t, o)
		}
	}
}
