package instancetype

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// shape is what an instance type is regardless of node class, zone and price: its
// labels and the numbers capacity is computed from. Shapes are built when instance
// types are discovered and shared, read-only, by every list built from them.
type shape struct {
	name string
	// labels are the type's well-known labels but zone, zone id and capacity type.
	labels            map[string]string
	requirements      scheduling.Requirements
	vcpus             int64
	memoryCapacityMiB int64
	eniPods           int64
	localNVMeGB       int64
	// extended are accelerator and EFA resources by name.
	extended     map[corev1.ResourceName]int64
	usageClasses []string
}

// supported reports whether nodes of this type can run: Linux needs an HVM type
// (bare metal included) on x86_64 or arm64 (not i386 alone, not the *_mac
// architectures of macOS hosts), with known vCPUs and memory.
func supported(info ec2types.InstanceTypeInfo) bool {
	if info.VCpuInfo == nil || aws.ToInt32(info.VCpuInfo.DefaultVCpus) <= 0 {
		return false
	}
	if info.MemoryInfo == nil || aws.ToInt64(info.MemoryInfo.SizeInMiB) <= 0 {
		return false
	}
	hvm := slices.Contains(info.SupportedVirtualizationTypes, ec2types.VirtualizationTypeHvm)
	if !hvm && !aws.ToBool(info.BareMetal) {
		return false
	}
	return architecture(info) != ""
}

// architecture is the Kubernetes name of the type's architecture, or "".
func architecture(info ec2types.InstanceTypeInfo) string {
	if info.ProcessorInfo == nil {
		return ""
	}
	archs := info.ProcessorInfo.SupportedArchitectures
	switch {
	case slices.Contains(archs, ec2types.ArchitectureTypeX8664):
		return wellknown.ArchAMD64
	case slices.Contains(archs, ec2types.ArchitectureTypeArm64):
		return wellknown.ArchARM64
	}
	return ""
}

// newShape describes a supported instance type; ok is false for an unsupported one.
func newShape(info ec2types.InstanceTypeInfo, s settings.Settings) (*shape, bool) {
	if !supported(info) {
		return nil, false
	}
	arch := architecture(info)
	out := &shape{
		name:              string(info.InstanceType),
		labels:            labels(info, s.Region),
		vcpus:             int64(aws.ToInt32(info.VCpuInfo.DefaultVCpus)),
		memoryCapacityMiB: memoryCapacityMiB(aws.ToInt64(info.MemoryInfo.SizeInMiB), s.VMMemoryOverheadPercent, arch == wellknown.ArchARM64),
		localNVMeGB:       localNVMeGB(info),
		extended:          extendedResources(info),
	}
	if n := info.NetworkInfo; n != nil {
		out.eniPods = eniLimitedPods(int64(aws.ToInt32(n.MaximumNetworkInterfaces)), int64(aws.ToInt32(n.Ipv4AddressesPerInterface)), int64(s.ReservedENIs))
	} else {
		out.eniPods = eniLimitedPods(0, 0, 0)
	}
	for _, c := range info.SupportedUsageClasses {
		if c == ec2types.UsageClassTypeOnDemand || c == ec2types.UsageClassTypeSpot {
			out.usageClasses = append(out.usageClasses, string(c))
		}
	}
	out.requirements = make(scheduling.Requirements, len(out.labels)+3)
	for key, value := range out.labels {
		out.requirements.Add(scheduling.NewRequirement(key, corev1.NodeSelectorOpIn, value))
	}
	return out, true
}

// labels are the well-known labels of a node of this type that do not depend on
// where or how it is bought. A label the type has no value for is left out.
func labels(info ec2types.InstanceTypeInfo, region string) map[string]string {
	out := map[string]string{
		wellknown.InstanceTypeLabelKey:   string(info.InstanceType),
		wellknown.ArchLabelKey:           architecture(info),
		wellknown.OSLabelKey:             string(corev1.Linux),
		wellknown.InstanceCPULabelKey:    strconv.Itoa(int(aws.ToInt32(info.VCpuInfo.DefaultVCpus))),
		wellknown.InstanceMemoryLabelKey: strconv.FormatInt(aws.ToInt64(info.MemoryInfo.SizeInMiB), 10),
	}
	set := func(key, value string) {
		if value != "" {
			out[key] = value
		}
	}
	set(wellknown.RegionLabelKey, region)
	if n, ok := parseName(string(info.InstanceType)); ok {
		set(wellknown.InstanceFamilyLabelKey, n.family)
		set(wellknown.InstanceSizeLabelKey, n.size)
		set(wellknown.InstanceCategoryLabelKey, n.category)
		set(wellknown.InstanceGenerationLabelKey, n.generation)
		set(wellknown.InstanceCapabilityFlexLabelKey, strconv.FormatBool(n.flex))
	}
	set(wellknown.InstanceHypervisorLabelKey, string(info.Hypervisor))
	if p := info.ProcessorInfo; p != nil {
		set(wellknown.InstanceCPUManufacturerLabelKey, kebab(aws.ToString(p.Manufacturer)))
		if ghz := aws.ToFloat64(p.SustainedClockSpeedInGhz); ghz > 0 {
			set(wellknown.InstanceCPUSustainedClockSpeedLabelKey, strconv.FormatInt(int64(math.Round(ghz*1000)), 10))
		}
	}
	if e := info.EbsInfo; e != nil && e.EbsOptimizedInfo != nil && aws.ToInt32(e.EbsOptimizedInfo.MaximumBandwidthInMbps) > 0 {
		set(wellknown.InstanceEBSBandwidthLabelKey, strconv.Itoa(int(aws.ToInt32(e.EbsOptimizedInfo.MaximumBandwidthInMbps))))
	}
	if n := info.NetworkInfo; n != nil {
		if mbps := networkBandwidthMbps(n); mbps > 0 {
			set(wellknown.InstanceNetworkBandwidthLabelKey, strconv.FormatInt(mbps, 10))
		}
		set(wellknown.InstanceEncryptionInTransitLabelKey, strconv.FormatBool(aws.ToBool(n.EncryptionInTransitSupported)))
	}
	if gb := localNVMeGB(info); gb > 0 {
		set(wellknown.InstanceLocalNVMeLabelKey, strconv.FormatInt(gb, 10))
	}
	for key, value := range acceleratorLabels(info) {
		set(key, value)
	}
	return out
}

// networkBandwidthMbps is the baseline bandwidth of all network cards together.
func networkBandwidthMbps(n *ec2types.NetworkInfo) int64 {
	var gbps float64
	for _, card := range n.NetworkCards {
		gbps += aws.ToFloat64(card.BaselineBandwidthInGbps)
	}
	return int64(math.Round(gbps * 1000))
}

// localNVMeGB is the total size of the type's NVMe instance stores, 0 if none.
func localNVMeGB(info ec2types.InstanceTypeInfo) int64 {
	s := info.InstanceStorageInfo
	if s == nil || s.NvmeSupport == ec2types.EphemeralNvmeSupportUnsupported {
		return 0
	}
	return aws.ToInt64(s.TotalSizeInGB)
}

// kebab writes a manufacturer or device name as a label value: lower case, spaces
// as dashes ("Radeon Pro V520" → "radeon-pro-v520").
func kebab(s string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", "-"))
}
