package catalog

import (
	"math"
	"slices"
	"strings"
)

// row is one size of a listed family, written out in full because the family
// does not scale linearly (burstable types, GPU and accelerator types).
type row struct {
	size    string
	vcpus   int32
	memGiB  float64
	devices int32 // GPUs or accelerator chips, 0 for none
	nvmeGB  int64
	eni     eniLimit
	net     netTier
	ebsMbps int32
	efa     bool
	price   float64 // USD per hour
}

// listedFamily is a family given size by size. Device, when set, describes
// the family's GPU or accelerator; each row says how many it has.
type listedFamily struct {
	name      string
	cpu       cpu
	clockGHz  float64
	xen       bool
	burstable bool
	encrypt   bool
	device    *Accelerator // name, manufacturer and memory per device
	gpu       bool         // device is a GPU; otherwise an accelerator
	rows      []row
}

// expand turns every row into an InstanceType.
func (f listedFamily) expand() []InstanceType {
	out := make([]InstanceType, 0, len(f.rows))
	for _, r := range f.rows {
		out = append(out, f.instance(r))
	}
	return out
}

// instance builds one row's InstanceType.
func (f listedFamily) instance(r row) InstanceType {
	metal := strings.HasPrefix(r.size, "metal")
	it := InstanceType{
		Name:                      f.name + "." + r.size,
		CurrentGeneration:         true,
		BareMetal:                 metal,
		Hypervisor:                hypervisor(metal, f.xen),
		Architectures:             []string{f.cpu.arch},
		ProcessorManufacturer:     f.cpu.maker,
		SustainedClockSpeedGHz:    f.clockGHz,
		VCPUs:                     r.vcpus,
		MemoryMiB:                 int64(math.Round(r.memGiB * 1024)),
		Burstable:                 f.burstable,
		MaximumNetworkInterfaces:  r.eni.enis,
		IPv4AddressesPerInterface: r.eni.ips,
		NetworkPerformance:        r.net.perf,
		NetworkBandwidthMbps:      r.net.mbps,
		EFASupported:              r.efa,
		EBSBandwidthMbps:          r.ebsMbps,
		EncryptionInTransit:       f.encrypt,
		LocalNVMeGB:               r.nvmeGB,
		SupportedUsageClasses:     slices.Clone(usageClasses),
		OnDemandPricePerHour:      r.price,
	}
	if f.device != nil && r.devices > 0 {
		d := *f.device
		d.Count = r.devices
		if f.gpu {
			it.GPUs = []Accelerator{d}
		} else {
			it.Accelerators = []Accelerator{d}
		}
	}
	return it
}

// listedFamilies returns every family given size by size.
func listedFamilies() []listedFamily {
	return append(burstableFamilies(), acceleratedFamilies()...)
}

// scaledFamilies returns every regular family, derived from ratios.
func scaledFamilies() []family {
	var out []family
	out = append(out, generalFamilies()...)
	out = append(out, computeFamilies()...)
	out = append(out, memoryFamilies()...)
	out = append(out, storageFamilies()...)
	return out
}
