// Package wellknown holds the label keys, annotations, taints and finalizers of
// Karpenter's v1 API, so that NodePools, pods and nodes written for Karpenter keep
// their meaning here. It is the one place these strings are spelled.
package wellknown

import (
	corev1 "k8s.io/api/core/v1"
)

// API groups.
const (
	Group    = "karpenter.sh"
	AWSGroup = "karpenter.k8s.aws"
)

// Labels that Karpenter sets on every node it launches.
const (
	NodePoolLabelKey        = Group + "/nodepool"
	CapacityTypeLabelKey    = Group + "/capacity-type"
	NodeInitializedLabelKey = Group + "/initialized"
	NodeRegisteredLabelKey  = Group + "/registered"

	CapacityTypeSpot     = "spot"
	CapacityTypeOnDemand = "on-demand"
	CapacityTypeReserved = "reserved"
)

// Labels that describe an EC2 instance type. Values are strings; the numeric ones
// (cpu, memory in MiB, generation, gpu counts) can be compared with Gt and Lt.
const (
	InstanceHypervisorLabelKey              = AWSGroup + "/instance-hypervisor"
	InstanceEncryptionInTransitLabelKey     = AWSGroup + "/instance-encryption-in-transit-supported"
	InstanceCategoryLabelKey                = AWSGroup + "/instance-category"
	InstanceFamilyLabelKey                  = AWSGroup + "/instance-family"
	InstanceGenerationLabelKey              = AWSGroup + "/instance-generation"
	InstanceLocalNVMeLabelKey               = AWSGroup + "/instance-local-nvme"
	InstanceSizeLabelKey                    = AWSGroup + "/instance-size"
	InstanceCPULabelKey                     = AWSGroup + "/instance-cpu"
	InstanceCPUManufacturerLabelKey         = AWSGroup + "/instance-cpu-manufacturer"
	InstanceCPUSustainedClockSpeedLabelKey  = AWSGroup + "/instance-cpu-sustained-clock-speed-mhz"
	InstanceMemoryLabelKey                  = AWSGroup + "/instance-memory"
	InstanceEBSBandwidthLabelKey            = AWSGroup + "/instance-ebs-bandwidth"
	InstanceNetworkBandwidthLabelKey        = AWSGroup + "/instance-network-bandwidth"
	InstanceGPUNameLabelKey                 = AWSGroup + "/instance-gpu-name"
	InstanceGPUManufacturerLabelKey         = AWSGroup + "/instance-gpu-manufacturer"
	InstanceGPUCountLabelKey                = AWSGroup + "/instance-gpu-count"
	InstanceGPUMemoryLabelKey               = AWSGroup + "/instance-gpu-memory"
	InstanceAcceleratorNameLabelKey         = AWSGroup + "/instance-accelerator-name"
	InstanceAcceleratorManufacturerLabelKey = AWSGroup + "/instance-accelerator-manufacturer"
	InstanceAcceleratorCountLabelKey        = AWSGroup + "/instance-accelerator-count"
	InstanceCapabilityFlexLabelKey          = AWSGroup + "/instance-capability-flex"
	EC2NodeClassLabelKey                    = AWSGroup + "/ec2nodeclass"
)

// Kubernetes labels every node carries, which NodePool requirements may select.
const (
	ArchLabelKey         = corev1.LabelArchStable
	OSLabelKey           = corev1.LabelOSStable
	ZoneLabelKey         = corev1.LabelTopologyZone
	RegionLabelKey       = corev1.LabelTopologyRegion
	InstanceTypeLabelKey = corev1.LabelInstanceTypeStable
	HostnameLabelKey     = corev1.LabelHostname
	WindowsBuildLabelKey = corev1.LabelWindowsBuild
	ZoneIDLabelKey       = "topology.k8s.aws/zone-id"

	ArchAMD64 = "amd64"
	ArchARM64 = "arm64"
)

// WellKnownLabels are the keys a NodePool requirement can narrow the instance
// types by. A requirement on any other key only becomes a node label.
var WellKnownLabels = []string{
	NodePoolLabelKey, CapacityTypeLabelKey,
	ArchLabelKey, OSLabelKey, ZoneLabelKey, ZoneIDLabelKey, RegionLabelKey,
	InstanceTypeLabelKey, WindowsBuildLabelKey,
	InstanceHypervisorLabelKey, InstanceEncryptionInTransitLabelKey,
	InstanceCategoryLabelKey, InstanceFamilyLabelKey, InstanceGenerationLabelKey,
	InstanceLocalNVMeLabelKey, InstanceSizeLabelKey, InstanceCPULabelKey,
	InstanceCPUManufacturerLabelKey, InstanceCPUSustainedClockSpeedLabelKey,
	InstanceMemoryLabelKey, InstanceEBSBandwidthLabelKey, InstanceNetworkBandwidthLabelKey,
	InstanceGPUNameLabelKey, InstanceGPUManufacturerLabelKey, InstanceGPUCountLabelKey,
	InstanceGPUMemoryLabelKey, InstanceAcceleratorNameLabelKey,
	InstanceAcceleratorManufacturerLabelKey, InstanceAcceleratorCountLabelKey,
	InstanceCapabilityFlexLabelKey,
}

// InstanceTypeLabels are the well-known labels an instance type sets when it has
// the attribute (all but the NodePool's): a requirement that one be present rules
// out the types without it. Read-only.
var InstanceTypeLabels = func() map[string]bool {
	keys := make(map[string]bool, len(WellKnownLabels))
	for _, k := range WellKnownLabels {
		if k != NodePoolLabelKey {
			keys[k] = true
		}
	}
	return keys
}()

// RestrictedLabels may never be set by a NodePool, neither as a template label nor
// as a requirement: the system assigns them.
var RestrictedLabels = []string{NodePoolLabelKey, HostnameLabelKey, EC2NodeClassLabelKey}

// Resource names of accelerators and other extended resources on EC2 nodes.
const (
	ResourceNVIDIAGPU     corev1.ResourceName = "nvidia.com/gpu"
	ResourceAMDGPU        corev1.ResourceName = "amd.com/gpu"
	ResourceAWSNeuron     corev1.ResourceName = "aws.amazon.com/neuron"
	ResourceAWSNeuronCore corev1.ResourceName = "aws.amazon.com/neuroncore"
	ResourceHabanaGaudi   corev1.ResourceName = "habana.ai/gaudi"
	ResourceEFA           corev1.ResourceName = "vpc.amazonaws.com/efa"
	ResourcePodENI        corev1.ResourceName = "vpc.amazonaws.com/pod-eni"
)
