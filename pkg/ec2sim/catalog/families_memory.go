package catalog

// Memory optimized (R at 8 GiB per vCPU, X2 at 16 or 32, z1d) and storage
// optimized (I, D) families. Prices follow the rule in families_general.go.

func memoryFamilies() []family {
	return append(memoryIntelAMD(), memoryGravitonAndX()...)
}

// memoryIntelAMD holds the x86_64 R families.
func memoryIntelAMD() []family {
	return []family{
		{
			name: "r4", cpu: intel, clockGHz: 2.3, previousGen: true, xen: true,
			memPerVCPU: 7.625, vcpuPrice: 0.133 / 2,
			sizes: []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"},
			net:   netR4, ebs: ebsR4,
		},
		{
			name: "r5", cpu: intel, clockGHz: 3.1, memPerVCPU: 8, vcpuPrice: 0.126 / 2,
			sizes: sizes(gen5, metal), metalVCPUs: 96, net: netGen5, ebs: ebsGen5,
		},
		{
			name: "r5d", cpu: intel, clockGHz: 3.1, memPerVCPU: 8, vcpuPrice: 0.144 / 2,
			nvmePerVCPU: 37.5, sizes: sizes(gen5, metal), metalVCPUs: 96, net: netGen5, ebs: ebsGen5,
		},
		{
			name: "r5a", cpu: amd, clockGHz: 2.5, memPerVCPU: 8, vcpuPrice: 0.113 / 2,
			sizes: gen5, net: netAMD5, ebs: ebsAMD5,
		},
		{
			name: "r5n", cpu: intel, clockGHz: 3.1, memPerVCPU: 8, vcpuPrice: 0.149 / 2,
			sizes: sizes(gen5, metal), metalVCPUs: 96, net: netN5, ebs: ebsGen5,
			efa: []string{"24xlarge", "metal"}, encrypt: true,
		},
		{
			name: "r6i", cpu: intel, clockGHz: 3.5, memPerVCPU: 8, vcpuPrice: 0.126 / 2,
			sizes: sizes(gen6, metal), metalVCPUs: 128, net: netGen6, ebs: ebsGen6,
			efa: []string{"32xlarge", "metal"}, encrypt: true,
		},
		{
			name: "r6id", cpu: intel, clockGHz: 3.5, memPerVCPU: 8, vcpuPrice: 0.1512 / 2,
			nvmePerVCPU: 59.375, sizes: sizes(gen6, metal), metalVCPUs: 128, net: netGen6, ebs: ebsGen6,
			efa: []string{"32xlarge", "metal"}, encrypt: true,
		},
		{
			name: "r6a", cpu: amd, clockGHz: 3.6, memPerVCPU: 8, vcpuPrice: 0.1134 / 2,
			sizes: sizes(gen6a, metal), metalVCPUs: 192, net: netGen6, ebs: ebsGen6,
			efa: []string{"48xlarge", "metal"}, encrypt: true,
		},
		{
			name: "r7i", cpu: intel, clockGHz: 3.2, memPerVCPU: 8, vcpuPrice: 0.1323 / 2,
			sizes: gen7i, net: netGen6, ebs: ebsGen6,
			efa: []string{"48xlarge", "metal-48xl"}, encrypt: true,
			fixes: map[string]sizeFix{"metal-24xl": {price: 6.98544}},
		},
		{
			name: "r7a", cpu: amd, clockGHz: 3.7, memPerVCPU: 8, vcpuPrice: 0.15215 / 2,
			sizes: gen7a, net: netGen6, ebs: ebsGen6,
			efa: []string{"48xlarge", "metal-48xl"}, encrypt: true,
		},
	}
}

