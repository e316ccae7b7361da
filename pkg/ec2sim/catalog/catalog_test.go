package catalog

import (
	"slices"
	"sort"
	"testing"
)

// families groups the catalog by family name.
func families(t *testing.T) map[string][]InstanceType {
	t.Helper()
	out := map[string][]InstanceType{}
	for _, it := range Default() {
		f := FamilyOf(it.Name)
		out[f] = append(out[f], it)
	}
	return out
}

func TestCatalogSize(t *testing.T) {
	all := Default()
	fams := families(t)
	if len(all) < 350 {
		t.Errorf("catalog has %d types, want at least 350", len(all))
	}
	if len(fams) < 30 {
		t.Errorf("catalog has %d families, want at least 30", len(fams))
	}
	arch := map[string]int{}
	var gpu, chip, metal, prev int
	for _, it := range all {
		arch[it.Architectures[0]]++
		if len(it.GPUs) > 0 {
			gpu++
		}
		if len(it.Accelerators) > 0 {
			chip++
		}
		if it.BareMetal {
			metal++
		}
		if !it.CurrentGeneration {
			prev++
		}
	}
	t.Logf("%d types in %d families; by architecture %v; %d with GPUs, %d with accelerators, %d bare metal, %d previous generation",
		len(all), len(fams), arch, gpu, chip, metal, prev)
}

func TestNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, it := range Default() {
		if seen[it.Name] {
			t.Errorf("%s listed twice", it.Name)
		}
		seen[it.Name] = true
	}
	if got := len(ByName()); got != len(Default()) {
		t.Errorf("ByName has %d entries, Default %d", got, len(Default()))
	}
}

func TestRequiredFamiliesPresent(t *testing.T) {
	fams := families(t)
	for _, f := range []string{
		"c5", "c5d", "c5n", "c5a", "c6i", "c6id", "c6a", "c6g", "c6gd", "c7g", "c7i",
		"m5", "m5d", "m5n", "m5a", "m6i", "m6id", "m6a", "m6g", "m6gd", "m7g", "m7i", "m7a",
		"r5", "r5d", "r5a", "r6i", "r6a", "r6g", "r7g", "r7i",
		"t3", "t3a", "t4g", "i3", "i4i", "i4g", "g4dn", "g5", "g5g", "g6",
		"p3", "p4d", "p5", "inf1", "inf2", "trn1", "m4", "c4", "r4", "x2idn", "x2iedn", "z1d", "d3",
	} {
		if len(fams[f]) == 0 {
			t.Errorf("family %s missing", f)
		}
	}
}

// TestEveryTypeComplete checks that every fact a consumer reads is filled in.
func TestEveryTypeComplete(t *testing.T) {
	makers := map[string]bool{"Intel": true, "AMD": true, "AWS": true}
	for _, it := range Default() {
		switch {
		case it.VCPUs <= 0, it.MemoryMiB <= 0, it.OnDemandPricePerHour <= 0:
			t.Errorf("%s: vCPUs %d, memory %d, price %v must be positive",
				it.Name, it.VCPUs, it.MemoryMiB, it.OnDemandPricePerHour)
		case it.MaximumNetworkInterfaces <= 0, it.IPv4AddressesPerInterface <= 0:
			t.Errorf("%s: ENIs %d x IPs %d must be positive",
				it.Name, it.MaximumNetworkInterfaces, it.IPv4AddressesPerInterface)
		case it.NetworkPerformance == "", it.NetworkBandwidthMbps <= 0, it.EBSBandwidthMbps <= 0:
			t.Errorf("%s: network or EBS facts missing", it.Name)
		case !makers[it.ProcessorManufacturer], it.SustainedClockSpeedGHz <= 0:
			t.Errorf("%s: processor %q at %v GHz", it.Name, it.ProcessorManufacturer, it.SustainedClockSpeedGHz)
		case len(it.Architectures) != 1:
			t.Errorf("%s: architectures %v", it.Name, it.Architectures)
		case !slices.Contains(it.SupportedUsageClasses, "on-demand"):
			t.Errorf("%s: usage classes %v lack on-demand", it.Name, it.SupportedUsageClasses)
		}
	}
}

func TestHypervisorAndBareMetal(t *testing.T) {
	for _, it := range Default() {
		switch {
		case it.BareMetal && it.Hypervisor != "":
			t.Errorf("%s: bare metal with hypervisor %q", it.Name, it.Hypervisor)
		case !it.BareMetal && it.Hypervisor != "nitro" && it.Hypervisor != "xen":
			t.Errorf("%s: hypervisor %q", it.Name, it.Hypervisor)
		case !it.CurrentGeneration && it.Hypervisor != "xen":
			t.Errorf("%s: previous generation but hypervisor %q", it.Name, it.Hypervisor)
		}
	}
}

