package catalog

// General purpose families: M (4 GiB per vCPU) and the burstable T families.
//
// Prices are us-west-2 Linux on-demand list prices, written as the price of
// one size divided by its vCPUs (EC2 prices are linear within a family), so
// every size is that per-vCPU rate times its vCPUs. Bare-metal sizes that EC2
// prices above the linear rate carry their own price in fixes.

func generalFamilies() []family {
	return []family{
		{
			name: "m4", cpu: intel, clockGHz: 2.4, previousGen: true, xen: true,
			memPerVCPU: 4, vcpuPrice: 0.100 / 2,
			sizes: []string{"large", "xlarge", "2xlarge", "4xlarge", "10xlarge", "16xlarge"},
			net:   netM4, ebs: ebsM4,
			fixes: map[string]sizeFix{
				"large":    {eni: eniLimit{2, 10}},
				"16xlarge": {eni: eniLimit{8, 30}},
			},
		},
		{
			name: "m5", cpu: intel, clockGHz: 3.1, memPerVCPU: 4, vcpuPrice: 0.096 / 2,
			sizes: sizes(gen5, metal), metalVCPUs: 96, net: netGen5, ebs: ebsGen5,
		},
		{
			name: "m5d", cpu: intel, clockGHz: 3.1, memPerVCPU: 4, vcpuPrice: 0.113 / 2,
			nvmePerVCPU: 37.5, sizes: sizes(gen5, metal), metalVCPUs: 96, net: netGen5, ebs: ebsGen5,
		},
		{
			name: "m5a", cpu: amd, clockGHz: 2.5, memPerVCPU: 4, vcpuPrice: 0.086 / 2,
			sizes: gen5, net: netAMD5, ebs: ebsAMD5,
		},
		{
			name: "m5n", cpu: intel, clockGHz: 3.1, memPerVCPU: 4, vcpuPrice: 0.119 / 2,
			sizes: sizes(gen5, metal), metalVCPUs: 96, net: netN5, ebs: ebsGen5,
			efa: []string{"24xlarge", "metal"}, encrypt: true,
		},
		{
			name: "m6i", cpu: intel, clockGHz: 3.5, memPerVCPU: 4, vcpuPrice: 0.096 / 2,
			sizes: sizes(gen6, metal), metalVCPUs: 128, net: netGen6, ebs: ebsGen6,
			efa: []string{"32xlarge", "metal"}, encrypt: true,
		},
		{
			name: "m6id", cpu: intel, clockGHz: 3.5, memPerVCPU: 4, vcpuPrice: 0.11865 / 2,
			nvmePerVCPU: 59.375, sizes: sizes(gen6, metal), metalVCPUs: 128, net: netGen6, ebs: ebsGen6,
			efa: []string{"32xlarge", "metal"}, encrypt: true,
		},
		{
			name: "m6a", cpu: amd, clockGHz: 3.6, memPerVCPU: 4, vcpuPrice: 0.0864 / 2,
			sizes: sizes(gen6a, metal), metalVCPUs: 192, net: netGen6, ebs: ebsGen6,
			efa: []string{"48xlarge", "metal"}, encrypt: true,
		},
		{
			name: "m6g", cpu: graviton, clockGHz: 2.5, memPerVCPU: 4, vcpuPrice: 0.077 / 2,
			sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav2, ebs: ebsGrav2,
			fixes: map[string]sizeFix{"metal": {price: 2.6112}},
		},
		{
			name: "m6gd", cpu: graviton, clockGHz: 2.5, memPerVCPU: 4, vcpuPrice: 0.0904 / 2,
			nvmePerVCPU: 59.375, sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav2, ebs: ebsGrav2,
			fixes: map[string]sizeFix{"metal": {price: 3.0664}},
		},
		{
			name: "m7i", cpu: intel, clockGHz: 3.2, memPerVCPU: 4, vcpuPrice: 0.1008 / 2,
			sizes: gen7i, net: netGen6, ebs: ebsGen6,
			efa: []string{"48xlarge", "metal-48xl"}, encrypt: true,
			fixes: map[string]sizeFix{"metal-24xl": {price: 5.32224}},
		},
		{
			name: "m7a", cpu: amd, clockGHz: 3.7, memPerVCPU: 4, vcpuPrice: 0.11592 / 2,
			sizes: gen7a, net: netGen6, ebs: ebsGen6,
			efa: []string{"48xlarge", "metal-48xl"}, encrypt: true,
		},
		{
			name: "m7g", cpu: graviton, clockGHz: 2.6, memPerVCPU: 4, vcpuPrice: 0.0816 / 2,
			sizes: sizes(grav, metal), metalVCPUs: 64, net: netGrav3, ebs: ebsGrav3,
			efa: []string{"16xlarge", "metal"}, encrypt: true,
		},
		{
			name: "m8g", cpu: graviton, clockGHz: 2.8, memPerVCPU: 4, vcpuPrice: 0.08976 / 2,
			sizes: grav4, net: netGrav4, ebs: ebsGrav4,
			efa: []string{"24xlarge", "48xlarge", "metal-24xl", "metal-48xl"}, encrypt: true,
			fixes: map[string]sizeFix{"metal-24xl": {price: 4.73933}},
		},
	}
}

