package catalog

// Size ladders and the network and EBS figures shared by families of one
// generation. Network figures are the performance string EC2 publishes and
// the baseline bandwidth in Mbps; EBS figures are the maximum EBS bandwidth
// in Mbps. Both are keyed by size name.

// sizes joins ladders into one new slice.
func sizes(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var (
	small4   = []string{"large", "xlarge", "2xlarge", "4xlarge"}
	gen5     = sizes(small4, []string{"8xlarge", "12xlarge", "16xlarge", "24xlarge"})
	gen5c    = sizes(small4, []string{"9xlarge", "12xlarge", "18xlarge", "24xlarge"})
	gen6     = sizes(gen5, []string{"32xlarge"})
	gen6a    = sizes(gen6, []string{"48xlarge"})
	gen7i    = sizes(gen5, []string{"48xlarge", "metal-24xl", "metal-48xl"})
	gen7a    = sizes([]string{"medium"}, gen6a, []string{"metal-48xl"})
	grav     = sizes([]string{"medium"}, small4, []string{"8xlarge", "12xlarge", "16xlarge"})
	grav4    = sizes(grav, []string{"24xlarge", "48xlarge", "metal-24xl", "metal-48xl"})
	metal    = []string{"metal"}
	upTo10G  = "Up to 10 Gigabit"
	upTo25G  = "Up to 25 Gigabit"
	upTo125G = "Up to 12.5 Gigabit"
)

// Fifth generation Intel (m5, c5, r5 and their d variants).
var (
	netGen5 = map[string]netTier{
		"large": {upTo10G, 750}, "xlarge": {upTo10G, 1250}, "2xlarge": {upTo10G, 2500},
		"4xlarge": {upTo10G, 5000}, "8xlarge": {"10 Gigabit", 10000}, "9xlarge": {"12 Gigabit", 12000},
		"12xlarge": {"12 Gigabit", 12000}, "16xlarge": {"20 Gigabit", 20000},
		"18xlarge": {"25 Gigabit", 25000}, "24xlarge": {"25 Gigabit", 25000}, "metal": {"25 Gigabit", 25000},
	}
	ebsGen5 = map[string]int32{
		"large": 4750, "xlarge": 4750, "2xlarge": 4750, "4xlarge": 4750, "8xlarge": 6800,
		"9xlarge": 9500, "12xlarge": 9500, "16xlarge": 13600, "18xlarge": 19000,
		"24xlarge": 19000, "metal": 19000,
	}
)

// Fifth generation network-optimized (m5n, r5n, c5n).
var (
	netN5 = map[string]netTier{
		"large": {upTo25G, 2100}, "xlarge": {upTo25G, 4100}, "2xlarge": {upTo25G, 8125},
		"4xlarge": {upTo25G, 16250}, "8xlarge": {"25 Gigabit", 25000}, "12xlarge": {"50 Gigabit", 50000},
		"16xlarge": {"75 Gigabit", 75000}, "24xlarge": {"100 Gigabit", 100000}, "metal": {"100 Gigabit", 100000},
	}
	netC5n = map[string]netTier{
		"large": {upTo25G, 3000}, "xlarge": {upTo25G, 5000}, "2xlarge": {upTo25G, 10000},
		"4xlarge": {upTo25G, 15000}, "9xlarge": {"50 Gigabit", 50000},
		"18xlarge": {"100 Gigabit", 100000}, "metal": {"100 Gigabit", 100000},
	}
)

// First generation AMD (m5a, r5a, c5a).
var (
	netAMD5 = map[string]netTier{
		"large": {upTo10G, 750}, "xlarge": {upTo10G, 1250}, "2xlarge": {upTo10G, 2500},
		"4xlarge": {upTo10G, 5000}, "8xlarge": {upTo10G, 7500}, "12xlarge": {"10 Gigabit", 10000},
		"16xlarge": {"12 Gigabit", 12000}, "24xlarge": {"20 Gigabit", 20000},
	}
	ebsAMD5 = map[string]int32{
		"large": 2880, "xlarge": 2880, "2xlarge": 2880, "4xlarge": 2880, "8xlarge": 4750,
		"12xlarge": 6780, "16xlarge": 9500, "24xlarge": 13750,
	}
	netC5a = map[string]netTier{
		"large": {upTo10G, 750}, "xlarge": {upTo10G, 1250}, "2xlarge": {upTo10G, 2500},
		"4xlarge": {upTo10G, 5000}, "8xlarge": {"10 Gigabit", 10000}, "12xlarge": {"12 Gigabit", 12000},
		"16xlarge": {"20 Gigabit", 20000}, "24xlarge": {"20 Gigabit", 20000},
	}
	ebsC5a = map[string]int32{
		"large": 3170, "xlarge": 3170, "2xlarge": 3170, "4xlarge": 3170, "8xlarge": 3170,
		"12xlarge": 4750, "16xlarge": 6300, "24xlarge": 9500,
	}
)

// Sixth and seventh generation Intel and AMD (m6i, c6a, m7i, r7a, ...).
var (
	netGen6 = map[string]netTier{
		"medium": {upTo125G, 390}, "large": {upTo125G, 781}, "xlarge": {upTo125G, 1562},
		"2xlarge": {upTo125G, 3125}, "4xlarge": {upTo125G, 6250}, "8xlarge": {"12.5 Gigabit", 12500},
		"12xlarge": {"18.75 Gigabit", 18750}, "16xlarge": {"25 Gigabit", 25000},
		"24xlarge": {"37.5 Gigabit", 37500}, "32xlarge": {"50 Gigabit", 50000},
		"48xlarge": {"50 Gigabit", 50000}, "metal": {"50 Gigabit", 50000},
		"metal-24xl": {"37.5 Gigabit", 37500}, "metal-48xl": {"50 Gigabit", 50000},
	}
	ebsGen6 = map[string]int32{
		"medium": 10000, "large": 10000, "xlarge": 10000, "2xlarge": 10000, "4xlarge": 10000,
		"8xlarge": 10000, "12xlarge": 15000, "16xlarge": 20000, "24xlarge": 30000,
		"32xlarge": 40000, "48xlarge": 40000, "metal": 40000, "metal-24xl": 30000, "metal-48xl": 40000,
	}
)

// Graviton2 (m6g, c6g, r6g and d variants; c6gn).
var (
	netGrav2 = map[string]netTier{
		"medium": {upTo10G, 500}, "large": {upTo10G, 750}, "xlarge": {upTo10G, 1250},
		"2xlarge": {upTo10G, 2500}, "4xlarge": {upTo10G, 5000}, "8xlarge": {"12 Gigabit", 12000},
		"12xlarge": {"20 Gigabit", 20000}, "16xlarge": {"25 Gigabit", 25000}, "metal": {"25 Gigabit", 25000},
	}
	ebsGrav2 = map[string]int32{
		"medium": 4750, "large": 4750, "xlarge": 4750, "2xlarge": 4750, "4xlarge": 4750,
		"8xlarge": 9000, "12xlarge": 13500, "16xlarge": 19000, "metal": 19000,
	}
	netC6gn = map[string]netTier{
		"medium": {upTo25G, 1600}, "large": {upTo25G, 3000}, "xlarge": {upTo25G, 6300},
		"2xlarge": {upTo25G, 12500}, "4xlarge": {upTo25G, 15000}, "8xlarge": {"50 Gigabit", 50000},
		"12xlarge": {"75 Gigabit", 75000}, "16xlarge": {"100 Gigabit", 100000},
	}
)

// Graviton3 and Graviton4 (m7g, c7g, r7g, c7gd; m8g, c8g, r8g).
var (
	netGrav3 = map[string]netTier{
		"medium": {upTo125G, 520}, "large": {upTo125G, 937}, "xlarge": {upTo125G, 1876},
		"2xlarge": {upTo125G, 3750}, "4xlarge": {"Up to 15 Gigabit", 7500}, "8xlarge": {"15 Gigabit", 15000},
		"12xlarge": {"22.5 Gigabit", 22500}, "16xlarge": {"30 Gigabit", 30000}, "metal": {"30 Gigabit", 30000},
	}
	ebsGrav3 = map[string]int32{
		"medium": 10000, "large": 10000, "xlarge": 10000, "2xlarge": 10000, "4xlarge": 10000,
		"8xlarge": 10000, "12xlarge": 15000, "16xlarge": 20000, "metal": 20000,
	}
	netGrav4 = merge(netGrav3, map[string]netTier{
		"24xlarge": {"40 Gigabit", 40000}, "48xlarge": {"50 Gigabit", 50000},
		"metal-24xl": {"40 Gigabit", 40000}, "metal-48xl": {"50 Gigabit", 50000},
	})
	ebsGrav4 = merge(ebsGrav3, map[string]int32{
		"24xlarge": 30000, "48xlarge": 40000, "metal-24xl": 30000, "metal-48xl": 40000,
	})
)

// Previous generation Xen families (m4, c4, r4) and i3, which shares r4's
// network ladder.
var (
	netM4 = map[string]netTier{
		"large": {"Moderate", 450}, "xlarge": {"High", 750}, "2xlarge": {"High", 1000},
		"4xlarge": {"High", 2000}, "10xlarge": {"10 Gigabit", 10000}, "16xlarge": {"25 Gigabit", 25000},
	}
	ebsM4 = map[string]int32{
		"large": 450, "xlarge": 750, "2xlarge": 1000, "4xlarge": 2000, "10xlarge": 4000, "16xlarge": 10000,
	}
	netC4 = map[string]netTier{
		"large": {"Moderate", 625}, "xlarge": {"High", 1250}, "2xlarge": {"High", 2500},
		"4xlarge": {"High", 5000}, "8xlarge": {"10 Gigabit", 10000},
	}
	ebsC4 = map[string]int32{"large": 500, "xlarge": 750, "2xlarge": 1000, "4xlarge": 2000, "8xlarge": 4000}
	netR4 = map[string]netTier{
		"large": {upTo10G, 750}, "xlarge": {upTo10G, 1250}, "2xlarge": {upTo10G, 2500},
		"4xlarge": {upTo10G, 5000}, "8xlarge": {"10 Gigabit", 10000}, "16xlarge": {"25 Gigabit", 25000},
		"metal": {"25 Gigabit", 25000},
	}
	ebsR4 = map[string]int32{
		"large": 3500, "xlarge": 3500, "2xlarge": 3500, "4xlarge": 3500, "8xlarge": 7000, "16xlarge": 14000,
	}
	ebsI3 = map[string]int32{
		"large": 425, "xlarge": 850, "2xlarge": 1700, "4xlarge": 3500, "8xlarge": 7000,
		"16xlarge": 14000, "metal": 19000,
	}
)

// Storage and high-frequency families (i3en, i4i, i4g, d3, d3en, z1d, x2i).
var (
	netI3en = map[string]netTier{
		"large": {upTo25G, 2100}, "xlarge": {upTo25G, 4200}, "2xlarge": {upTo25G, 8400},
		"3xlarge": {upTo25G, 12500}, "6xlarge": {"25 Gigabit", 25000}, "12xlarge": {"50 Gigabit", 50000},
		"24xlarge": {"100 Gigabit", 100000}, "metal": {"100 Gigabit", 100000},
	}
	ebsI3en = map[string]int32{
		"large": 4750, "xlarge": 4750, "2xlarge": 4750, "3xlarge": 4750, "6xlarge": 4750,
		"12xlarge": 9500, "24xlarge": 19000, "metal": 19000,
	}
	netI4 = map[string]netTier{
		"large": {upTo10G, 781}, "xlarge": {upTo25G, 1875}, "2xlarge": {upTo25G, 4687},
		"4xlarge": {upTo25G, 9375}, "8xlarge": {"18.75 Gigabit", 18750}, "12xlarge": {"28.125 Gigabit", 28125},
		"16xlarge": {"37.5 Gigabit", 37500}, "24xlarge": {"56.25 Gigabit", 56250},
		"32xlarge": {"75 Gigabit", 75000}, "metal": {"75 Gigabit", 75000},
	}
	netD3 = map[string]netTier{
		"xlarge": {"Up to 15 Gigabit", 3000}, "2xlarge": {"Up to 15 Gigabit", 6000},
		"4xlarge": {"Up to 15 Gigabit", 12500}, "8xlarge": {"25 Gigabit", 25000},
	}
	ebsD3   = map[string]int32{"xlarge": 2800, "2xlarge": 2800, "4xlarge": 2800, "8xlarge": 5000}
	netD3en = map[string]netTier{
		"xlarge": {upTo25G, 6000}, "2xlarge": {upTo25G, 12500}, "4xlarge": {"25 Gigabit", 25000},
		"6xlarge": {"40 Gigabit", 40000}, "8xlarge": {"50 Gigabit", 50000}, "12xlarge": {"75 Gigabit", 75000},
	}
	ebsD3en = map[string]int32{
		"xlarge": 2800, "2xlarge": 2800, "4xlarge": 2800, "6xlarge": 4000, "8xlarge": 5000, "12xlarge": 7000,
	}
	netZ1d = map[string]netTier{
		"large": {upTo10G, 750}, "xlarge": {upTo10G, 1250}, "2xlarge": {upTo10G, 2500},
		"3xlarge": {upTo10G, 5000}, "6xlarge": {"12 Gigabit", 12000}, "12xlarge": {"25 Gigabit", 25000},
		"metal": {"25 Gigabit", 25000},
	}
	ebsZ1d = map[string]int32{
		"large": 3170, "xlarge": 3170, "2xlarge": 3170, "3xlarge": 4750, "6xlarge": 9500,
		"12xlarge": 19000, "metal": 19000,
	}
	netX2i = map[string]netTier{
		"xlarge": {upTo25G, 1875}, "2xlarge": {upTo25G, 5000}, "4xlarge": {upTo25G, 12500},
		"8xlarge": {"25 Gigabit", 25000}, "16xlarge": {"50 Gigabit", 50000}, "24xlarge": {"75 Gigabit", 75000},
		"32xlarge": {"100 Gigabit", 100000}, "metal": {"100 Gigabit", 100000},
	}
	ebsX2i = map[string]int32{
		"xlarge": 20000, "2xlarge": 20000, "4xlarge": 20000, "8xlarge": 20000, "16xlarge": 40000,
		"24xlarge": 60000, "32xlarge": 80000, "metal": 80000,
	}
)

// merge returns a new map holding base overlaid with extra.
func merge[V any](base, extra map[string]V) map[string]V {
	out := make(map[string]V, len(base)+len(extra))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}
