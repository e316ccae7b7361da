package kubelet

import (
	"fmt"
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// Labels, taints and annotations the simulated kubelet sets.
const (
	CapacityTypeLabel    = "karpenter.sh/capacity-type"
	ZoneIDLabel          = "topology.k8s.aws/zone-id"
	UnregisteredTaintKey = "karpenter.sh/unregistered"
	// KwokAnnotation lets kwok, when it runs in the cluster, keep the Node's status
	// alive (heartbeats) in place of a real kubelet.
	KwokAnnotation = "kwok.x-k8s.io/node"
)

// NodeName is the name the Node of an instance registers with: its private DNS
// name, or its id when it has none.
func NodeName(inst ec2sim.Instance) string {
	if inst.PrivateDNSName != "" {
		return inst.PrivateDNSName
	}
	return inst.ID
}

// BuildNode returns the Node a kubelet on the instance would register: labels,
// taints and max pods from its user data (see ParseUserData), capacity from its
// instance type, Ready.
func BuildNode(sim *ec2sim.Simulator, inst ec2sim.Instance, opts Options) (*corev1.Node, error) {
	opts = opts.withDefaults()
	it, ok := sim.InstanceTypeInfo(inst.InstanceType)
	if !ok {
		return nil, fmt.Errorf("instance %s has unknown instance type %q", inst.ID, inst.InstanceType)
	}
	boot, err := ParseUserData(inst.UserData)
	if err != nil {
		return nil, fmt.Errorf("instance %s user data, %w", inst.ID, err)
	}
	arch, osName, osImage := platformOf(sim, inst, it)
	name := NodeName(inst)
	maxPods := eniMaxPods(it)
	if boot.MaxPods > 0 {
		maxPods = int64(boot.MaxPods)
	}
	now := metav1.NewTime(opts.Now())
	capacity := capacityOf(it, maxPods, opts.MemoryOverheadPercent)
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      nodeLabels(sim, inst, name, arch, osName, boot.Labels),
			Annotations: map[string]string{KwokAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
		},
		Spec: corev1.NodeSpec{ProviderID: inst.ProviderID(), Taints: nodeTaints(boot.Taints)},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: allocatableOf(capacity, it.VCPUs, maxPods),
			Conditions:  conditions(now),
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: inst.PrivateIP},
				{Type: corev1.NodeInternalDNS, Address: name},
				{Type: corev1.NodeHostName, Address: name},
			},
			NodeInfo: corev1.NodeSystemInfo{
				MachineID: strings.TrimPrefix(inst.ID, "i-"), SystemUUID: inst.ID, BootID: inst.ID,
				KernelVersion: "6.12.40", OSImage: osImage, ContainerRuntimeVersion: "containerd://2.1.4",
				KubeletVersion: opts.KubeletVersion, KubeProxyVersion: opts.KubeletVersion,
				OperatingSystem: osName, Architecture: arch,
			},
		},
	}
	return node, nil
}

// platformOf is the Kubernetes architecture, the OS and the OS image name of an
// instance, from its image when the simulator knows it, else its instance type.
func platformOf(sim *ec2sim.Simulator, inst ec2sim.Instance, it catalog.InstanceType) (arch, osName, osImage string) {
	ec2Arch, osName, osImage := "", "linux", "Amazon Linux 2023"
	for _, img := range sim.Images() {
		if img.ID != inst.ImageID {
			continue
		}
		ec2Arch = img.Architecture
		switch {
		case img.Platform == "windows":
			osName, osImage = "windows", "Windows Server 2022 Datacenter"
		case img.Family == ec2sim.FamilyBottlerocket:
			osImage = "Bottlerocket OS 1.46.0 (aws-k8s-1.34)"
		case img.Family == ec2sim.FamilyAL2:
			osImage = "Amazon Linux 2"
		}
	}
	if ec2Arch == "" && len(it.Architectures) > 0 {
		ec2Arch = it.Architectures[0]
		for _, a := range it.Architectures {
			if a == "x86_64" || a == "arm64" {
				ec2Arch = a
				break
			}
		}
	}
	if ec2Arch == "arm64" {
		return "arm64", osName, osImage
	}
	return "amd64", osName, osImage
}

func nodeLabels(sim *ec2sim.Simulator, inst ec2sim.Instance, name, arch, osName string, extra map[string]string) map[string]string {
	labels := map[string]string{}
	for k, v := range extra {
		labels[k] = v
	}
	for k, v := range map[string]string{
		corev1.LabelHostname:           name,
		corev1.LabelTopologyZone:       inst.Zone,
		corev1.LabelTopologyRegion:     sim.Region(),
		corev1.LabelInstanceTypeStable: inst.InstanceType,
		corev1.LabelArchStable:         arch,
		corev1.LabelOSStable:           osName,
		CapacityTypeLabel:              inst.CapacityType,
	} {
		labels[k] = v
	}
	if id := sim.ZoneID(inst.Zone); id != "" {
		labels[ZoneIDLabel] = id
	}
	return labels
}

