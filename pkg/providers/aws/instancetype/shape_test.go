package instancetype

import (
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const awsGroup = "karpenter.k8s.aws/"

func TestLabels(t *testing.T) {
	common := func(name, arch string, extra map[string]string) map[string]string {
		out := map[string]string{
			"node.kubernetes.io/instance-type": name,
			"kubernetes.io/arch":               arch,
			"kubernetes.io/os":                 "linux",
			"topology.kubernetes.io/region":    "us-west-2",
		}
		for k, v := range extra {
			out[awsGroup+k] = v
		}
		return out
	}
	tests := []struct {
		spec spec
		want map[string]string
	}{
		{m5dXlarge, common("m5d.xlarge", "amd64", map[string]string{
			"instance-category": "m", "instance-family": "m5d", "instance-generation": "5", "instance-size": "xlarge",
			"instance-cpu": "4", "instance-cpu-manufacturer": "intel", "instance-cpu-sustained-clock-speed-mhz": "3100",
			"instance-memory": "16384", "instance-ebs-bandwidth": "4750", "instance-network-bandwidth": "1250",
			"instance-hypervisor": "nitro", "instance-encryption-in-transit-supported": "false", "instance-local-nvme": "150",
			"instance-capability-flex": "false",
		})},
		{m7iFlexLarge, common("m7i-flex.large", "amd64", map[string]string{
			"instance-category": "m", "instance-family": "m7i-flex", "instance-generation": "7", "instance-size": "large",
			"instance-cpu": "2", "instance-cpu-manufacturer": "intel", "instance-cpu-sustained-clock-speed-mhz": "3200",
			"instance-memory": "8192", "instance-ebs-bandwidth": "10000", "instance-network-bandwidth": "390",
			"instance-hypervisor": "nitro", "instance-encryption-in-transit-supported": "true",
			"instance-capability-flex": "true",
		})},
		{c6gn16xlarge, common("c6gn.16xlarge", "arm64", map[string]string{
			"instance-category": "c", "instance-family": "c6gn", "instance-generation": "6", "instance-size": "16xlarge",
			"instance-cpu": "64", "instance-cpu-manufacturer": "aws", "instance-cpu-sustained-clock-speed-mhz": "2500",
			"instance-memory": "131072", "instance-ebs-bandwidth": "38000", "instance-network-bandwidth": "100000",
			"instance-hypervisor": "nitro", "instance-encryption-in-transit-supported": "true",
			"instance-capability-flex": "false",
		})},
		{u6tb1Metal, common("u-6tb1.metal", "amd64", map[string]string{
			"instance-category": "u", "instance-family": "u-6tb1", "instance-generation": "1", "instance-size": "metal",
			"instance-cpu": "448", "instance-cpu-manufacturer": "intel", "instance-cpu-sustained-clock-speed-mhz": "2100",
			"instance-memory": "6291456", "instance-ebs-bandwidth": "38000", "instance-network-bandwidth": "100000",
			"instance-encryption-in-transit-supported": "false", "instance-capability-flex": "false",
		})},
		{g4dn12xlarge, common("g4dn.12xlarge", "amd64", map[string]string{
			"instance-category": "g", "instance-family": "g4dn", "instance-generation": "4", "instance-size": "12xlarge",
			"instance-cpu": "48", "instance-cpu-manufacturer": "intel", "instance-cpu-sustained-clock-speed-mhz": "2500",
			"instance-memory": "196608", "instance-ebs-bandwidth": "9500", "instance-network-bandwidth": "50000",
			"instance-hypervisor": "nitro", "instance-encryption-in-transit-supported": "true", "instance-local-nvme": "900",
			"instance-capability-flex": "false",
			"instance-gpu-name":        "t4", "instance-gpu-manufacturer": "nvidia", "instance-gpu-count": "4", "instance-gpu-memory": "16384",
		})},
		{g4adXlarge, common("g4ad.xlarge", "amd64", map[string]string{
			"instance-category": "g", "instance-family": "g4ad", "instance-generation": "4", "instance-size": "xlarge",
			"instance-cpu": "4", "instance-cpu-manufacturer": "amd", "instance-cpu-sustained-clock-speed-mhz": "3000",
			"instance-memory": "16384", "instance-ebs-bandwidth": "3170", "instance-network-bandwidth": "2000",
			"instance-hypervisor": "nitro", "instance-encryption-in-transit-supported": "true", "instance-local-nvme": "150",
			"instance-capability-flex": "false",
			"instance-gpu-name":        "radeon-pro-v520", "instance-gpu-manufacturer": "amd", "instance-gpu-count": "1", "instance-gpu-memory": "8192",
		})},
		{inf2Xlarge, common("inf2.xlarge", "amd64", map[string]string{
			"instance-category": "inf", "instance-family": "inf2", "instance-generation": "2", "instance-size": "xlarge",
			"instance-cpu": "4", "instance-cpu-manufacturer": "amd", "instance-cpu-sustained-clock-speed-mhz": "3600",
			"instance-memory": "16384", "instance-ebs-bandwidth": "10000", "instance-network-bandwidth": "2083",
			"instance-hypervisor": "nitro", "instance-encryption-in-transit-supported": "true",
			"instance-capability-flex":  "false",
			"instance-accelerator-name": "inferentia2", "instance-accelerator-manufacturer": "aws", "instance-accelerator-count": "1",
		})},
	}
	for _, tt := range tests {
		t.Run(tt.spec.name, func(t *testing.T) {
			got := labels(info(tt.spec), "us-west-2")
			if !maps.Equal(got, tt.want) {
				for k, v := range tt.want {
					if got[k] != v {
						t.Errorf("%s = %q, want %q", k, got[k], v)
					}
				}
				for k, v := range got {
					if _, ok := tt.want[k]; !ok {
						t.Errorf("unexpected label %s=%q", k, v)
					}
				}
			}
		})
	}
}

func TestSupported(t *testing.T) {
	edit := func(s spec, f func(*ec2types.InstanceTypeInfo)) ec2types.InstanceTypeInfo {
		i := info(s)
		f(&i)
		return i
	}
	tests := []struct {
		name string
		info ec2types.InstanceTypeInfo
		want bool
	}{
		{"a nitro type", info(m5Large), true},
		{"bare metal without a hypervisor", info(u6tb1Metal), true},
		{"bare metal that lists no virtualization type", edit(u6tb1Metal, func(i *ec2types.InstanceTypeInfo) {
			i.SupportedVirtualizationTypes = nil
		}), true},
		{"paravirtual only", edit(m5Large, func(i *ec2types.InstanceTypeInfo) {
			i.SupportedVirtualizationTypes = []ec2types.VirtualizationType{ec2types.VirtualizationTypeParavirtual}
		}), false},
		{"no vCPU info", edit(m5Large, func(i *ec2types.InstanceTypeInfo) { i.VCpuInfo = nil }), false},
		{"zero vCPUs", edit(m5Large, func(i *ec2types.InstanceTypeInfo) { i.VCpuInfo.DefaultVCpus = aws.Int32(0) }), false},
		{"no memory info", edit(m5Large, func(i *ec2types.InstanceTypeInfo) { i.MemoryInfo = nil }), false},
		{"macOS host", edit(m5Large, func(i *ec2types.InstanceTypeInfo) {
			i.ProcessorInfo.SupportedArchitectures = []ec2types.ArchitectureType{ec2types.ArchitectureTypeX8664Mac}
		}), false},
		{"32-bit only", edit(m5Large, func(i *ec2types.InstanceTypeInfo) {
			i.ProcessorInfo.SupportedArchitectures = []ec2types.ArchitectureType{ec2types.ArchitectureTypeI386}
		}), false},
		{"i386 and x86_64", edit(m5Large, func(i *ec2types.InstanceTypeInfo) {
			i.ProcessorInfo.SupportedArchitectures = []ec2types.ArchitectureType{ec2types.ArchitectureTypeI386, ec2types.ArchitectureTypeX8664}
		}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := supported(tt.info); got != tt.want {
				t.Errorf("supported = %v, want %v", got, tt.want)
			}
		})
	}
}
