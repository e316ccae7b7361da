package catalog

// Compute optimized families: C (2 GiB per vCPU, except c5n and c4).
// Prices follow the same rule as families_general.go: a per-vCPU rate taken
// from one published size, with fixes where EC2 departs from linear.

func computeFamilies() []family {
	return append(computeIntelAMD(), computeGraviton()...)
}

// computeIntelAMD holds the x86_64 C families.
func computeIntelAMD() []family {
	return []family{
		{
			name: "c4", cpu: intel, clockGHz: 2.9, previousGen: true, xen: true,
			memPerVCPU: 1.875, vcpuPrice: 0.199 / 4,
			sizes: []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge"},
			net:   netC4, ebs: ebsC4,
			fixes: map[string]sizeFix{
				"large":   {price: 0.100},
				"8xlarge": {vcpus: 36, memGiB: 60, price: 1.591},
			},
		},
		{
			name: "c5", cpu: intel, clockGHz: 3.4, memPerVCPU: 2, vcpuPrice: 0.085 / 2,
			sizes: sizes(gen5c, metal), metalVCPUs: 96, net: netGen5, ebs: ebsGen5,
		},
		{
			name: "c5d", cpu: intel, clockGHz: 3.4, memPerVCPU: 2, vcpuPrice: 0.096 / 2,
			nvmePerVCPU: 25, sizes: sizes(gen5c, metal), metalVCPUs: 96, net: netGen5, ebs: ebsGen5,
			fixes: map[string]sizeFix{
				"12xlarge": {nvmeGB: 1800},
				"24xlarge": {nvmeGB: 3600},
				"metal":    {nvmeGB: 3600},
			},
		},
		{
			name: "c5a", cpu: amd, clockGHz: 3.3, memPerVCPU: 2, vcpuPrice: 0.077 / 2,
			sizes: gen5, net: netC5a, ebs: ebsC5a, encrypt: true,
		},
		{
			name: "c5n", cpu: intel, clockGHz: 3.0, memPerVCPU: 2.625, vcpuPrice: 0.108 / 2,
			sizes:      sizes(small4, []string{"9xlarge", "18xlarge", "metal"}),
			metalVCPUs: 72, net: netC5n, ebs: ebsGen5,
			efa: []string{"18xlarge", "metal"}, encrypt: true,
			fixes: map[string]sizeFix{
				"9xlarge":  {memGiB: 96},
				"18xlarge": {memGiB: 192},
				"metal":    {memGiB: 192},
			},
		},
		{
			name: "c6i", cpu: intel, clockGHz: 3.5, memPerVCPU: 2, vcpuPrice: 0.085 / 2,
			sizes: sizes(gen6, metal), metalVCPUs: 128, net: netGen6, ebs: ebsGen6,
			efa: []string{"32xlarge", "metal"}, encrypt: true,
		},
		{
			name: "c6id", cpu: intel, clockGHz: 3.5, memPerVCPU: 2, vcpuPrice: 0.1008 / 2,
			nvmePerVCPU: 59.375, sizes: sizes(gen6, metal), metalVCPUs: 128, net: netGen6, ebs: ebsGen6,
			efa: []string{"32xlarge", "metal"}, encrypt: true,
		},
		{
			name: "c6a", cpu: amd, clockGHz: 3.6, memPerVCPU: 2, vcpuPrice: 0.0765 / 2,
			sizes: sizes(gen6a, metal), metalVCPUs: 192, net: netGen6, ebs: ebsGen6,
			efa: []string{"48xlarge", "metal"}, encrypt: true,
		},
		{
			name: "c7i", cpu: intel, clockGHz: 3.2, memPerVCPU: 2, vcpuPrice: 0.08925 / 2,
			sizes: gen7i, net: netGen6, ebs: ebsGen6,
			efa: []string{"48xlarge", "metal-48xl"}, encrypt: true,
			fixes: map[string]sizeFix{"metal-24xl": {price: 4.7124}},
		},
		{
			name: "c7a", cpu: amd, clockGHz: 3.7, memPerVCPU: 2, vcpuPrice: 0.10264 / 2,
			sizes: gen7a, net: netGen6, ebs: ebsGen6,
			efa: []string{"48xlarge", "metal-48xl"}, encrypt: true,
		},
	}
}

// computeGraviton holds the arm64 C families.
func computeGraviton() []family {
	return []family{
		{
			name: "c6g", cpu: graviton, clockGHz: 2.5, memPerVCPU: 2, vcpuPrice: 0.068 / 2,
			sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav2, ebs: ebsGrav2,
			fixes: map[string]sizeFix{"metal": {price: 2.3066}},
		},
		{
			name: "c6gd", cpu: graviton, clockGHz: 2.5, memPerVCPU: 2, vcpuPrice: 0.0768 / 2,
			nvmePerVCPU: 59.375, sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav2, ebs: ebsGrav2,
			fixes: map[string]sizeFix{"metal": {price: 2.6051}},
		},
		{
			name: "c6gn", cpu: graviton, clockGHz: 2.5, memPerVCPU: 2, vcpuPrice: 0.0864 / 2,
			sizes: grav, net: netC6gn, ebs: ebsGrav2,
			efa: []string{"16xlarge"}, encrypt: true,
		},
		{
			name: "c7g", cpu: graviton, clockGHz: 2.6, memPerVCPU: 2, vcpuPrice: 0.0725 / 2,
			sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav3, ebs: ebsGrav3,
			efa: []string{"16xlarge", "metal"}, encrypt: true,
		},
		{
			name: "c7gd", cpu: graviton, clockGHz: 2.6, memPerVCPU: 2, vcpuPrice: 0.0907 / 2,
			nvmePerVCPU: 59.375, sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav3, ebs: ebsGrav3,
			efa: []string{"16xlarge", "metal"}, encrypt: true,
		},
		{
			name: "c8g", cpu: graviton, clockGHz: 2.8, memPerVCPU: 2, vcpuPrice: 0.07976 / 2,
			sizes: grav4, net: netGrav4, ebs: ebsGrav4,
			efa: []string{"24xlarge", "48xlarge", "metal-24xl", "metal-48xl"}, encrypt: true,
			fixes: map[string]sizeFix{"metal-24xl": {price: 4.21133}},
		},
	}
}
