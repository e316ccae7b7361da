package lowerbound

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// instanceType is a type with cpu cores, memory GiB, an available offering at
// price and a cheaper one that is unavailable.
func instanceType(name string, cpu, memGiB int64, price float64) *cloudprovider.InstanceType {
	return &cloudprovider.InstanceType{
		Name: name,
		Capacity: corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewQuantity(cpu, resource.DecimalSI),
			corev1.ResourceMemory: *resource.NewQuantity(memGiB<<30, resource.BinarySI),
		},
		Offerings: cloudprovider.Offerings{
			{Zone: "zone-a", CapacityType: "on-demand", PricePerHour: price, Available: true},
			// Cheaper but lacking capacity: it must not count.
			{Zone: "zone-b", CapacityType: "spot", PricePerHour: price / 10, Available: false},
		},
	}
}

// pod requests cpu (a quantity) and memory.
func pod(cpu, memory string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		}}}},
	}
}

func TestFluid(t *testing.T) {
	// cpu-rich: 4 cores, 4 GiB for 0.2; memory-rich: 1 core, 8 GiB for 0.1.
	cpuRich := instanceType("cpu-rich", 4, 4, 0.2)
	memRich := instanceType("mem-rich", 1, 8, 0.1)
	for _, tc := range []struct {
		name       string
		pods       []*corev1.Pod
		types      []*cloudprovider.InstanceType
		bound      float64
		a, b       float64
		efficient0 []string // Efficient(types, a, b, 0)
	}{{
		// 4 cores, 8 GiB on 2-core/8-GiB nodes at 0.1: cpu binds, 2 nodes' worth.
		name:  "one type, cpu binds",
		pods:  []*corev1.Pod{pod("3", "6Gi"), pod("1", "2Gi")},
		types: []*cloudprovider.InstanceType{instanceType("m", 2, 8, 0.1)},
		bound: 0.2, a: 0.05, b: 0,
		efficient0: []string{"m"},
	}, {
		name:  "one type, memory binds",
		pods:  []*corev1.Pod{pod("1", "16Gi")},
		types: []*cloudprovider.InstanceType{instanceType("m", 2, 8, 0.1)},
		bound: 0.2, a: 0, b: 0.0125,
		efficient0: []string{"m"},
	}, {
		// 5 cores, 12 GiB: one of each type covers it exactly (4+1, 4+8) for 0.3;
		// either type alone costs 0.6 (3 cpu-rich) or 0.5 (5 mem-rich).
		// Duals: 4a+4b = 0.2, a+8b = 0.1 → b = 0.05/7, a = 0.05 - b.
		name:  "two types, the optimum mixes them",
		pods:  []*corev1.Pod{pod("5", "12Gi")},
		types: []*cloudprovider.InstanceType{cpuRich, memRich},
		bound: 0.3, a: 0.05 - 0.05/7, b: 0.05 / 7,
		efficient0: []string{"cpu-rich", "mem-rich"},
	}, {
		// 2 cores, 6 GiB for 0.2 is worth 2a+6b ≈ 0.129 at the duals: dominated.
		name:  "a dominated type changes nothing",
		pods:  []*corev1.Pod{pod("5", "12Gi")},
		types: []*cloudprovider.InstanceType{instanceType("dominated", 2, 6, 0.2), cpuRich, memRich},
		bound: 0.3, a: 0.05 - 0.05/7, b: 0.05 / 7,
		efficient0: []string{"cpu-rich", "mem-rich"},
	}, {
		// Twice cpu-rich for twice the price lies on the same hull point.
		name:  "a larger size of the same shape and price per core ties",
		pods:  []*corev1.Pod{pod("5", "12Gi")},
		types: []*cloudprovider.InstanceType{cpuRich, memRich, instanceType("cpu-rich-2x", 8, 8, 0.4)},
		bound: 0.3, a: 0.05 - 0.05/7, b: 0.05 / 7,
		efficient0: []string{"cpu-rich", "mem-rich", "cpu-rich-2x"},
	}, {
		name:  "no pods",
		types: []*cloudprovider.InstanceType{cpuRich, memRich},
		bound: 0, a: 0.05 - 0.05/7, b: 0.05 / 7,
		efficient0: []string{"cpu-rich", "mem-rich"},
	}, {
		name:  "no type can be bought",
		pods:  []*corev1.Pod{pod("1", "1Gi")},
		bound: math.Inf(1),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			bound, a, b := Fluid(tc.pods, tc.types)
			if !near(bound, tc.bound) || !near(a, tc.a) || !near(b, tc.b) {
				t.Errorf("Fluid = %v (a %v, b %v), want %v (a %v, b %v)", bound, a, b, tc.bound, tc.a, tc.b)
			}
			var names []string
			for _, it := range Efficient(tc.types, a, b, 1e-9) {
				names = append(names, it.Name)
			}
			if fmt.Sprint(names) != fmt.Sprint(tc.efficient0) {
				t.Errorf("Efficient = %v, want %v", names, tc.efficient0)
			}
		})
	}
}

func TestEfficientSlackAdmitsNearlyEfficientTypes(t *testing.T) {
	types := []*cloudprovider.InstanceType{
		instanceType("cheap", 2, 8, 0.10),
		instanceType("five-percent-dearer", 2, 8, 0.105),
		instanceType("twice-as-dear", 2, 8, 0.20),
	}
	_, a, b := Fluid([]*corev1.Pod{pod("2", "8Gi")}, types)
	for _, tc := range []struct {
		slack float64
		want  int
	}{{0, 1}, {0.03, 1}, {0.05, 2}, {0.6, 3}} {
		if got := len(Efficient(types, a, b, tc.slack)); got != tc.want {
			t.Errorf("Efficient with slack %v kept %d types, want %d", tc.slack, got, tc.want)
		}
	}
}