func TestArm64OnlyOnGraviton(t *testing.T) {
	for _, it := range Default() {
		arm := it.Architectures[0] == "arm64"
		graviton := it.ProcessorManufacturer == "AWS"
		if arm != graviton {
			t.Errorf("%s: architecture %v with processor %s", it.Name, it.Architectures, it.ProcessorManufacturer)
		}
		if !arm && it.Architectures[0] != "x86_64" {
			t.Errorf("%s: unknown architecture %v", it.Name, it.Architectures)
		}
	}
}

func TestBurstableOnlyOnT(t *testing.T) {
	for _, it := range Default() {
		isT := it.Name[0] == 't' && FamilyOf(it.Name) != "trn1" && FamilyOf(it.Name) != "trn1n"
		if it.Burstable != isT {
			t.Errorf("%s: burstable %v", it.Name, it.Burstable)
		}
	}
}

// TestPricesIncreaseWithSize: within a family (bare metal aside), a type
// with at least as much of everything and strictly more of something costs
// strictly more. For families without accelerators this means price rises
// strictly with vCPUs.
func TestPricesIncreaseWithSize(t *testing.T) {
	for name, types := range families(t) {
		var virt []InstanceType
		for _, it := range types {
			if !it.BareMetal {
				virt = append(virt, it)
			}
		}
		for _, a := range virt {
			for _, b := range virt {
				if dominates(b, a) && b.OnDemandPricePerHour <= a.OnDemandPricePerHour {
					t.Errorf("%s: %s ($%v) is bigger than %s ($%v) but not dearer",
						name, b.Name, b.OnDemandPricePerHour, a.Name, a.OnDemandPricePerHour)
				}
			}
		}
		if hasDevices(virt) || virt[0].Burstable {
			continue
		}
		sort.Slice(virt, func(i, j int) bool { return virt[i].VCPUs < virt[j].VCPUs })
		for i := 1; i < len(virt); i++ {
			if virt[i].VCPUs <= virt[i-1].VCPUs || virt[i].OnDemandPricePerHour <= virt[i-1].OnDemandPricePerHour {
				t.Errorf("%s: %s does not have more vCPUs and a higher price than %s",
					name, virt[i].Name, virt[i-1].Name)
			}
		}
	}
}

// TestMetalNotCheaper: a bare-metal size never costs less than a virtualized
// size of its family that it matches or exceeds.
func TestMetalNotCheaper(t *testing.T) {
	for name, types := range families(t) {
		for _, m := range types {
			if !m.BareMetal {
				continue
			}
			for _, v := range types {
				if !v.BareMetal && (dominates(m, v) || sameShape(m, v)) &&
					m.OnDemandPricePerHour < v.OnDemandPricePerHour {
					t.Errorf("%s: %s cheaper than %s", name, m.Name, v.Name)
				}
			}
		}
	}
}

func TestAcceleratorsDescribed(t *testing.T) {
	for _, it := range Default() {
		for _, d := range append(slices.Clone(it.GPUs), it.Accelerators...) {
			if d.Name == "" || d.Manufacturer == "" || d.Count <= 0 || d.MemoryMiB <= 0 {
				t.Errorf("%s: incomplete device %+v", it.Name, d)
			}
		}
		fam := FamilyOf(it.Name)
		wantGPU := fam[0] == 'g' || fam[0] == 'p'
		wantChip := fam == "inf1" || fam == "inf2" || fam == "trn1" || fam == "trn1n"
		if wantGPU != (len(it.GPUs) > 0) || wantChip != (len(it.Accelerators) > 0) {
			t.Errorf("%s: GPUs %v accelerators %v", it.Name, it.GPUs, it.Accelerators)
		}
	}
}

func TestLocalStorageOnStorageTypes(t *testing.T) {
	for _, fam := range []string{"m5d", "c5d", "r5d", "m6id", "c6id", "r6id", "m6gd", "c6gd", "r6gd",
		"c7gd", "i3", "i3en", "i4i", "i4g", "d3", "d3en", "z1d", "x2idn", "x2iedn"} {
		for _, it := range families(t)[fam] {
			if it.LocalNVMeGB <= 0 {
				t.Errorf("%s: no local storage", it.Name)
			}
		}
	}
	for _, fam := range []string{"m5", "c5", "r5", "m6i", "c7g", "t3"} {
		for _, it := range families(t)[fam] {
			if it.LocalNVMeGB != 0 {
				t.Errorf("%s: unexpected local storage %d GB", it.Name, it.LocalNVMeGB)
			}
		}
	}
}

