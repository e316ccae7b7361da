package lowerbound

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// podType is instanceType with room for pods pods.
func podType(name string, cpu, memGiB int64, pods int64, price float64) *cloudprovider.InstanceType {
	it := instanceType(name, cpu, memGiB, price)
	it.Capacity[corev1.ResourcePods] = *resource.NewQuantity(pods, resource.DecimalSI)
	return it
}

// pods are n pods requesting cpu and memory.
func pods(n int, cpu, memory string) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = pod(cpu, memory)
	}
	return out
}

func TestFitAware(t *testing.T) {
	// c: 4 cores, 4 GiB for 0.2; r: 1 core, 8 GiB for 0.1 (TestFluid's pair).
	c := podType("c", 4, 4, 110, 0.2)
	r := podType("r", 1, 8, 110, 0.1)
	for _, tc := range []struct {
		name  string
		pods  []*corev1.Pod
		types []*cloudprovider.InstanceType
		bound float64
		fluid float64 // for the record: Fluid on the same input
	}{{
		// 4 pods of 1 core, 1 GiB fill one c node exactly (0.05 a pod; on r,
		// where cpu runs out first, 0.1). cpu-only sells 320 cores per dollar but
		// no memory, so it holds no pod, yet Fluid covers 4 cores and 4 GiB with
		// half an r node and 3.5/16 of a cpu-only one: 0.05 + 0.0109375.
		name:  "a cheap type that holds no pod",
		pods:  pods(4, "1", "1Gi"),
		types: []*cloudprovider.InstanceType{podType("cpu-only", 16, 0, 110, 0.05), c, r},
		bound: 0.2, fluid: 0.0609375,
	}, {
		// tiny holds one pod at 0.01; m holds two (cpu) at 0.1. Fluid fills
		// tiny's 4 cores and 2 GiB with two pods' worth each: 4 nodes.
		name:  "a cheap type that holds one pod",
		pods:  pods(8, "1", "1Gi"),
		types: []*cloudprovider.InstanceType{podType("tiny", 4, 2, 1, 0.01), podType("m", 2, 8, 110, 0.1)},
		bound: 0.08, fluid: 0.04,
	}, {
		// The 8 GiB pod fits r only (0.1); the four small ones fill a c node.
		// Fluid's mix of one c and one r is a real packing here: the bounds meet.
		name:  "classes on different types",
		pods:  append(pods(4, "1", "1Gi"), pod("1", "8Gi")),
		types: []*cloudprovider.InstanceType{c, r},
		bound: 0.3, fluid: 0.3,
	}, {
		// Three pods fill three quarters of a c node: the LP buys 0.75 of one.
		name:  "nodes are bought in fractions",
		pods:  pods(3, "1", "1Gi"),
		types: []*cloudprovider.InstanceType{c, r},
		bound: 0.15, fluid: 0.15,
	}, {
		name:  "no pods",
		types: []*cloudprovider.InstanceType{c, r},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			bound, err := FitAware(tc.pods, tc.types)
			if err != nil {
				t.Fatalf("FitAware: %v", err)
			}
			if !near(bound, tc.bound) {
				t.Errorf("FitAware = %v, want %v", bound, tc.bound)
			}
			if fluid, _, _ := Fluid(tc.pods, tc.types); !near(fluid, tc.fluid) {
				t.Errorf("Fluid = %v, want %v", fluid, tc.fluid)
			}
		})
	}
}

func TestFitAwareFailsWhenAPodFitsNoType(t *testing.T) {
	_, err := FitAware(append(pods(2, "1", "1Gi"), pod("8", "1Gi")), []*cloudprovider.InstanceType{podType("m", 2, 8, 110, 0.1)})
	if err == nil || !strings.Contains(err.Error(), "fits a pod requesting 8000m cpu") {
		t.Errorf("FitAware error = %v, want one naming the 8-core pod", err)
	}
}

