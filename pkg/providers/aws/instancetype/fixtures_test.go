package instancetype

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// spec is the part of DescribeInstanceTypes the tests vary, from EC2's public
// instance type specifications.
type spec struct {
	name         string
	vcpus        int32
	memoryMiB    int64
	enis, ips    int32
	arch         ec2types.ArchitectureType
	manufacturer string
	ghz          float64
	hypervisor   ec2types.InstanceTypeHypervisor
	bareMetal    bool
	networkGbps  float64
	ebsMbps      int32
	nvmeGB       int64
	encryption   bool
	efa          int32
	gpu          *ec2types.GpuDeviceInfo
	neuron       *ec2types.NeuronDeviceInfo
}

// info renders a spec as EC2 describes it.
func info(s spec) ec2types.InstanceTypeInfo {
	if s.arch == "" {
		s.arch = ec2types.ArchitectureTypeX8664
	}
	out := ec2types.InstanceTypeInfo{
		InstanceType:                 ec2types.InstanceType(s.name),
		BareMetal:                    aws.Bool(s.bareMetal),
		Hypervisor:                   s.hypervisor,
		SupportedVirtualizationTypes: []ec2types.VirtualizationType{ec2types.VirtualizationTypeHvm},
		SupportedUsageClasses:        []ec2types.UsageClassType{ec2types.UsageClassTypeOnDemand, ec2types.UsageClassTypeSpot},
		VCpuInfo:                     &ec2types.VCpuInfo{DefaultVCpus: aws.Int32(s.vcpus)},
		MemoryInfo:                   &ec2types.MemoryInfo{SizeInMiB: aws.Int64(s.memoryMiB)},
		ProcessorInfo: &ec2types.ProcessorInfo{
			SupportedArchitectures:   []ec2types.ArchitectureType{s.arch},
			Manufacturer:             aws.String(s.manufacturer),
			SustainedClockSpeedInGhz: aws.Float64(s.ghz),
		},
		NetworkInfo: &ec2types.NetworkInfo{
			MaximumNetworkInterfaces:     aws.Int32(s.enis),
			Ipv4AddressesPerInterface:    aws.Int32(s.ips),
			EncryptionInTransitSupported: aws.Bool(s.encryption),
			NetworkCards:                 []ec2types.NetworkCardInfo{{BaselineBandwidthInGbps: aws.Float64(s.networkGbps)}},
			EfaSupported:                 aws.Bool(s.efa > 0),
		},
	}
	if s.efa > 0 {
		out.NetworkInfo.EfaInfo = &ec2types.EfaInfo{MaximumEfaInterfaces: aws.Int32(s.efa)}
	}
	if s.ebsMbps > 0 {
		out.EbsInfo = &ec2types.EbsInfo{EbsOptimizedInfo: &ec2types.EbsOptimizedInfo{MaximumBandwidthInMbps: aws.Int32(s.ebsMbps)}}
	}
	if s.nvmeGB > 0 {
		out.InstanceStorageInfo = &ec2types.InstanceStorageInfo{TotalSizeInGB: aws.Int64(s.nvmeGB), NvmeSupport: ec2types.EphemeralNvmeSupportRequired}
	}
	if s.gpu != nil {
		out.GpuInfo = &ec2types.GpuInfo{Gpus: []ec2types.GpuDeviceInfo{*s.gpu}}
	}
	if s.neuron != nil {
		out.NeuronInfo = &ec2types.NeuronInfo{NeuronDevices: []ec2types.NeuronDeviceInfo{*s.neuron}}
	}
	return out
}

// Public specifications of a few instance types.
var (
	m5Large = spec{name: "m5.large", vcpus: 2, memoryMiB: 8192, enis: 3, ips: 10, manufacturer: "Intel", ghz: 3.1,
		hypervisor: "nitro", networkGbps: 0.75, ebsMbps: 4750}
	t3Micro = spec{name: "t3.micro", vcpus: 2, memoryMiB: 1024, enis: 2, ips: 2, manufacturer: "Intel", ghz: 2.5,
		hypervisor: "nitro", networkGbps: 0.064, ebsMbps: 2085}
	m5_24xlarge = spec{name: "m5.24xlarge", vcpus: 96, memoryMiB: 393216, enis: 15, ips: 50, manufacturer: "Intel", ghz: 3.1,
		hypervisor: "nitro", networkGbps: 25, ebsMbps: 19000}
	m5dXlarge = spec{name: "m5d.xlarge", vcpus: 4, memoryMiB: 16384, enis: 4, ips: 15, manufacturer: "Intel", ghz: 3.1,
		hypervisor: "nitro", networkGbps: 1.25, ebsMbps: 4750, nvmeGB: 150}
	c6gn16xlarge = spec{name: "c6gn.16xlarge", vcpus: 64, memoryMiB: 131072, enis: 15, ips: 50, arch: ec2types.ArchitectureTypeArm64,
		manufacturer: "AWS", ghz: 2.5, hypervisor: "nitro", networkGbps: 100, ebsMbps: 38000, encryption: true, efa: 1}
	m7iFlexLarge = spec{name: "m7i-flex.large", vcpus: 2, memoryMiB: 8192, enis: 3, ips: 10, manufacturer: "Intel", ghz: 3.2,
		hypervisor: "nitro", networkGbps: 0.39, ebsMbps: 10000, encryption: true}
	u6tb1Metal = spec{name: "u-6tb1.metal", vcpus: 448, memoryMiB: 6291456, enis: 15, ips: 50, manufacturer: "Intel", ghz: 2.1,
		bareMetal: true, networkGbps: 100, ebsMbps: 38000}
	g4dn12xlarge = spec{name: "g4dn.12xlarge", vcpus: 48, memoryMiB: 196608, enis: 8, ips: 30, manufacturer: "Intel", ghz: 2.5,
		hypervisor: "nitro", networkGbps: 50, ebsMbps: 9500, nvmeGB: 900, encryption: true, efa: 1,
		gpu: &ec2types.GpuDeviceInfo{Name: aws.String("T4"), Manufacturer: aws.String("NVIDIA"), Count: aws.Int32(4),
			MemoryInfo: &ec2types.GpuDeviceMemoryInfo{SizeInMiB: aws.Int32(16384)}}}
	g4adXlarge = spec{name: "g4ad.xlarge", vcpus: 4, memoryMiB: 16384, enis: 2, ips: 4, manufacturer: "AMD", ghz: 3.0,
		hypervisor: "nitro", networkGbps: 2, ebsMbps: 3170, nvmeGB: 150, encryption: true,
		gpu: &ec2types.GpuDeviceInfo{Name: aws.String("Radeon Pro V520"), Manufacturer: aws.String("AMD"), Count: aws.Int32(1),
			MemoryInfo: &ec2types.GpuDeviceMemoryInfo{SizeInMiB: aws.Int32(8192)}}}
	inf2Xlarge = spec{name: "inf2.xlarge", vcpus: 4, memoryMiB: 16384, enis: 4, ips: 15, manufacturer: "AMD", ghz: 3.6,
		hypervisor: "nitro", networkGbps: 2.083, ebsMbps: 10000, encryption: true,
		neuron: &ec2types.NeuronDeviceInfo{Name: aws.String("Inferentia2"), Count: aws.Int32(1),
			CoreInfo: &ec2types.NeuronDeviceCoreInfo{Count: aws.Int32(2)}}}
)
