package instancetype

import (
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

const (
	// defaultRootVolume is the ephemeral storage of a node whose node class names no
	// root volume: the 20 GiB root volume of the EKS-optimized AMIs.
	defaultRootVolume = "20Gi"
	// arm64ReservedMiB is memory the arm64 Linux kernel of EKS AMIs keeps for its
	// contiguous memory allocator (CMA), on top of the VM overhead.
	arm64ReservedMiB = 64
	// mebibyte in bytes.
	mebibyte = 1 << 20
)

// cpuCapacity is the node's CPU capacity: one core per vCPU.
func cpuCapacity(vcpus int64) resource.Quantity {
	return *resource.NewQuantity(vcpus, resource.DecimalSI)
}

// memoryCapacityMiB is the memory the kubelet sees: the instance's memory less what
// the hypervisor and firmware keep (overheadPercent of it, rounded up) and, on
// arm64, the kernel's CMA reservation.
func memoryCapacityMiB(memoryMiB int64, overheadPercent float64, arm64 bool) int64 {
	if arm64 {
		memoryMiB -= arm64ReservedMiB
	}
	overhead := int64(math.Ceil(float64(memoryMiB) * overheadPercent))
	return max(memoryMiB-overhead, 0)
}

// eniLimitedPods is how many pods the VPC CNI can give addresses to: every ENI
// except the reserved ones contributes its addresses but its own primary, plus two
// for host-network pods (aws-node, kube-proxy). This is the formula of the EKS AMI's
// eni-max-pods.txt.
func eniLimitedPods(enis, ipv4PerENI, reservedENIs int64) int64 {
	return max(enis-reservedENIs, 0)*max(ipv4PerENI-1, 0) + 2
}

// maxPods is the node's pod capacity: the kubelet's maxPods when set, else the
// ENI limit; then capped at podsPerCore per vCPU when that is set.
func maxPods(eniPods, vcpus int64, kubelet *ec2v1.KubeletConfiguration) int64 {
	pods := eniPods
	if kubelet != nil && kubelet.MaxPods != nil {
		pods = int64(*kubelet.MaxPods)
	}
	if kubelet != nil && kubelet.PodsPerCore != nil && *kubelet.PodsPerCore > 0 {
		pods = min(pods, int64(*kubelet.PodsPerCore)*vcpus)
	}
	return pods
}

// ephemeralStorage is the node's ephemeral storage: the local NVMe array under the
// RAID0 instance store policy when the type has local NVMe, else the root volume
// the node class names (the mapping marked rootVolume), else defaultRootVolume.
func ephemeralStorage(nodeClass *ec2v1.EC2NodeClass, localNVMeGB int64) (resource.Quantity, error) {
	if nodeClass == nil {
		return resource.MustParse(defaultRootVolume), nil
	}
	spec := nodeClass.Spec
	if spec.InstanceStorePolicy != nil && *spec.InstanceStorePolicy == ec2v1.InstanceStorePolicyRAID0 && localNVMeGB > 0 {
		return *resource.NewScaledQuantity(localNVMeGB, resource.Giga), nil
	}
	size := rootVolumeSize(spec.BlockDeviceMappings)
	if size == "" {
		return resource.MustParse(defaultRootVolume), nil
	}
	q, err := resource.ParseQuantity(size)
	if err != nil {
		return resource.Quantity{}, fmt.Errorf("parsing root volume size %q, %w", size, err)
	}
	return q, nil
}

// rootVolumeSize is the volumeSize of the mapping marked rootVolume, or "".
func rootVolumeSize(mappings []*ec2v1.BlockDeviceMapping) string {
	for _, m := range mappings {
		if m != nil && m.RootVolume && m.EBS != nil && m.EBS.VolumeSize != nil {
			return *m.EBS.VolumeSize
		}
	}
	return ""
}

// capacity assembles the node's capacity from a shape and the node class.
func capacity(s *shape, pods int64, nodeClass *ec2v1.EC2NodeClass) (corev1.ResourceList, error) {
	storage, err := ephemeralStorage(nodeClass, s.localNVMeGB)
	if err != nil {
		return nil, err
	}
	out := corev1.ResourceList{
		corev1.ResourceCPU:              cpuCapacity(s.vcpus),
		corev1.ResourceMemory:           *resource.NewQuantity(s.memoryCapacityMiB*mebibyte, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(pods, resource.DecimalSI),
		corev1.ResourceEphemeralStorage: storage,
	}
	for name, count := range s.extended {
		out[name] = *resource.NewQuantity(count, resource.DecimalSI)
	}
	return out, nil
}
