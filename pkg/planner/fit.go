package planner

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// shape is an instance type's allocatable in integers, for fast arithmetic pruning.
type shape struct {
	cpuMilli, memory, pods int64
	// extended holds every other allocatable resource.
	extended corev1.ResourceList
}

// shapes caches the shapes of instance types, while their catalog lasts (cache.go).
type shapes map[*cloudprovider.InstanceType]shape

func (c shapes) of(it *cloudprovider.InstanceType) shape {
	if s, ok := c[it]; ok {
		return s
	}
	a := it.Allocatable()
	s := shape{cpuMilli: a.Cpu().MilliValue(), memory: a.Memory().Value(), pods: a.Pods().Value(), extended: corev1.ResourceList{}}
	for name, q := range a {
		if name != corev1.ResourceCPU && name != corev1.ResourceMemory && name != corev1.ResourcePods {
			s.extended[name] = q
		}
	}
	c[it] = s
	return s
}

// demand is a set of requests in integers.
type demand struct {
	cpuMilli, memory, pods int64
	extended               corev1.ResourceList
}

func demandOf(requests corev1.ResourceList) demand {
	d := demand{cpuMilli: requests.Cpu().MilliValue(), memory: requests.Memory().Value(), pods: requests.Pods().Value()}
	for name, q := range requests {
		if name != corev1.ResourceCPU && name != corev1.ResourceMemory && name != corev1.ResourcePods && !q.IsZero() {
			if d.extended == nil {
				d.extended = corev1.ResourceList{}
			}
			d.extended[name] = q
		}
	}
	return d
}

func (s shape) holds(d demand) bool {
	if d.cpuMilli > s.cpuMilli || d.memory > s.memory || d.pods > s.pods {
		return false
	}
	if len(d.extended) == 0 {
		return true
	}
	for name, want := range d.extended {
		have, ok := s.extended[name]
		if !ok || have.Cmp(want) < 0 {
			return false
		}
	}
	return true
}

// offered reports whether it has an available offering whose zone and capacity
// type reqs allow, without allocating.
func offered(it *cloudprovider.InstanceType, reqs scheduling.Requirements) bool {
	_, ok := cheapestOffering(it, reqs)
	return ok
}

func cheapestOffering(it *cloudprovider.InstanceType, reqs scheduling.Requirements) (float64, bool) {
	zones, hasZones := reqs[corev1.LabelTopologyZone]
	capacityTypes, hasTypes := reqs[wellknown.CapacityTypeLabelKey]
	price, ok := math.Inf(1), false
	for i := range it.Offerings {
		o := &it.Offerings[i]
		if !o.Available || (hasZones && !zones.Has(o.Zone)) || (hasTypes && !capacityTypes.Has(o.CapacityType)) {
			continue
		}
		if o.PricePerHour < price {
			price, ok = o.PricePerHour, true
		}
	}
	return price, ok
}

// plus returns d + o.
func (d demand) plus(o demand) demand {
	out := demand{cpuMilli: d.cpuMilli + o.cpuMilli, memory: d.memory + o.memory, pods: d.pods + o.pods}
	if len(d.extended)+len(o.extended) > 0 {
		out.extended = quotav1.Add(d.extended, o.extended)
	}
	return out
}

// shapeOfList is a shape for a resource list (e.g. a node's largest allocatable).
func shapeOfList(a corev1.ResourceList) shape {
	s := shape{cpuMilli: a.Cpu().MilliValue(), memory: a.Memory().Value(), pods: a.Pods().Value(), extended: corev1.ResourceList{}}
	for name, q := range a {
		if name != corev1.ResourceCPU && name != corev1.ResourceMemory && name != corev1.ResourcePods {
			s.extended[name] = q
		}
	}
	return s
}

// minus returns s with d taken away (cpu, memory and pods).
func (s shape) minus(d demand) shape {
	s.cpuMilli -= d.cpuMilli
	s.memory -= d.memory
	s.pods -= d.pods
	return s
}

// count is how many times s holds d in cpu, memory and pods (d without other
// resources).
func (s shape) count(d demand) int64 {
	n := int64(math.MaxInt64)
	for _, r := range [][2]int64{{s.cpuMilli, d.cpuMilli}, {s.memory, d.memory}, {s.pods, d.pods}} {
		if r[1] > 0 {
			n = min(n, r[0]/r[1])
		}
	}
	return max(n, 0)
}

// times returns d k times over (cpu, memory and pods).
func (d demand) times(k int64) demand {
	return demand{cpuMilli: d.cpuMilli * k, memory: d.memory * k, pods: d.pods * k}
}