// burstableFamilies are the T families. They are listed size by size because
// their memory and price double per size while vCPUs do not.
func burstableFamilies() []listedFamily {
	return []listedFamily{
		{
			name: "t3", cpu: intel, clockGHz: 2.5, burstable: true,
			rows: burstableRows(eniLimit{3, 4},
				[7]float64{0.0052, 0.0104, 0.0208, 0.0416, 0.0832, 0.1664, 0.3328}),
		},
		{
			name: "t3a", cpu: amd, clockGHz: 2.2, burstable: true,
			rows: burstableRows(eniLimit{2, 4},
				[7]float64{0.0047, 0.0094, 0.0188, 0.0376, 0.0752, 0.1504, 0.3008}),
		},
		{
			name: "t4g", cpu: graviton, clockGHz: 2.5, burstable: true,
			rows: burstableRows(eniLimit{3, 4},
				[7]float64{0.0042, 0.0084, 0.0168, 0.0336, 0.0672, 0.1344, 0.2688}),
		},
	}
}

// burstableRows builds the nano to 2xlarge ladder shared by t3, t3a and t4g.
// Only the small size's interface limit and the prices differ between them.
func burstableRows(small eniLimit, prices [7]float64) []row {
	const perf = "Up to 5 Gigabit"
	rows := []row{
		{size: "nano", vcpus: 2, memGiB: 0.5, eni: eniLimit{2, 2}, net: netTier{perf, 32}, ebsMbps: 2085},
		{size: "micro", vcpus: 2, memGiB: 1, eni: eniLimit{2, 2}, net: netTier{perf, 64}, ebsMbps: 2085},
		{size: "small", vcpus: 2, memGiB: 2, eni: small, net: netTier{perf, 128}, ebsMbps: 2085},
		{size: "medium", vcpus: 2, memGiB: 4, eni: eniLimit{3, 6}, net: netTier{perf, 256}, ebsMbps: 2085},
		{size: "large", vcpus: 2, memGiB: 8, eni: eniLimit{3, 12}, net: netTier{perf, 512}, ebsMbps: 2780},
		{size: "xlarge", vcpus: 4, memGiB: 16, eni: eniLimit{4, 15}, net: netTier{perf, 1024}, ebsMbps: 2780},
		{size: "2xlarge", vcpus: 8, memGiB: 32, eni: eniLimit{4, 15}, net: netTier{perf, 2048}, ebsMbps: 2780},
	}
	for i := range rows {
		rows[i].price = prices[i]
	}
	return rows
}