func TestUndominatedDropsTypesBeatenPerDollar(t *testing.T) {
	types := []*cloudprovider.InstanceType{
		podType("m", 2, 8, 110, 0.1),
		podType("m-dearer", 2, 8, 110, 0.12),
		podType("m-twin", 2, 8, 110, 0.1),
		// As much cpu and memory per dollar as m, half the pod room per dollar.
		podType("m-2x", 4, 16, 110, 0.2),
		// More pod room per dollar than m, less cpu and memory: neither wins.
		podType("m-dense", 2, 8, 250, 0.11),
	}
	for _, tc := range []struct {
		name string
		pods []*corev1.Pod
		kept []string
	}{{
		name: "small pods fit every type",
		pods: pods(1, "1", "1Gi"),
		kept: []string{"m", "m-dense"},
	}, {
		// m beats m-2x per dollar, but only m-2x holds a 3-core pod.
		name: "a pod only the larger type holds",
		pods: append(pods(1, "1", "1Gi"), pod("3", "1Gi")),
		kept: []string{"m", "m-2x", "m-dense"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ns := nodesFor(classesOf(tc.pods), types)
			kept, _ := undominated(ns)
			var names []string
			for _, k := range kept {
				names = append(names, ns[k].name)
			}
			if fmt.Sprint(names) != fmt.Sprint(tc.kept) {
				t.Errorf("undominated kept %v, want %v", names, tc.kept)
			}
		})
	}
}

// TestFitAwareLiesBetweenFluidAndAPacking checks on random inputs that the
// bound is no lower than Fluid, no higher than two feasible packings, and that
// dropping dominated types did not change the LP optimum.
func TestFitAwareLiesBetweenFluidAndAPacking(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := range 60 {
		types := randomTypes(rng, 1+rng.Intn(12))
		for _, it := range types {
			it.Capacity[corev1.ResourcePods] = *resource.NewQuantity(int64(1+rng.Intn(30)), resource.DecimalSI)
		}
		var ps []*corev1.Pod
		for range 1 + rng.Intn(5) {
			ps = append(ps, pods(1+rng.Intn(20), fmt.Sprintf("%dm", 100+rng.Intn(4000)), fmt.Sprintf("%dMi", 64+rng.Intn(16000)))...)
		}
		bound, err := FitAware(ps, types)
		if err != nil {
			if strings.Contains(err.Error(), "fits a pod") {
				continue
			}
			t.Fatalf("trial %d: FitAware: %v", trial, err)
		}
		if fluid, _, _ := Fluid(ps, types); bound < fluid*(1-certifiedGap) {
			t.Errorf("trial %d: FitAware %v is below Fluid %v", trial, bound, fluid)
		}
		if packing, ok := onePodPerNode(ps, types); ok && bound > packing*(1+1e-9) {
			t.Errorf("trial %d: FitAware %v exceeds one pod per node, %v", trial, bound, packing)
		}
		if packing := firstFitOnOneType(ps, types); bound > packing*(1+1e-9) {
			t.Errorf("trial %d: FitAware %v exceeds first fit on the best single type, %v", trial, bound, packing)
		}
		cs := classesOf(ps)
		ns := nodesFor(cs, types)
		_, prices, err := solveBinPacking(cs, ns)
		if err != nil {
			t.Fatalf("trial %d: solving over every type: %v", trial, err)
		}
		if all := certify(cs, ns, prices); math.Abs(all-bound) > 1e-9*bound {
			t.Errorf("trial %d: FitAware %v, but the LP over every type costs %v", trial, bound, all)
		}
	}
}

// firstFitOnOneType packs pods, largest cpu first, into nodes of one type, the
// cheapest way over types that fit every pod; +Inf when none does.
func firstFitOnOneType(pods []*corev1.Pod, types []*cloudprovider.InstanceType) float64 {
	sorted := slices.Clone(pods)
	slices.SortFunc(sorted, func(p, q *corev1.Pod) int {
		pm, _ := podRequests(p)
		qm, _ := podRequests(q)
		return int(qm - pm)
	})
	best := math.Inf(1)
	for _, it := range types {
		s, _ := supplyOf(it)
		allocatable := it.Allocatable()
		capacity := [3]int64{allocatable.Cpu().MilliValue(), allocatable.Memory().Value(), allocatable.Pods().Value()}
		var free [][3]int64
		fitsAll := true
		for _, p := range sorted {
			milli, bytes := podRequests(p)
			want := [3]int64{milli, bytes, 1}
			i := slices.IndexFunc(free, func(f [3]int64) bool { return f[0] >= want[0] && f[1] >= want[1] && f[2] >= want[2] })
			if i < 0 {
				free = append(free, capacity)
				i = len(free) - 1
			}
			for r := range want {
				free[i][r] -= want[r]
			}
			if free[i][0] < 0 || free[i][1] < 0 || free[i][2] < 0 {
				fitsAll = false
				break
			}
		}
		if fitsAll {
			best = math.Min(best, float64(len(free))*s.price)
		}
	}
	return best
}
