package catalog

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// cpu is a processor preset: its maker as EC2 names it and its architecture.
type cpu struct {
	maker string // "Intel", "AMD" or "AWS"
	arch  string // "x86_64" or "arm64"
}

var (
	intel    = cpu{maker: "Intel", arch: "x86_64"}
	amd      = cpu{maker: "AMD", arch: "x86_64"}
	graviton = cpu{maker: "AWS", arch: "arm64"}
)

// netTier is what EC2 publishes about one size's network: the performance
// string and the baseline bandwidth in Mbps (the figure Karpenter labels
// instance-network-bandwidth with; burst may be higher).
type netTier struct {
	perf string
	mbps int32
}

// eniLimit is the number of network interfaces and IPv4 addresses per
// interface. For types with several network cards it is the default card's
// limit, which is what the VPC CNI uses to compute max pods.
type eniLimit struct{ enis, ips int32 }

// usageClasses is what every type in this catalog supports.
var usageClasses = []string{"on-demand", "spot"}

// sizeFix overrides derived facts for one size where EC2 departs from the
// family's ratios. Zero fields keep the derived value.
type sizeFix struct {
	vcpus  int32
	memGiB float64
	nvmeGB int64
	price  float64
	eni    eniLimit
}

// family is a regular instance family. Each size's facts are derived from
// the family's per-vCPU ratios and shared network and EBS ladders; fixes
// hold the exceptions.
type family struct {
	name        string
	cpu         cpu
	clockGHz    float64 // sustained all-core clock
	previousGen bool    // CurrentGeneration=false
	xen         bool    // Xen hypervisor rather than Nitro (metal has none)
	memPerVCPU  float64 // GiB of memory per vCPU
	vcpuPrice   float64 // USD per vCPU-hour; EC2 prices are linear in a family
	nvmePerVCPU float64 // GB of local instance store per vCPU, 0 if EBS-only
	sizes       []string
	metalVCPUs  int32 // vCPUs of the plain "metal" size, when the family has it
	net         map[string]netTier
	ebs         map[string]int32 // maximum EBS bandwidth, Mbps
	efa         []string         // sizes that support EFA
	encrypt     bool             // automatic encryption in transit
	fixes       map[string]sizeFix
}

// expand turns the family into one InstanceType per size.
func (f family) expand() ([]InstanceType, error) {
	out := make([]InstanceType, 0, len(f.sizes))
	for _, size := range f.sizes {
		it, err := f.instance(size)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// instance derives the facts of one size.
func (f family) instance(size string) (InstanceType, error) {
	name := f.name + "." + size
	fix := f.fixes[size]
	vcpus := fix.vcpus
	if vcpus == 0 {
		vcpus = sizeVCPUs(size, f.metalVCPUs)
	}
	net, okNet := f.net[size]
	ebs, okEBS := f.ebs[size]
	if vcpus <= 0 || !okNet || !okEBS {
		return InstanceType{}, fmt.Errorf("%s: missing vCPUs, network or EBS facts", name)
	}
	memGiB := pick(fix.memGiB, f.memPerVCPU*float64(vcpus))
	price := pick(fix.price, roundPrice(f.vcpuPrice*float64(vcpus)))
	nvme := fix.nvmeGB
	if nvme == 0 {
		nvme = int64(math.Floor(f.nvmePerVCPU * float64(vcpus)))
	}
	eni := fix.eni
	if eni.enis == 0 {
		eni = nitroENIs(vcpus)
	}
	metal := strings.HasPrefix(size, "metal")
	return InstanceType{
		Name:                      name,
		CurrentGeneration:         !f.previousGen,
		BareMetal:                 metal,
		Hypervisor:                hypervisor(metal, f.xen),
		Architectures:             []string{f.cpu.arch},
		ProcessorManufacturer:     f.cpu.maker,
		SustainedClockSpeedGHz:    f.clockGHz,
		VCPUs:                     vcpus,
		MemoryMiB:                 int64(math.Round(memGiB * 1024)),
		MaximumNetworkInterfaces:  eni.enis,
		IPv4AddressesPerInterface: eni.ips,
		NetworkPerformance:        net.perf,
		NetworkBandwidthMbps:      net.mbps,
		EFASupported:              slices.Contains(f.efa, size),
		EBSBandwidthMbps:          ebs,
		EncryptionInTransit:       f.encrypt,
		LocalNVMeGB:               nvme,
		SupportedUsageClasses:     slices.Clone(usageClasses),
		OnDemandPricePerHour:      price,
	}, nil
}

// sizeVCPUs reads the vCPU count from a size name: medium 1, large 2,
// xlarge 4, Nxlarge 4N, metal-Nxl 4N, and metal the family's metal count.
func sizeVCPUs(size string, metalVCPUs int32) int32 {
	switch size {
	case "medium":
		return 1
	case "large":
		return 2
	case "xlarge":
		return 4
	case "metal":
		return metalVCPUs
	}
	digits := strings.TrimSuffix(strings.TrimPrefix(size, "metal-"), "xl")
	digits = strings.TrimSuffix(digits, "xlarge")
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0
	}
	return int32(4 * n)
}

// nitroENIs is the interface limit most Nitro families share, by vCPU count.
// Families that differ say so in their fixes.
func nitroENIs(vcpus int32) eniLimit {
	switch {
	case vcpus <= 1:
		return eniLimit{2, 4}
	case vcpus == 2:
		return eniLimit{3, 10}
	case vcpus <= 8:
		return eniLimit{4, 15}
	case vcpus <= 48:
		return eniLimit{8, 30}
	default:
		return eniLimit{15, 50}
	}
}

// hypervisor is "" for bare metal, else "xen" or "nitro".
func hypervisor(metal, xen bool) string {
	switch {
	case metal:
		return ""
	case xen:
		return "xen"
	default:
		return "nitro"
	}
}

// pick returns override when it is set, else derived.
func pick(override, derived float64) float64 {
	if override != 0 {
		return override
	}
	return derived
}

// roundPrice rounds a derived price to six decimals, as the Pricing API does.
func roundPrice(p float64) float64 {
	return math.Round(p*1e6) / 1e6
}