// TestFluidNeverExceedsAFeasiblePacking packs random pods one per node on the
// cheapest type that holds each, which is always feasible, and checks the bound
// is no higher; and that the dual prices price no type above its price.
func TestFluidNeverExceedsAFeasiblePacking(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := range 200 {
		types := randomTypes(rng, 1+rng.Intn(30))
		pods := make([]*corev1.Pod, 1+rng.Intn(40))
		for i := range pods {
			pods[i] = pod(fmt.Sprintf("%dm", 50+rng.Intn(4000)), fmt.Sprintf("%dMi", 64+rng.Intn(16000)))
		}
		packing, ok := onePodPerNode(pods, types)
		if !ok {
			continue
		}
		bound, a, b := Fluid(pods, types)
		if bound > packing*(1+1e-9) {
			t.Fatalf("trial %d: bound %v exceeds a feasible packing costing %v", trial, bound, packing)
		}
		if a < 0 || b < 0 {
			t.Fatalf("trial %d: negative dual prices a %v, b %v", trial, a, b)
		}
		for _, it := range types {
			s, _ := supplyOf(it)
			if a*s.cpu+b*s.mem > s.price*(1+1e-12) {
				t.Fatalf("trial %d: type %s valued %v above its price %v", trial, it.Name, a*s.cpu+b*s.mem, s.price)
			}
		}
		if exact := cheapestFluidMix(pods, types); !near(bound, exact) {
			t.Fatalf("trial %d: bound %v, but the cheapest fluid mix of at most two types costs %v", trial, bound, exact)
		}
		if len(Efficient(types, a, b, 1e-9)) == 0 {
			t.Fatalf("trial %d: no type is efficient at the optimal dual prices", trial)
		}
	}
}

// cheapestFluidMix solves the bound's dual by brute force: the cheapest way to
// buy the pods' cpu and memory in fractions of at most two types (an optimal
// basis of a two-constraint LP has at most two variables), in O(T^2).
func cheapestFluidMix(pods []*corev1.Pod, types []*cloudprovider.InstanceType) float64 {
	cpu, mem := demand(pods)
	ss := supplies(types)
	best := math.Inf(1)
	for i, s := range ss {
		best = math.Min(best, s.price*math.Max(cpu/s.cpu, mem/s.mem))
		for _, r := range ss[i+1:] {
			det := s.cpu*r.mem - r.cpu*s.mem
			if det == 0 {
				continue
			}
			x, y := (cpu*r.mem-r.cpu*mem)/det, (s.cpu*mem-cpu*s.mem)/det
			if x >= 0 && y >= 0 {
				best = math.Min(best, x*s.price+y*r.price)
			}
		}
	}
	return best
}

func randomTypes(rng *rand.Rand, n int) []*cloudprovider.InstanceType {
	out := make([]*cloudprovider.InstanceType, n)
	for i := range out {
		cpu := int64(1 << rng.Intn(7))
		mem := cpu * int64(1<<rng.Intn(4))
		price := (float64(cpu)*0.03 + float64(mem)*0.005) * (0.6 + 0.8*rng.Float64())
		out[i] = instanceType(fmt.Sprintf("t%d", i), cpu, mem, price)
	}
	return out
}

// onePodPerNode is the cost of giving every pod its own node of the cheapest type
// that holds it; ok is false when some pod fits no type.
func onePodPerNode(pods []*corev1.Pod, types []*cloudprovider.InstanceType) (float64, bool) {
	total := 0.0
	for _, p := range pods {
		cheapest := math.Inf(1)
		requests := p.Spec.Containers[0].Resources.Requests
		for _, it := range types {
			s, _ := supplyOf(it)
			allocatable := it.Allocatable()
			if allocatable.Cpu().Cmp(*requests.Cpu()) >= 0 && allocatable.Memory().Cmp(*requests.Memory()) >= 0 {
				cheapest = math.Min(cheapest, s.price)
			}
		}
		if math.IsInf(cheapest, 1) {
			return 0, false
		}
		total += cheapest
	}
	return total, true
}

func near(got, want float64) bool {
	if math.IsInf(want, 1) {
		return math.IsInf(got, 1)
	}
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func TestDemandCountsRequestsAsTheSchedulerDoes(t *testing.T) {
	twoContainers := pod("1", "1Gi")
	twoContainers.Spec.Containers = append(twoContainers.Spec.Containers, pod("500m", "512Mi").Spec.Containers[0])
	// An init container larger than the app containers sets the pod's request.
	bigInit := pod("1", "1Gi")
	bigInit.Spec.InitContainers = pod("3", "1Gi").Spec.Containers
	withOverhead := pod("1", "1Gi")
	withOverhead.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")}
	noRequests := pod("1", "1Gi")
	noRequests.Spec.Containers[0].Resources.Requests = nil
	for _, tc := range []struct {
		name     string
		pod      *corev1.Pod
		cpu, mem float64
	}{
		{"containers add up", twoContainers, 1.5, 1.5},
		{"an init container larger than the rest", bigInit, 3, 1},
		{"pod overhead", withOverhead, 1.25, 1},
		{"no requests", noRequests, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cpu, mem := demand([]*corev1.Pod{tc.pod})
			if !near(cpu, tc.cpu) || !near(mem, tc.mem) {
				t.Errorf("demand = %v cores, %v GiB, want %v, %v", cpu, mem, tc.cpu, tc.mem)
			}
		})
	}
}
