package ec2sim

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// ec2TypeInfoXML is types.InstanceTypeInfo on the wire.
type ec2TypeInfoXML struct {
	InstanceType                  string               `xml:"instanceType"`
	CurrentGeneration             bool                 `xml:"currentGeneration"`
	FreeTierEligible              bool                 `xml:"freeTierEligible"`
	SupportedUsageClasses         []string             `xml:"supportedUsageClasses>item"`
	SupportedRootDeviceTypes      []string             `xml:"supportedRootDeviceTypes>item"`
	SupportedVirtualizationTypes  []string             `xml:"supportedVirtualizationTypes>item"`
	BareMetal                     bool                 `xml:"bareMetal"`
	Hypervisor                    string               `xml:"hypervisor,omitempty"`
	ProcessorInfo                 ec2ProcessorXML      `xml:"processorInfo"`
	VCPUInfo                      ec2VCPUXML           `xml:"vCpuInfo"`
	MemorySizeInMiB               int64                `xml:"memoryInfo>sizeInMiB"`
	InstanceStorageSupported      bool                 `xml:"instanceStorageSupported"`
	InstanceStorageInfo           *ec2StorageXML       `xml:"instanceStorageInfo"`
	EBSInfo                       ec2EBSXML            `xml:"ebsInfo"`
	NetworkInfo                   ec2NetworkXML        `xml:"networkInfo"`
	GPUInfo                       *ec2GPUInfoXML       `xml:"gpuInfo"`
	InferenceAcceleratorInfo      *ec2InferenceInfoXML `xml:"inferenceAcceleratorInfo"`
	NeuronInfo                    *ec2NeuronInfoXML    `xml:"neuronInfo"`
	PlacementGroupStrategies      []string             `xml:"placementGroupInfo>supportedStrategies>item"`
	HibernationSupported          bool                 `xml:"hibernationSupported"`
	BurstablePerformanceSupported bool                 `xml:"burstablePerformanceSupported"`
	DedicatedHostsSupported       bool                 `xml:"dedicatedHostsSupported"`
	AutoRecoverySupported         bool                 `xml:"autoRecoverySupported"`
	SupportedBootModes            []string             `xml:"supportedBootModes>item"`
	NitroEnclavesSupport          string               `xml:"nitroEnclavesSupport"`
	NitroTpmSupport               string               `xml:"nitroTpmSupport"`
}

type ec2ProcessorXML struct {
	SupportedArchitectures   []string `xml:"supportedArchitectures>item"`
	SustainedClockSpeedInGhz float64  `xml:"sustainedClockSpeedInGhz,omitempty"`
	Manufacturer             string   `xml:"manufacturer,omitempty"`
}

type ec2VCPUXML struct {
	DefaultVCpus          int32 `xml:"defaultVCpus"`
	DefaultCores          int32 `xml:"defaultCores"`
	DefaultThreadsPerCore int32 `xml:"defaultThreadsPerCore"`
}

type ec2StorageXML struct {
	TotalSizeInGB int64 `xml:"totalSizeInGB"`
	Disks         []struct {
		SizeInGB int64  `xml:"sizeInGB"`
		Count    int32  `xml:"count"`
		Type     string `xml:"type"`
	} `xml:"disks>item"`
	NvmeSupport       string `xml:"nvmeSupport"`
	EncryptionSupport string `xml:"encryptionSupport"`
}

type ec2EBSXML struct {
	EBSOptimizedSupport string `xml:"ebsOptimizedSupport"`
	EncryptionSupport   string `xml:"encryptionSupport"`
	EBSOptimizedInfo    *struct {
		BaselineBandwidthInMbps int32 `xml:"baselineBandwidthInMbps"`
		MaximumBandwidthInMbps  int32 `xml:"maximumBandwidthInMbps"`
	} `xml:"ebsOptimizedInfo"`
	NvmeSupport string `xml:"nvmeSupport"`
}

type ec2NetworkXML struct {
	NetworkPerformance           string              `xml:"networkPerformance"`
	MaximumNetworkInterfaces     int32               `xml:"maximumNetworkInterfaces"`
	MaximumNetworkCards          int32               `xml:"maximumNetworkCards"`
	DefaultNetworkCardIndex      int32               `xml:"defaultNetworkCardIndex"`
	NetworkCards                 []ec2NetworkCardXML `xml:"networkCards>item"`
	IPv4AddressesPerInterface    int32               `xml:"ipv4AddressesPerInterface"`
	IPv6AddressesPerInterface    int32               `xml:"ipv6AddressesPerInterface"`
	IPv6Supported                bool                `xml:"ipv6Supported"`
	EnaSupport                   string              `xml:"enaSupport"`
	EfaSupported                 bool                `xml:"efaSupported"`
	MaximumEfaInterfaces         *int32              `xml:"efaInfo>maximumEfaInterfaces"`
	EncryptionInTransitSupported bool                `xml:"encryptionInTransitSupported"`
	EnaSrdSupported              bool                `xml:"enaSrdSupported"`
}