// memoryGravitonAndX holds the arm64 R families and the X2 and z1d families.
func memoryGravitonAndX() []family {
	return []family{
		{
			name: "r6g", cpu: graviton, clockGHz: 2.5, memPerVCPU: 8, vcpuPrice: 0.1008 / 2,
			sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav2, ebs: ebsGrav2,
			fixes: map[string]sizeFix{"metal": {price: 3.4191}},
		},
		{
			name: "r6gd", cpu: graviton, clockGHz: 2.5, memPerVCPU: 8, vcpuPrice: 0.1152 / 2,
			nvmePerVCPU: 59.375, sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav2, ebs: ebsGrav2,
			fixes: map[string]sizeFix{"metal": {price: 3.9076}},
		},
		{
			name: "r7g", cpu: graviton, clockGHz: 2.6, memPerVCPU: 8, vcpuPrice: 0.1071 / 2,
			sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav3, ebs: ebsGrav3,
			efa: []string{"16xlarge", "metal"}, encrypt: true,
		},
		{
			name: "r8g", cpu: graviton, clockGHz: 2.8, memPerVCPU: 8, vcpuPrice: 0.11782 / 2,
			sizes: grav4, net: netGrav4, ebs: ebsGrav4,
			efa: []string{"24xlarge", "48xlarge", "metal-24xl", "metal-48xl"}, encrypt: true,
			fixes: map[string]sizeFix{"metal-24xl": {price: 6.2209}},
		},
		{
			name: "x2idn", cpu: intel, clockGHz: 3.5, memPerVCPU: 16, vcpuPrice: 6.669 / 64,
			nvmePerVCPU: 29.6875, sizes: []string{"16xlarge", "24xlarge", "32xlarge", "metal"},
			metalVCPUs: 128, net: netX2i, ebs: ebsX2i,
			efa: []string{"32xlarge", "metal"}, encrypt: true,
		},
		{
			name: "x2iedn", cpu: intel, clockGHz: 3.5, memPerVCPU: 32, vcpuPrice: 13.338 / 64,
			nvmePerVCPU: 29.6875,
			sizes: []string{"xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "24xlarge",
				"32xlarge", "metal"},
			metalVCPUs: 128, net: netX2i, ebs: ebsX2i,
			efa: []string{"32xlarge", "metal"}, encrypt: true,
		},
		{
			name: "z1d", cpu: intel, clockGHz: 4.0, memPerVCPU: 8, vcpuPrice: 0.186 / 2,
			nvmePerVCPU: 37.5,
			sizes:       []string{"large", "xlarge", "2xlarge", "3xlarge", "6xlarge", "12xlarge", "metal"},
			metalVCPUs:  48, net: netZ1d, ebs: ebsZ1d,
			fixes: map[string]sizeFix{
				"12xlarge": {eni: eniLimit{15, 50}},
				"metal":    {eni: eniLimit{15, 50}},
			},
		},
	}
}

// storageFamilies are the I (NVMe SSD) and D (dense HDD) families. For D
// types LocalNVMeGB counts their hard disks, which EC2 exposes over NVMe.
func storageFamilies() []family {
	return []family{
		{
			name: "i3", cpu: intel, clockGHz: 2.3, xen: true, memPerVCPU: 7.625, vcpuPrice: 0.156 / 2,
			nvmePerVCPU: 237.5, sizes: sizes(small4, []string{"8xlarge", "16xlarge", "metal"}),
			metalVCPUs: 72, net: netR4, ebs: ebsI3,
			fixes: map[string]sizeFix{"metal": {memGiB: 512, nvmeGB: 15200, price: 4.992}},
		},
		{
			name: "i3en", cpu: intel, clockGHz: 3.1, memPerVCPU: 8, vcpuPrice: 0.226 / 2,
			nvmePerVCPU: 625,
			sizes: []string{"large", "xlarge", "2xlarge", "3xlarge", "6xlarge", "12xlarge",
				"24xlarge", "metal"},
			metalVCPUs: 96, net: netI3en, ebs: ebsI3en,
			efa: []string{"24xlarge", "metal"}, encrypt: true,
			fixes: map[string]sizeFix{"3xlarge": {eni: eniLimit{4, 15}}},
		},
		{
			name: "i4i", cpu: intel, clockGHz: 3.5, memPerVCPU: 8, vcpuPrice: 10.9824 / 128,
			nvmePerVCPU: 234.375, sizes: sizes(gen6, metal), metalVCPUs: 128, net: netI4, ebs: ebsGen6,
			efa: []string{"32xlarge", "metal"}, encrypt: true,
			fixes: map[string]sizeFix{"24xlarge": {eni: eniLimit{15, 30}}},
		},
		{
			name: "i4g", cpu: graviton, clockGHz: 2.5, memPerVCPU: 8, vcpuPrice: 0.15444 / 2,
			nvmePerVCPU: 234.375, sizes: sizes(small4, []string{"8xlarge", "16xlarge"}),
			net: netI4, ebs: ebsGrav3, efa: []string{"16xlarge"}, encrypt: true,
		},
		{
			name: "d3", cpu: intel, clockGHz: 3.1, memPerVCPU: 8, vcpuPrice: 3.99552 / 32,
			nvmePerVCPU: 1485, sizes: []string{"xlarge", "2xlarge", "4xlarge", "8xlarge"},
			net: netD3, ebs: ebsD3, encrypt: true,
			fixes: map[string]sizeFix{
				"xlarge":  {eni: eniLimit{4, 3}},
				"2xlarge": {eni: eniLimit{4, 5}},
				"4xlarge": {eni: eniLimit{4, 10}},
				"8xlarge": {eni: eniLimit{3, 20}},
			},
		},
		{
			name: "d3en", cpu: intel, clockGHz: 3.1, memPerVCPU: 4, vcpuPrice: 6.30864 / 48,
			nvmePerVCPU: 6990,
			sizes:       []string{"xlarge", "2xlarge", "4xlarge", "6xlarge", "8xlarge", "12xlarge"},
			net:         netD3en, ebs: ebsD3en, encrypt: true,
			fixes: map[string]sizeFix{
				"xlarge":   {eni: eniLimit{4, 3}},
				"2xlarge":  {eni: eniLimit{4, 5}},
				"4xlarge":  {eni: eniLimit{4, 10}},
				"6xlarge":  {eni: eniLimit{4, 15}},
				"8xlarge":  {eni: eniLimit{4, 20}},
				"12xlarge": {eni: eniLimit{3, 30}},
			},
		},
	}
}
