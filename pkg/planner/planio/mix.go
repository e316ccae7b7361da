package planio

import (
	"fmt"
	"math/rand"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The bench workload mixes of /work/shared/bench/README.md. Each pod is drawn
// independently; pods of the same shape (and, in the diverse mix, the same fifth)
// belong to one Deployment named after it, so equivalent pods share an owner and
// an "app" label, and pods of one Deployment are all alike.

// Label keys of the generated pods.
const (
	// AppLabelKey names the pod's Deployment.
	AppLabelKey = "app"
	// MixLabelKey names the mix, and in the diverse mix the fifth, a pod is of.
	MixLabelKey = "bench.tailor.sh/mix"
)

// Names of the fifths of the diverse mix, in order; they are MixLabelKey values.
const (
	FifthPlain                = "plain"
	FifthZoneSpread           = "zone-spread"
	FifthHostnameSpread       = "hostname-spread"
	FifthZoneAffinity         = "zone-affinity"
	FifthHostnameAntiAffinity = "hostname-anti-affinity"
)

// pauseImage is the image of generated containers; planning never runs it.
const pauseImage = "registry.k8s.io/pause:3.10"

var (
	genericCPUs       = []string{"100m", "250m", "500m", "1", "2", "4"}
	genericGiBPerCore = []int64{1, 2, 4, 8}
	diverseCPUs       = []string{"100m", "250m", "500m", "1", "1500m"}
	diverseMemories   = []string{"100Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"}
	diverseFifths     = []string{FifthPlain, FifthZoneSpread, FifthHostnameSpread, FifthZoneAffinity, FifthHostnameAntiAffinity}
)

// GenericMix returns n pods of the generic mix, the same for the same seed: cpu
// uniformly from {100m, 250m, 500m, 1, 2, 4}, memory that cpu times {1, 2, 4, 8}
// GiB per core, uniformly; requests only.
func GenericMix(n int, seed int64) []*corev1.Pod {
	rng := rand.New(rand.NewSource(seed))
	g := newGenerator()
	pods := make([]*corev1.Pod, 0, n)
	for range n {
		cpu := resource.MustParse(genericCPUs[rng.Intn(len(genericCPUs))])
		ratio := genericGiBPerCore[rng.Intn(len(genericGiBPerCore))]
		// cpu (millicores) × ratio GiB per core, in bytes; rounding loses < 1 byte.
		memory := resource.NewQuantity((cpu.MilliValue()*ratio<<30+500)/1000, resource.BinarySI)
		name := fmt.Sprintf("generic-%s-x%d", strings.ToLower(cpu.String()), ratio)
		pods = append(pods, g.pod(name, "generic", cpu, *memory, nil))
	}
	return pods
}

// DiverseMix returns n pods of the diverse mix, the same for the same seed: five
// equal fifths (pod i is of fifth i mod 5) with cpu uniformly from {100m, 250m,
// 500m, 1, 1.5} and memory from {100Mi, 256Mi, 512Mi, 1Gi, 2Gi, 4Gi}: plain; a
// zone topology spread of its Deployment (maxSkew 1, DoNotSchedule); the same over
// hostnames; a required pod affinity to its own Deployment over zones; a required
// pod anti-affinity over hostnames to every pod of the fifth (one per node).
func DiverseMix(n int, seed int64) []*corev1.Pod {
	rng := rand.New(rand.NewSource(seed))
	g := newGenerator()
	pods := make([]*corev1.Pod, 0, n)
	for i := range n {
		fifth := diverseFifths[i%len(diverseFifths)]
		cpu := resource.MustParse(diverseCPUs[rng.Intn(len(diverseCPUs))])
		memory := resource.MustParse(diverseMemories[rng.Intn(len(diverseMemories))])
		name := fmt.Sprintf("diverse-%s-%s-%s", fifth, strings.ToLower(cpu.String()), strings.ToLower(memory.String()))
		pods = append(pods, g.pod(name, fifth, cpu, memory, constraints(fifth, name)))
	}
	return pods
}

// constraints are what a pod of a fifth of the diverse mix adds to its spec.
func constraints(fifth, app string) func(*corev1.PodSpec) {
	ownApp := &metav1.LabelSelector{MatchLabels: map[string]string{AppLabelKey: app}}
	spread := func(key string) func(*corev1.PodSpec) {
		return func(spec *corev1.PodSpec) {
			spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
				MaxSkew: 1, TopologyKey: key, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: ownApp,
			}}
		}
	}
	switch fifth {
	case FifthZoneSpread:
		return spread(corev1.LabelTopologyZone)
	case FifthHostnameSpread:
		return spread(corev1.LabelHostname)
	case FifthZoneAffinity:
		return func(spec *corev1.PodSpec) {
			spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{LabelSelector: ownApp, TopologyKey: corev1.LabelTopologyZone}},
			}}
		}
	case FifthHostnameAntiAffinity:
		everyPodOfFifth := &metav1.LabelSelector{MatchLabels: map[string]string{MixLabelKey: fifth}}
		return func(spec *corev1.PodSpec) {
			spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{LabelSelector: everyPodOfFifth, TopologyKey: corev1.LabelHostname}},
			}}
		}
	}
	return nil
}

// generator numbers the pods of each Deployment.
type generator struct {
	next map[string]int
}

func newGenerator() *generator {
	return &generator{next: map[string]int{}}
}

// pod returns the next pod of Deployment app in the default namespace, labelled
// with app and mix, requesting cpu and memory, with constrain applied to its spec.
func (g *generator) pod(app, mix string, cpu, memory resource.Quantity, constrain func(*corev1.PodSpec)) *corev1.Pod {
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{AppLabelKey: app, MixLabelKey: mix}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:      "app",
			Image:     pauseImage,
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: memory}},
		}}},
	}
	if constrain != nil {
		constrain(&template.Spec)
	}
	o := owner{apiVersion: "apps/v1", kind: "Deployment", namespace: metav1.NamespaceDefault, name: app}
	i := g.next[app]
	g.next[app]++
	return o.pod(&template, i)
}