type ec2NetworkCardXML struct {
	NetworkCardIndex         int32   `xml:"networkCardIndex"`
	NetworkPerformance       string  `xml:"networkPerformance"`
	MaximumNetworkInterfaces int32   `xml:"maximumNetworkInterfaces"`
	BaselineBandwidthInGbps  float64 `xml:"baselineBandwidthInGbps"`
	PeakBandwidthInGbps      float64 `xml:"peakBandwidthInGbps"`
}

type ec2GPUInfoXML struct {
	GPUs                []ec2DeviceXML `xml:"gpus>item"`
	TotalGpuMemoryInMiB int64          `xml:"totalGpuMemoryInMiB"`
}

// ec2DeviceXML is a GpuDeviceInfo or an InferenceDeviceInfo.
type ec2DeviceXML struct {
	Name         string `xml:"name"`
	Manufacturer string `xml:"manufacturer"`
	Count        int32  `xml:"count"`
	SizeInMiB    int64  `xml:"memoryInfo>sizeInMiB"`
}

type ec2InferenceInfoXML struct {
	// The SDK reads this list's elements as <member>, unlike every other list.
	Accelerators              []ec2DeviceXML `xml:"accelerators>member"`
	TotalInferenceMemoryInMiB int64          `xml:"totalInferenceMemoryInMiB"`
}

type ec2NeuronInfoXML struct {
	Devices                      []ec2NeuronDeviceXML `xml:"neuronDevices>item"`
	TotalNeuronDeviceMemoryInMiB int64                `xml:"totalNeuronDeviceMemoryInMiB"`
}

type ec2NeuronDeviceXML struct {
	Name        string `xml:"name"`
	Count       int32  `xml:"count"`
	CoreCount   int32  `xml:"coreInfo>count"`
	CoreVersion int32  `xml:"coreInfo>version"`
	SizeInMiB   int64  `xml:"memoryInfo>sizeInMiB"`
}

// typeInfoXML describes a catalog instance type as DescribeInstanceTypes does.
func typeInfoXML(it catalog.InstanceType) ec2TypeInfoXML {
	x := ec2TypeInfoXML{
		InstanceType:                  it.Name,
		CurrentGeneration:             it.CurrentGeneration,
		SupportedUsageClasses:         it.SupportedUsageClasses,
		SupportedRootDeviceTypes:      []string{"ebs"},
		SupportedVirtualizationTypes:  []string{"hvm"},
		BareMetal:                     it.BareMetal,
		Hypervisor:                    it.Hypervisor,
		ProcessorInfo:                 ec2ProcessorXML{it.Architectures, it.SustainedClockSpeedGHz, it.ProcessorManufacturer},
		VCPUInfo:                      vcpuXML(it),
		MemorySizeInMiB:               it.MemoryMiB,
		InstanceStorageSupported:      it.LocalNVMeGB > 0,
		InstanceStorageInfo:           storageXML(it),
		EBSInfo:                       ebsXML(it),
		NetworkInfo:                   networkXML(it),
		PlacementGroupStrategies:      []string{"cluster", "partition", "spread"},
		BurstablePerformanceSupported: it.Burstable,
		DedicatedHostsSupported:       !it.Burstable,
		AutoRecoverySupported:         it.LocalNVMeGB == 0,
		SupportedBootModes:            []string{"legacy-bios", "uefi"},
		NitroEnclavesSupport:          "unsupported",
		NitroTpmSupport:               "unsupported",
	}
	if it.Hypervisor == "nitro" {
		x.NitroTpmSupport = "supported"
	}
	if len(it.SupportedUsageClasses) == 0 {
		x.SupportedUsageClasses = []string{"on-demand", "spot"}
	}
	if slices.Contains(it.Architectures, "arm64") {
		x.SupportedBootModes = []string{"uefi"}
	}
	if !it.CurrentGeneration && it.Hypervisor == "xen" {
		x.SupportedVirtualizationTypes = []string{"hvm", "paravirtual"}
	}
	x.GPUInfo, x.InferenceAcceleratorInfo, x.NeuronInfo = acceleratorsXML(it)
	return x
}

// vcpuXML splits vCPUs into cores: Graviton (AWS) processors run one thread per
// core, Intel and AMD two.
func vcpuXML(it catalog.InstanceType) ec2VCPUXML {
	threads := int32(2)
	if it.ProcessorManufacturer == "AWS" || it.VCPUs < 2 {
		threads = 1
	}
	return ec2VCPUXML{DefaultVCpus: it.VCPUs, DefaultCores: max(it.VCPUs/threads, 1), DefaultThreadsPerCore: threads}
}

func storageXML(it catalog.InstanceType) *ec2StorageXML {
	if it.LocalNVMeGB <= 0 {
		return nil
	}
	s := &ec2StorageXML{TotalSizeInGB: it.LocalNVMeGB, NvmeSupport: "required", EncryptionSupport: "required"}
	s.Disks = append(s.Disks, struct {
		SizeInGB int64  `xml:"sizeInGB"`
		Count    int32  `xml:"count"`
		Type     string `xml:"type"`
	}{SizeInGB: it.LocalNVMeGB, Count: 1, Type: "ssd"})
	return s
}