// nodeTaints are the user data's taints, without duplicates, and the
// karpenter.sh/unregistered:NoExecute taint Karpenter removes once it has
// registered the node.
func nodeTaints(fromUserData []corev1.Taint) []corev1.Taint {
	var out []corev1.Taint
	seen := map[string]bool{}
	unregistered := corev1.Taint{Key: UnregisteredTaintKey, Effect: corev1.TaintEffectNoExecute}
	for _, t := range append(fromUserData, unregistered) {
		key := t.Key + "/" + string(t.Effect)
		if !seen[key] {
			seen[key] = true
			out = append(out, t)
		}
	}
	return out
}

// eniMaxPods is the VPC CNI's pod limit: ENIs * (IPv4 addresses per ENI - 1) + 2.
func eniMaxPods(it catalog.InstanceType) int64 {
	return int64(it.MaximumNetworkInterfaces)*(int64(it.IPv4AddressesPerInterface)-1) + 2
}

// extendedResources name the device-plugin resource of each accelerator maker.
var extendedResources = map[string]corev1.ResourceName{
	"NVIDIA": "nvidia.com/gpu",
	"AMD":    "amd.com/gpu",
	"AWS":    "aws.amazon.com/neuron",
	"Habana": "habana.ai/gaudi",
}

// capacityOf is the Node's capacity: the type's vCPUs, its memory less the
// hypervisor's share, 20Gi of ephemeral storage, the max pods, and accelerators.
func capacityOf(it catalog.InstanceType, maxPods int64, memoryOverhead float64) corev1.ResourceList {
	memMiB := it.MemoryMiB - int64(math.Ceil(float64(it.MemoryMiB)*memoryOverhead))
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(it.VCPUs), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(memMiB*1024*1024, resource.BinarySI),
		corev1.ResourceEphemeralStorage: resource.MustParse("20Gi"),
		corev1.ResourcePods:             *resource.NewQuantity(maxPods, resource.DecimalSI),
	}
	for _, acc := range append(append([]catalog.Accelerator{}, it.GPUs...), it.Accelerators...) {
		if name, ok := extendedResources[acc.Manufacturer]; ok {
			q := capacity[name]
			q.Add(*resource.NewQuantity(int64(acc.Count), resource.DecimalSI))
			capacity[name] = q
		}
	}
	return capacity
}

// allocatableOf subtracts the EKS kube-reserved CPU and memory and the default
// eviction thresholds (memory.available 100Mi, nodefs.available 10%).
func allocatableOf(capacity corev1.ResourceList, vcpus int32, maxPods int64) corev1.ResourceList {
	out := capacity.DeepCopy()
	cpu := out[corev1.ResourceCPU]
	cpu.Sub(*resource.NewMilliQuantity(reservedCPUMillis(int64(vcpus)), resource.DecimalSI))
	out[corev1.ResourceCPU] = cpu
	mem := out[corev1.ResourceMemory]
	mem.Sub(*resource.NewQuantity((11*maxPods+255+100)*1024*1024, resource.BinarySI))
	out[corev1.ResourceMemory] = mem
	storage := out[corev1.ResourceEphemeralStorage]
	storage.Sub(*resource.NewQuantity(storage.Value()/10, resource.BinarySI))
	out[corev1.ResourceEphemeralStorage] = storage
	return out
}

// reservedCPUMillis is EKS's kube-reserved CPU: 6% of the first core, 1% of the
// second, 0.5% of the third and fourth, 0.25% of the others.
func reservedCPUMillis(vcpus int64) int64 {
	var reserved float64
	for i, pct := range []float64{0.06, 0.01, 0.005, 0.005} {
		if int64(i) < vcpus {
			reserved += 1000 * pct
		}
	}
	if vcpus > 4 {
		reserved += float64(vcpus-4) * 1000 * 0.0025
	}
	return int64(math.Round(reserved))
}

func conditions(now metav1.Time) []corev1.NodeCondition {
	healthy := func(typ corev1.NodeConditionType, reason, message string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: typ, Status: corev1.ConditionFalse, Reason: reason, Message: message,
			LastHeartbeatTime: now, LastTransitionTime: now}
	}
	ready := healthy(corev1.NodeReady, "KubeletReady", "kubelet is posting ready status")
	ready.Status = corev1.ConditionTrue
	return []corev1.NodeCondition{
		healthy(corev1.NodeMemoryPressure, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		healthy(corev1.NodeDiskPressure, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		healthy(corev1.NodePIDPressure, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		ready,
	}
}