// TestWellKnownFacts spot-checks published facts.
func TestWellKnownFacts(t *testing.T) {
	tests := []struct {
		name            string
		vcpus           int32
		memMiB          int64
		enis, ips       int32
		arch, hyper     string
		current, metal  bool
		price           float64
		gpu             string
		gpus            int32
		gpuMiB          int64
		maker, cpuMaker string
	}{
		{"m5.large", 2, 8192, 3, 10, "x86_64", "nitro", true, false, 0.096, "", 0, 0, "", "Intel"},
		{"m5.24xlarge", 96, 393216, 15, 50, "x86_64", "nitro", true, false, 4.608, "", 0, 0, "", "Intel"},
		{"m5.metal", 96, 393216, 15, 50, "x86_64", "", true, true, 4.608, "", 0, 0, "", "Intel"},
		{"t3.micro", 2, 1024, 2, 2, "x86_64", "nitro", true, false, 0.0104, "", 0, 0, "", "Intel"},
		{"t4g.small", 2, 2048, 3, 4, "arm64", "nitro", true, false, 0.0168, "", 0, 0, "", "AWS"},
		{"c6g.large", 2, 4096, 3, 10, "arm64", "nitro", true, false, 0.068, "", 0, 0, "", "AWS"},
		{"c6g.metal", 64, 131072, 15, 50, "arm64", "", true, true, 2.3066, "", 0, 0, "", "AWS"},
		{"m6a.large", 2, 8192, 3, 10, "x86_64", "nitro", true, false, 0.0864, "", 0, 0, "", "AMD"},
		{"c5.9xlarge", 36, 73728, 8, 30, "x86_64", "nitro", true, false, 1.53, "", 0, 0, "", "Intel"},
		{"m4.large", 2, 8192, 2, 10, "x86_64", "xen", false, false, 0.1, "", 0, 0, "", "Intel"},
		{"c4.8xlarge", 36, 61440, 8, 30, "x86_64", "xen", false, false, 1.591, "", 0, 0, "", "Intel"},
		{"i3.metal", 72, 524288, 15, 50, "x86_64", "", true, true, 4.992, "", 0, 0, "", "Intel"},
		{"g4dn.xlarge", 4, 16384, 3, 10, "x86_64", "nitro", true, false, 0.526, "t4", 1, 16384, "NVIDIA", "Intel"},
		{"g5.48xlarge", 192, 786432, 7, 50, "x86_64", "nitro", true, false, 16.288, "a10g", 8, 24576, "NVIDIA", "AMD"},
		{"p3.2xlarge", 8, 62464, 4, 15, "x86_64", "xen", true, false, 3.06, "v100", 1, 16384, "NVIDIA", "Intel"},
		{"p4d.24xlarge", 96, 1179648, 15, 50, "x86_64", "nitro", true, false, 21.957642, "a100", 8, 40960, "NVIDIA", "Intel"},
		{"p5.48xlarge", 192, 2097152, 2, 50, "x86_64", "nitro", true, false, 55.04, "h100", 8, 81920, "NVIDIA", "AMD"},
	}
	all := ByName()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, ok := all[tc.name]
			if !ok {
				t.Fatalf("%s missing", tc.name)
			}
			if it.VCPUs != tc.vcpus || it.MemoryMiB != tc.memMiB {
				t.Errorf("got %d vCPU %d MiB, want %d vCPU %d MiB", it.VCPUs, it.MemoryMiB, tc.vcpus, tc.memMiB)
			}
			if it.MaximumNetworkInterfaces != tc.enis || it.IPv4AddressesPerInterface != tc.ips {
				t.Errorf("got %d x %d ENIs, want %d x %d", it.MaximumNetworkInterfaces,
					it.IPv4AddressesPerInterface, tc.enis, tc.ips)
			}
			if it.Architectures[0] != tc.arch || it.Hypervisor != tc.hyper || it.ProcessorManufacturer != tc.cpuMaker {
				t.Errorf("got %v %q %s, want %s %q %s", it.Architectures, it.Hypervisor,
					it.ProcessorManufacturer, tc.arch, tc.hyper, tc.cpuMaker)
			}
			if it.CurrentGeneration != tc.current || it.BareMetal != tc.metal {
				t.Errorf("current %v metal %v, want %v %v", it.CurrentGeneration, it.BareMetal, tc.current, tc.metal)
			}
			if diff := it.OnDemandPricePerHour - tc.price; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("price %v, want %v", it.OnDemandPricePerHour, tc.price)
			}
			checkGPU(t, it, tc.gpu, tc.maker, tc.gpus, tc.gpuMiB)
		})
	}
}

