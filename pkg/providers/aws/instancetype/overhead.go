package instancetype

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// Kube-reserved defaults of the EKS-optimized AMIs' bootstrap.
const (
	// kubeReservedMemoryPerPodMiB and kubeReservedMemoryBaseMiB: the kubelet and
	// container runtime grow with the pods they run.
	kubeReservedMemoryPerPodMiB = 11
	kubeReservedMemoryBaseMiB   = 255
	// kubeReservedEphemeralStorage holds logs and images of system components.
	kubeReservedEphemeralStorage = "1Gi"
)

// Eviction signals that map to a node resource, and their kubelet defaults.
const (
	signalMemoryAvailable = "memory.available"
	signalNodeFSAvailable = "nodefs.available"
	defaultEvictionMemory = "100Mi"
	defaultEvictionNodeFS = "10%"
)

// kubeReservedCPU is the CPU the EKS AMIs reserve for the kubelet and runtime: 6% of
// the first core, 1% of the second, 0.5% of the third and fourth, and 0.25% of every
// core above four, rounded down to a whole millicore.
func kubeReservedCPU(vcpus int64) resource.Quantity {
	// In half-millicores, per core: 60m, 10m, 5m, 5m, then 2.5m each.
	perCore := []int64{120, 20, 10, 10}
	var halves int64
	for i := int64(0); i < vcpus; i++ {
		if i < int64(len(perCore)) {
			halves += perCore[i]
			continue
		}
		halves += 5
	}
	return *resource.NewMilliQuantity(halves/2, resource.DecimalSI)
}

// kubeReservedMemoryMiB is the memory the EKS AMIs reserve for the kubelet and
// runtime of a node that runs up to pods pods.
func kubeReservedMemoryMiB(pods int64) int64 {
	return kubeReservedMemoryPerPodMiB*pods + kubeReservedMemoryBaseMiB
}

// kubeReserved is the EKS AMI default for cpu, memory and ephemeral storage, with
// any resource the node class's kubeReserved names taking its place.
func kubeReserved(vcpus, pods int64, overrides map[string]string) (corev1.ResourceList, error) {
	out := corev1.ResourceList{
		corev1.ResourceCPU:              kubeReservedCPU(vcpus),
		corev1.ResourceMemory:           *resource.NewQuantity(kubeReservedMemoryMiB(pods)*mebibyte, resource.BinarySI),
		corev1.ResourceEphemeralStorage: resource.MustParse(kubeReservedEphemeralStorage),
	}
	given, err := reservedResources(overrides)
	if err != nil {
		return nil, fmt.Errorf("parsing kubeReserved, %w", err)
	}
	for name, q := range given {
		out[name] = q
	}
	return out, nil
}

// systemReserved is what the node class's systemReserved names; nothing by default.
func systemReserved(given map[string]string) (corev1.ResourceList, error) {
	out, err := reservedResources(given)
	if err != nil {
		return nil, fmt.Errorf("parsing systemReserved, %w", err)
	}
	return out, nil
}

// reservedResources parses a kubeReserved or systemReserved map. "pid" limits
// processes, not a schedulable resource, so it is left out.
func reservedResources(given map[string]string) (corev1.ResourceList, error) {
	out := corev1.ResourceList{}
	for name, value := range given {
		if name == "pid" {
			continue
		}
		q, err := resource.ParseQuantity(value)
		if err != nil {
			return nil, fmt.Errorf("%s %q is not a quantity, %w", name, value, err)
		}
		out[corev1.ResourceName(name)] = q
	}
	return out, nil
}

// evictionThreshold is the memory and ephemeral storage the kubelet keeps free
// before it evicts pods: the kubelet defaults (memory.available 100Mi,
// nodefs.available 10%) with the node class's evictionHard per signal in their
// place, and the larger of the hard and soft threshold where evictionSoft is also
// set. Percentages are of the node's capacity of that resource.
func evictionThreshold(memory, storage resource.Quantity, kubelet *ec2v1.KubeletConfiguration) (corev1.ResourceList, error) {
	hard := map[string]string{signalMemoryAvailable: defaultEvictionMemory, signalNodeFSAvailable: defaultEvictionNodeFS}
	var soft map[string]string
	if kubelet != nil {
		for signal, value := range kubelet.EvictionHard {
			hard[signal] = value
		}
		soft = kubelet.EvictionSoft
	}
	signals := []struct {
		signal   string
		resource corev1.ResourceName
		capacity resource.Quantity
	}{
		{signalMemoryAvailable, corev1.ResourceMemory, memory},
		{signalNodeFSAvailable, corev1.ResourceEphemeralStorage, storage},
	}
	out := corev1.ResourceList{}
	for _, s := range signals {
		q, err := largestThreshold(s.capacity, hard[s.signal], soft[s.signal])
		if err != nil {
			return nil, fmt.Errorf("parsing eviction threshold %s, %w", s.signal, err)
		}
		out[s.resource] = q
	}
	return out, nil
}

// largestThreshold is the larger of the hard and soft threshold ("" = unset).
func largestThreshold(capacity resource.Quantity, hard, soft string) (resource.Quantity, error) {
	out, err := parseThreshold(capacity, hard)
	if err != nil {
		return resource.Quantity{}, err
	}
	s, err := parseThreshold(capacity, soft)
	if err != nil {
		return resource.Quantity{}, err
	}
	if s.Cmp(out) > 0 {
		out = s
	}
	return out, nil
}

// parseThreshold reads a quantity ("100Mi") or a percentage of capacity ("5%",
// rounded up to a byte); "" is zero.
func parseThreshold(capacity resource.Quantity, value string) (resource.Quantity, error) {
	if value == "" {
		return resource.Quantity{}, nil
	}
	if percent, ok := strings.CutSuffix(value, "%"); ok {
		p, err := strconv.ParseFloat(percent, 64)
		if err != nil || p < 0 || p > 100 {
			return resource.Quantity{}, fmt.Errorf("%q is not a percentage between 0 and 100", value)
		}
		bytes := int64(math.Ceil(float64(capacity.Value()) * p / 100))
		return *resource.NewQuantity(bytes, resource.BinarySI), nil
	}
	q, err := resource.ParseQuantity(value)
	if err != nil {
		return resource.Quantity{}, fmt.Errorf("%q is neither a quantity nor a percentage, %w", value, err)
	}
	return q, nil
}

// overhead is what a node of this capacity keeps from pods under the node class's
// kubelet settings.
func overhead(vcpus int64, capacity corev1.ResourceList, kubelet *ec2v1.KubeletConfiguration) (cloudprovider.Overhead, error) {
	var kubeOverrides, systemGiven map[string]string
	if kubelet != nil {
		kubeOverrides, systemGiven = kubelet.KubeReserved, kubelet.SystemReserved
	}
	pods := capacity[corev1.ResourcePods]
	kube, err := kubeReserved(vcpus, pods.Value(), kubeOverrides)
	if err != nil {
		return cloudprovider.Overhead{}, err
	}
	system, err := systemReserved(systemGiven)
	if err != nil {
		return cloudprovider.Overhead{}, err
	}
	eviction, err := evictionThreshold(capacity[corev1.ResourceMemory], capacity[corev1.ResourceEphemeralStorage], kubelet)
	if err != nil {
		return cloudprovider.Overhead{}, err
	}
	return cloudprovider.Overhead{KubeReserved: kube, SystemReserved: system, EvictionThreshold: eviction}, nil
}
