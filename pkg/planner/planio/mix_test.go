package planio

import (
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestGenericMix(t *testing.T) {
	const n = 6000
	pods := GenericMix(n, 7)
	if len(pods) != n {
		t.Fatalf("got %d pods, want %d", len(pods), n)
	}
	cpus, ratios := map[string]int{}, map[int64]int{}
	for _, p := range pods {
		requests := p.Spec.Containers[0].Resources.Requests
		cpu, memory := requests[corev1.ResourceCPU], requests[corev1.ResourceMemory]
		cpus[cpu.String()]++
		// memory / cpu in GiB per core, rounded: rounding to bytes is the only error.
		ratio := (memory.Value()*1000/cpu.MilliValue() + 1<<29) >> 30
		ratios[ratio]++
		if p.Spec.Affinity != nil || len(p.Spec.TopologySpreadConstraints) > 0 {
			t.Fatalf("pod %s has constraints; the generic mix has requests only", p.Name)
		}
	}
	expectUniform(t, "cpu", cpus, []string{"100m", "250m", "500m", "1", "2", "4"}, n)
	expectUniform(t, "GiB per core", stringKeys(ratios), []string{"1", "2", "4", "8"}, n)
	expectGroupsShareOwners(t, pods)
	expectDeterministic(t, GenericMix)
}

func TestDiverseMix(t *testing.T) {
	const n = 5003
	pods := DiverseMix(n, 7)
	if len(pods) != n {
		t.Fatalf("got %d pods, want %d", len(pods), n)
	}
	fifths, cpus, memories := map[string]int{}, map[string]int{}, map[string]int{}
	for _, p := range pods {
		fifth := p.Labels[MixLabelKey]
		fifths[fifth]++
		requests := p.Spec.Containers[0].Resources.Requests
		cpu, memory := requests[corev1.ResourceCPU], requests[corev1.ResourceMemory]
		cpus[cpu.String()]++
		memories[memory.String()]++
		if err := expectConstraints(p, fifth); err != nil {
			t.Fatalf("pod %s of fifth %s: %v", p.Name, fifth, err)
		}
	}
	for _, f := range diverseFifths {
		if fifths[f] < n/5 || fifths[f] > n/5+1 {
			t.Errorf("fifth %s has %d pods, want %d or %d", f, fifths[f], n/5, n/5+1)
		}
	}
	expectUniform(t, "cpu", cpus, []string{"100m", "250m", "500m", "1", "1500m"}, n)
	expectUniform(t, "memory", memories, []string{"100Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"}, n)
	expectGroupsShareOwners(t, pods)
	expectDeterministic(t, DiverseMix)
}

// expectConstraints checks a diverse pod carries exactly its fifth's rule.
func expectConstraints(p *corev1.Pod, fifth string) error {
	spread, affinity := p.Spec.TopologySpreadConstraints, p.Spec.Affinity
	app := p.Labels[AppLabelKey]
	switch fifth {
	case FifthPlain:
		if len(spread) > 0 || affinity != nil {
			return fmt.Errorf("has constraints")
		}
	case FifthZoneSpread, FifthHostnameSpread:
		key := corev1.LabelTopologyZone
		if fifth == FifthHostnameSpread {
			key = corev1.LabelHostname
		}
		if len(spread) != 1 || spread[0].TopologyKey != key || spread[0].MaxSkew != 1 || spread[0].WhenUnsatisfiable != corev1.DoNotSchedule ||
			spread[0].LabelSelector.MatchLabels[AppLabelKey] != app || affinity != nil {
			return fmt.Errorf("want one spread over %s of its own app, maxSkew 1, DoNotSchedule; got %+v", key, spread)
		}
	case FifthZoneAffinity:
		if affinity == nil || affinity.PodAffinity == nil || len(affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 {
			return fmt.Errorf("want one required pod affinity, got %+v", affinity)
		}
		term := affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0]
		if term.TopologyKey != corev1.LabelTopologyZone || term.LabelSelector.MatchLabels[AppLabelKey] != app {
			return fmt.Errorf("want affinity to its own app over zones, got %+v", term)
		}
	case FifthHostnameAntiAffinity:
		if affinity == nil || affinity.PodAntiAffinity == nil || len(affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 {
			return fmt.Errorf("want one required pod anti-affinity, got %+v", affinity)
		}
		term := affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0]
		if term.TopologyKey != corev1.LabelHostname || !reflect.DeepEqual(term.LabelSelector.MatchLabels, map[string]string{MixLabelKey: FifthHostnameAntiAffinity}) {
			return fmt.Errorf("want anti-affinity to every pod of the fifth over hostnames, got %+v", term)
		}
	default:
		return fmt.Errorf("unknown fifth")
	}
	return nil
}

// expectUniform checks each value is drawn about 1/len(values) of n times (within
// 25% of that, far outside what chance gives at these counts) and no other value.
func expectUniform(t *testing.T, what string, counts map[string]int, values []string, n int) {
	t.Helper()
	if len(counts) != len(values) {
		t.Errorf("%s takes values %v, want exactly %v", what, counts, values)
	}
	expected := float64(n) / float64(len(values))
	for _, v := range values {
		if c := float64(counts[v]); c < 0.75*expected || c > 1.25*expected {
			t.Errorf("%s %s drawn %v times of %d, want about %v", what, v, c, n, expected)
		}
	}
}

// expectGroupsShareOwners checks pods of one owner are alike and alike pods have
// one owner, which has a handful of pods.
func expectGroupsShareOwners(t *testing.T, pods []*corev1.Pod) {
	t.Helper()
	specOf, ownerOf, names := map[string]string{}, map[string]string{}, map[string]bool{}
	for _, p := range pods {
		if names[p.Name] {
			t.Fatalf("pod name %s is used twice", p.Name)
		}
		names[p.Name] = true
		if len(p.OwnerReferences) != 1 || p.OwnerReferences[0].Kind != "Deployment" {
			t.Fatalf("pod %s owners = %v, want one Deployment", p.Name, p.OwnerReferences)
		}
		owner := p.OwnerReferences[0].Name
		spec := fmt.Sprintf("%v %v", p.Labels[MixLabelKey], p.Spec)
		if s, ok := specOf[owner]; ok && s != spec {
			t.Fatalf("Deployment %s has pods with different specs", owner)
		}
		if o, ok := ownerOf[spec]; ok && o != owner {
			t.Fatalf("alike pods are owned by %s and %s", o, owner)
		}
		specOf[owner], ownerOf[spec] = spec, owner
	}
	if len(specOf) > len(pods)/10 {
		t.Errorf("%d pods have %d owners; want groups", len(pods), len(specOf))
	}
}

func expectDeterministic(t *testing.T, mix func(int, int64) []*corev1.Pod) {
	t.Helper()
	a, b, other := mix(200, 3), mix(200, 3), mix(200, 4)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave different pods")
	}
	if reflect.DeepEqual(a, other) {
		t.Error("different seeds gave the same pods")
	}
}

func stringKeys(m map[int64]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[resource.NewQuantity(k, resource.DecimalSI).String()] = v
	}
	return out
}
