// Package catalog is the EC2 instance-type and price catalog the simulator serves:
// written by this project from public instance specifications (vCPUs, memory,
// network and ENI limits, accelerators, local storage) and public list prices.
// It stands in for the EC2 and Pricing APIs of one region in tests and the demo.
package catalog

// InstanceType is what EC2's DescribeInstanceTypes says about one type, plus its
// on-demand list price. Field names follow the EC2 API.
type InstanceType struct {
	Name              string   `json:"name"`              // "m5.large"
	CurrentGeneration bool     `json:"currentGeneration"` // false for e.g. m4, c4
	BareMetal         bool     `json:"bareMetal"`
	Hypervisor        string   `json:"hypervisor,omitempty"` // "nitro", "xen", "" for metal
	Architectures     []string `json:"architectures"`        // EC2 names: "x86_64", "arm64"
	// ProcessorManufacturer is "Intel", "AMD" or "AWS" (Graviton).
	ProcessorManufacturer  string  `json:"processorManufacturer"`
	SustainedClockSpeedGHz float64 `json:"sustainedClockSpeedGHz"`
	VCPUs                  int32   `json:"vcpus"`
	MemoryMiB              int64   `json:"memoryMiB"`
	// Burstable marks T types (CPU credits).
	Burstable bool `json:"burstable,omitempty"`

	// Network: ENIs and IPv4 addresses per ENI decide max pods with the VPC CNI.
	MaximumNetworkInterfaces  int32  `json:"maximumNetworkInterfaces"`
	IPv4AddressesPerInterface int32  `json:"ipv4AddressesPerInterface"`
	NetworkPerformance        string `json:"networkPerformance"` // "Up to 10 Gigabit"
	NetworkBandwidthMbps      int32  `json:"networkBandwidthMbps"`
	EFASupported              bool   `json:"efaSupported,omitempty"`
	EBSBandwidthMbps          int32  `json:"ebsBandwidthMbps"`
	EncryptionInTransit       bool   `json:"encryptionInTransit,omitempty"`

	// LocalNVMeGB is the total local instance-store NVMe size, 0 when EBS-only.
	LocalNVMeGB int64 `json:"localNVMeGB,omitempty"`

	GPUs         []Accelerator `json:"gpus,omitempty"`         // NVIDIA/AMD GPUs
	Accelerators []Accelerator `json:"accelerators,omitempty"` // Inferentia, Trainium, Gaudi

	// SupportedUsageClasses: "on-demand", "spot".
	SupportedUsageClasses []string `json:"supportedUsageClasses"`
	// OnDemandPricePerHour is the Linux on-demand list price in USD in the catalog's
	// region.
	OnDemandPricePerHour float64 `json:"onDemandPricePerHour"`
}

// Accelerator is a GPU or other accelerator device group on an instance type.
type Accelerator struct {
	Name         string `json:"name"`         // "t4", "a10g", "inferentia2"
	Manufacturer string `json:"manufacturer"` // "NVIDIA", "AMD", "AWS", "Habana"
	Count        int32  `json:"count"`
	MemoryMiB    int64  `json:"memoryMiB"` // per device
}