func TestAcceleratorChips(t *testing.T) {
	tests := []struct {
		name, chip string
		count      int32
	}{
		{"inf1.xlarge", "inferentia", 1},
		{"inf1.24xlarge", "inferentia", 16},
		{"inf2.48xlarge", "inferentia2", 12},
		{"trn1.32xlarge", "trainium", 16},
	}
	all := ByName()
	for _, tc := range tests {
		acc := all[tc.name].Accelerators
		if len(acc) != 1 || acc[0].Name != tc.chip || acc[0].Count != tc.count || acc[0].Manufacturer != "AWS" {
			t.Errorf("%s: accelerators %+v, want %d x %s", tc.name, acc, tc.count, tc.chip)
		}
	}
}

// TestMaxPods checks the VPC CNI max-pods figure the ENI limits imply:
// ENIs x (IPs per ENI - 1) + 2.
func TestMaxPods(t *testing.T) {
	want := map[string]int32{
		"t3.nano": 4, "t3.small": 11, "t3a.small": 8, "t3.large": 35, "m5.large": 29,
		"m5.xlarge": 58, "m5.4xlarge": 234, "m5.24xlarge": 737, "c6g.medium": 8, "m4.large": 20,
		"m4.16xlarge": 234, "z1d.3xlarge": 234, "z1d.12xlarge": 737, "i3en.3xlarge": 58,
		"i4i.24xlarge": 437, "d3.xlarge": 10, "d3en.12xlarge": 89, "g4dn.16xlarge": 58,
		"g5.12xlarge": 737, "g5.16xlarge": 234, "g6e.12xlarge": 292, "inf1.24xlarge": 321,
		"trn1.32xlarge": 247, "p5.48xlarge": 100,
	}
	all := ByName()
	for name, pods := range want {
		it := all[name]
		if got := it.MaximumNetworkInterfaces*(it.IPv4AddressesPerInterface-1) + 2; got != pods {
			t.Errorf("%s: max pods %d, want %d", name, got, pods)
		}
	}
}

func TestDefaultReturnsCopies(t *testing.T) {
	first := Default()
	first[0].Name = "changed"
	first[0].Architectures[0] = "changed"
	byName := ByName()
	it := byName["g4dn.xlarge"]
	it.GPUs[0].Count = 99
	again := Default()
	if again[0].Name == "changed" || again[0].Architectures[0] == "changed" {
		t.Error("Default shares memory between calls")
	}
	if ByName()["g4dn.xlarge"].GPUs[0].Count != 1 {
		t.Error("ByName shares GPU slices between calls")
	}
	if got, ok := Lookup("m5.large"); !ok || got.VCPUs != 2 {
		t.Errorf("Lookup(m5.large) = %+v, %v", got, ok)
	}
	if _, ok := Lookup("nope.large"); ok {
		t.Error("Lookup found a type that does not exist")
	}
}

func checkGPU(t *testing.T, it InstanceType, name, maker string, count int32, mib int64) {
	t.Helper()
	if name == "" {
		if len(it.GPUs) != 0 {
			t.Errorf("unexpected GPUs %+v", it.GPUs)
		}
		return
	}
	if len(it.GPUs) != 1 {
		t.Fatalf("GPUs %+v, want one %s group", it.GPUs, name)
	}
	g := it.GPUs[0]
	if g.Name != name || g.Manufacturer != maker || g.Count != count || g.MemoryMiB != mib {
		t.Errorf("GPU %+v, want %d x %s %s %d MiB", g, count, maker, name, mib)
	}
}

// dominates reports whether a has at least as much of every resource as b and
// strictly more of at least one.
func dominates(a, b InstanceType) bool {
	ra, rb := resources(a), resources(b)
	more := false
	for i := range ra {
		if ra[i] < rb[i] {
			return false
		}
		if ra[i] > rb[i] {
			more = true
		}
	}
	return more
}

func sameShape(a, b InstanceType) bool { return resources(a) == resources(b) }

func resources(it InstanceType) [5]int64 {
	return [5]int64{int64(it.VCPUs), it.MemoryMiB, devices(it.GPUs), devices(it.Accelerators), it.LocalNVMeGB}
}

func devices(ds []Accelerator) int64 {
	var n int64
	for _, d := range ds {
		n += int64(d.Count)
	}
	return n
}

func hasDevices(types []InstanceType) bool {
	for _, it := range types {
		if len(it.GPUs)+len(it.Accelerators) > 0 {
			return true
		}
	}
	return false
}