func ebsXML(it catalog.InstanceType) ec2EBSXML {
	e := ec2EBSXML{EBSOptimizedSupport: "unsupported", EncryptionSupport: "supported", NvmeSupport: "unsupported"}
	if it.Hypervisor == "nitro" || it.BareMetal {
		e.NvmeSupport = "required"
	}
	if it.EBSBandwidthMbps > 0 {
		e.EBSOptimizedSupport = "default"
		e.EBSOptimizedInfo = &struct {
			BaselineBandwidthInMbps int32 `xml:"baselineBandwidthInMbps"`
			MaximumBandwidthInMbps  int32 `xml:"maximumBandwidthInMbps"`
		}{it.EBSBandwidthMbps, it.EBSBandwidthMbps}
	}
	return e
}

func networkXML(it catalog.InstanceType) ec2NetworkXML {
	baseline := float64(it.NetworkBandwidthMbps) / 1000
	card := ec2NetworkCardXML{
		NetworkPerformance:       it.NetworkPerformance,
		MaximumNetworkInterfaces: it.MaximumNetworkInterfaces,
		BaselineBandwidthInGbps:  baseline,
		PeakBandwidthInGbps:      peakBandwidthGbps(it.NetworkPerformance, baseline),
	}
	n := ec2NetworkXML{
		NetworkPerformance:           it.NetworkPerformance,
		MaximumNetworkInterfaces:     it.MaximumNetworkInterfaces,
		MaximumNetworkCards:          1,
		NetworkCards:                 []ec2NetworkCardXML{card},
		IPv4AddressesPerInterface:    it.IPv4AddressesPerInterface,
		IPv6AddressesPerInterface:    it.IPv4AddressesPerInterface,
		IPv6Supported:                true,
		EnaSupport:                   "required",
		EfaSupported:                 it.EFASupported,
		EncryptionInTransitSupported: it.EncryptionInTransit,
	}
	if it.EFASupported {
		one := int32(1)
		n.MaximumEfaInterfaces = &one
		n.EnaSrdSupported = true
	}
	return n
}

// peakBandwidthGbps reads the burst bandwidth from "Up to 12.5 Gigabit"; types
// without "Up to" have their baseline as peak.
func peakBandwidthGbps(performance string, baseline float64) float64 {
	rest, ok := strings.CutPrefix(performance, "Up to ")
	if !ok {
		return baseline
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return baseline
	}
	peak, err := strconv.ParseFloat(fields[0], 64)
	if err != nil || peak < baseline {
		return baseline
	}
	return peak
}

// acceleratorsXML reports GPUs (NVIDIA, AMD, and Habana Gaudi, which EC2 lists as
// GPUs) in gpuInfo, and AWS Inferentia/Trainium devices in neuronInfo; first
// generation Inferentia also appears in inferenceAcceleratorInfo, as on EC2.
func acceleratorsXML(it catalog.InstanceType) (*ec2GPUInfoXML, *ec2InferenceInfoXML, *ec2NeuronInfoXML) {
	var gpu *ec2GPUInfoXML
	var inference *ec2InferenceInfoXML
	var neuron *ec2NeuronInfoXML
	addGPU := func(a catalog.Accelerator) {
		if gpu == nil {
			gpu = &ec2GPUInfoXML{}
		}
		gpu.GPUs = append(gpu.GPUs, ec2DeviceXML{a.Name, a.Manufacturer, a.Count, a.MemoryMiB})
		gpu.TotalGpuMemoryInMiB += int64(a.Count) * a.MemoryMiB
	}
	for _, a := range it.GPUs {
		addGPU(a)
	}
	for _, a := range it.Accelerators {
		if a.Manufacturer != "AWS" {
			addGPU(a)
			continue
		}
		if neuron == nil {
			neuron = &ec2NeuronInfoXML{}
		}
		cores, version := neuronCores(a.Name)
		neuron.Devices = append(neuron.Devices, ec2NeuronDeviceXML{a.Name, a.Count, cores, version, a.MemoryMiB})
		neuron.TotalNeuronDeviceMemoryInMiB += int64(a.Count) * a.MemoryMiB
		if strings.EqualFold(a.Name, "inferentia") {
			inference = &ec2InferenceInfoXML{TotalInferenceMemoryInMiB: int64(a.Count) * a.MemoryMiB}
			inference.Accelerators = []ec2DeviceXML{{"Inferentia", "AWS", a.Count, a.MemoryMiB}}
		}
	}
	return gpu, inference, neuron
}

// neuronCores returns NeuronCores per device and their version for a device name.
func neuronCores(name string) (count, version int32) {
	switch strings.ToLower(name) {
	case "inferentia":
		return 4, 1
	case "trainium2":
		return 8, 3
	default: // inferentia2, trainium
		return 2, 2
	}
}
