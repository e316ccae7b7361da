package catalog

// Accelerated families: NVIDIA and AMD GPUs (G, P) and AWS Inferentia and
// Trainium chips (inf, trn). Their sizes mix GPU counts, so each size is
// listed in full with its published price.
//
// Row columns: size, vCPUs, memory GiB, devices, local NVMe GB, interfaces,
// network, max EBS Mbps, EFA, USD per hour. For multi-card types the
// interface limit is the default network card's (what max pods uses).

// Device descriptions; memory is per device in MiB as EC2 reports it.
var (
	gpuT4    = Accelerator{Name: "t4", Manufacturer: "NVIDIA", MemoryMiB: 16384}
	gpuT4g   = Accelerator{Name: "t4g", Manufacturer: "NVIDIA", MemoryMiB: 16384}
	gpuV520  = Accelerator{Name: "radeon pro v520", Manufacturer: "AMD", MemoryMiB: 8192}
	gpuA10G  = Accelerator{Name: "a10g", Manufacturer: "NVIDIA", MemoryMiB: 24576}
	gpuL4    = Accelerator{Name: "l4", Manufacturer: "NVIDIA", MemoryMiB: 22888}
	gpuL40S  = Accelerator{Name: "l40s", Manufacturer: "NVIDIA", MemoryMiB: 45776}
	gpuV100  = Accelerator{Name: "v100", Manufacturer: "NVIDIA", MemoryMiB: 16384}
	gpuV100b = Accelerator{Name: "v100", Manufacturer: "NVIDIA", MemoryMiB: 32768}
	gpuA100  = Accelerator{Name: "a100", Manufacturer: "NVIDIA", MemoryMiB: 40960}
	gpuH100  = Accelerator{Name: "h100", Manufacturer: "NVIDIA", MemoryMiB: 81920}
	chipInf1 = Accelerator{Name: "inferentia", Manufacturer: "AWS", MemoryMiB: 8192}
	chipInf2 = Accelerator{Name: "inferentia2", Manufacturer: "AWS", MemoryMiB: 32768}
	chipTrn1 = Accelerator{Name: "trainium", Manufacturer: "AWS", MemoryMiB: 32768}
)

func acceleratedFamilies() []listedFamily {
	return append(gpuFamilies(), append(gpuFamiliesLarge(), chipFamilies()...)...)
}

// gpuFamilies holds the G families up to g5g.
func gpuFamilies() []listedFamily {
	return []listedFamily{
		{name: "g4dn", cpu: intel, clockGHz: 2.5, encrypt: true, device: &gpuT4, gpu: true, rows: []row{
			{"xlarge", 4, 16, 1, 125, eniLimit{3, 10}, netTier{upTo25G, 5000}, 3500, false, 0.526},
			{"2xlarge", 8, 32, 1, 225, eniLimit{3, 10}, netTier{upTo25G, 10000}, 3500, false, 0.752},
			{"4xlarge", 16, 64, 1, 225, eniLimit{3, 10}, netTier{upTo25G, 20000}, 4750, false, 1.204},
			{"8xlarge", 32, 128, 1, 900, eniLimit{4, 15}, netTier{"50 Gigabit", 50000}, 9500, true, 2.176},
			{"12xlarge", 48, 192, 4, 900, eniLimit{8, 30}, netTier{"50 Gigabit", 50000}, 9500, true, 3.912},
			{"16xlarge", 64, 256, 1, 900, eniLimit{4, 15}, netTier{"50 Gigabit", 50000}, 9500, true, 4.352},
			{"metal", 96, 384, 8, 1800, eniLimit{15, 50}, netTier{"100 Gigabit", 100000}, 19000, true, 7.824},
		}},
		{name: "g4ad", cpu: amd, clockGHz: 3.0, encrypt: true, device: &gpuV520, gpu: true, rows: []row{
			{"xlarge", 4, 16, 1, 150, eniLimit{2, 4}, netTier{upTo10G, 2000}, 3170, false, 0.37853},
			{"2xlarge", 8, 32, 1, 300, eniLimit{2, 4}, netTier{upTo10G, 4167}, 3170, false, 0.54117},
			{"4xlarge", 16, 64, 1, 600, eniLimit{3, 10}, netTier{upTo10G, 8333}, 3170, false, 0.867},
			{"8xlarge", 32, 128, 2, 1200, eniLimit{4, 15}, netTier{"15 Gigabit", 15000}, 3170, false, 1.734},
			{"16xlarge", 64, 256, 4, 2400, eniLimit{8, 30}, netTier{"25 Gigabit", 25000}, 6300, false, 3.468},
		}},
		{name: "g5", cpu: amd, clockGHz: 3.3, encrypt: true, device: &gpuA10G, gpu: true, rows: []row{
			{"xlarge", 4, 16, 1, 250, eniLimit{4, 15}, netTier{upTo10G, 2500}, 3500, false, 1.006},
			{"2xlarge", 8, 32, 1, 450, eniLimit{4, 15}, netTier{upTo10G, 5000}, 3500, false, 1.212},
			{"4xlarge", 16, 64, 1, 600, eniLimit{8, 30}, netTier{upTo25G, 10000}, 4750, false, 1.624},
			{"8xlarge", 32, 128, 1, 900, eniLimit{8, 30}, netTier{"25 Gigabit", 25000}, 16000, true, 2.448},
			{"12xlarge", 48, 192, 4, 3800, eniLimit{15, 50}, netTier{"40 Gigabit", 40000}, 16000, true, 5.672},
			{"16xlarge", 64, 256, 1, 1900, eniLimit{8, 30}, netTier{"25 Gigabit", 25000}, 16000, true, 4.096},
			{"24xlarge", 96, 384, 4, 3800, eniLimit{15, 50}, netTier{"50 Gigabit", 50000}, 19000, true, 8.144},
			{"48xlarge", 192, 768, 8, 7600, eniLimit{7, 50}, netTier{"100 Gigabit", 100000}, 19000, true, 16.288},
		}},
		{name: "g5g", cpu: graviton, clockGHz: 2.5, device: &gpuT4g, gpu: true, rows: []row{
			{"xlarge", 4, 8, 1, 0, eniLimit{4, 15}, netTier{upTo10G, 1250}, 4750, false, 0.42},
			{"2xlarge", 8, 16, 1, 0, eniLimit{4, 15}, netTier{upTo10G, 2500}, 4750, false, 0.556},
			{"4xlarge", 16, 32, 1, 0, eniLimit{8, 30}, netTier{upTo10G, 5000}, 4750, false, 0.828},
			{"8xlarge", 32, 64, 1, 0, eniLimit{8, 30}, netTier{"12 Gigabit", 12000}, 9000, false, 1.372},
			{"16xlarge", 64, 128, 2, 0, eniLimit{15, 50}, netTier{"25 Gigabit", 25000}, 19000, false, 2.744},
			{"metal", 64, 128, 2, 0, eniLimit{15, 50}, netTier{"25 Gigabit", 25000}, 19000, false, 2.744},
		}},
	}
}

// gpuFamiliesLarge holds g6, g6e and the P families.
func gpuFamiliesLarge() []listedFamily {
	return []listedFamily{
		{name: "g6", cpu: amd, clockGHz: 3.4, encrypt: true, device: &gpuL4, gpu: true, rows: []row{
			{"xlarge", 4, 16, 1, 250, eniLimit{4, 15}, netTier{upTo10G, 2500}, 5000, false, 0.8048},
			{"2xlarge", 8, 32, 1, 450, eniLimit{4, 15}, netTier{upTo10G, 5000}, 5000, false, 0.9776},
			{"4xlarge", 16, 64, 1, 600, eniLimit{8, 30}, netTier{upTo25G, 10000}, 8000, false, 1.3232},
			{"8xlarge", 32, 128, 1, 900, eniLimit{8, 30}, netTier{"25 Gigabit", 25000}, 16000, true, 2.0144},
			{"12xlarge", 48, 192, 4, 3760, eniLimit{8, 30}, netTier{"40 Gigabit", 40000}, 20000, true, 4.6016},
			{"16xlarge", 64, 256, 1, 1880, eniLimit{15, 50}, netTier{"25 Gigabit", 25000}, 20000, true, 3.3968},
			{"24xlarge", 96, 384, 4, 3760, eniLimit{15, 50}, netTier{"50 Gigabit", 50000}, 30000, true, 6.6752},
			{"48xlarge", 192, 768, 8, 7520, eniLimit{15, 50}, netTier{"100 Gigabit", 100000}, 60000, true, 13.3504},
		}},
		{name: "g6e", cpu: amd, clockGHz: 3.4, encrypt: true, device: &gpuL40S, gpu: true, rows: []row{
			{"xlarge", 4, 32, 1, 250, eniLimit{4, 15}, netTier{"Up to 20 Gigabit", 2500}, 5000, false, 1.861},
			{"2xlarge", 8, 64, 1, 450, eniLimit{4, 15}, netTier{"Up to 20 Gigabit", 5000}, 5000, false, 2.24208},
			{"4xlarge", 16, 128, 1, 600, eniLimit{8, 30}, netTier{"20 Gigabit", 20000}, 8000, false, 3.00424},
			{"8xlarge", 32, 256, 1, 900, eniLimit{8, 30}, netTier{"25 Gigabit", 25000}, 16000, true, 4.52856},
			{"12xlarge", 48, 384, 4, 3800, eniLimit{10, 30}, netTier{"100 Gigabit", 100000}, 20000, true, 10.49264},
			{"16xlarge", 64, 512, 1, 1900, eniLimit{15, 50}, netTier{"35 Gigabit", 35000}, 20000, true, 7.57719},
			{"24xlarge", 96, 768, 4, 3800, eniLimit{10, 50}, netTier{"200 Gigabit", 200000}, 30000, true, 15.06559},
			{"48xlarge", 192, 1536, 8, 7600, eniLimit{10, 50}, netTier{"400 Gigabit", 400000}, 60000, true, 30.13118},
		}},
		{name: "p3", cpu: intel, clockGHz: 2.3, xen: true, device: &gpuV100, gpu: true, rows: []row{
			{"2xlarge", 8, 61, 1, 0, eniLimit{4, 15}, netTier{upTo10G, 2500}, 1750, false, 3.06},
			{"8xlarge", 32, 244, 4, 0, eniLimit{8, 30}, netTier{"10 Gigabit", 10000}, 7000, false, 12.24},
			{"16xlarge", 64, 488, 8, 0, eniLimit{8, 30}, netTier{"25 Gigabit", 25000}, 14000, false, 24.48},
		}},
		{name: "p3dn", cpu: intel, clockGHz: 2.5, encrypt: true, device: &gpuV100b, gpu: true, rows: []row{
			{"24xlarge", 96, 768, 8, 1800, eniLimit{15, 50}, netTier{"100 Gigabit", 100000}, 19000, true, 31.212},
		}},
		{name: "p4d", cpu: intel, clockGHz: 3.0, encrypt: true, device: &gpuA100, gpu: true, rows: []row{
			{"24xlarge", 96, 1152, 8, 8000, eniLimit{15, 50}, netTier{"4x 100 Gigabit", 400000}, 19000, true, 21.957642},
		}},
		{name: "p5", cpu: amd, clockGHz: 3.6, encrypt: true, device: &gpuH100, gpu: true, rows: []row{
			{"48xlarge", 192, 2048, 8, 30720, eniLimit{2, 50}, netTier{"3200 Gigabit", 3200000}, 80000, true, 55.04},
		}},
	}
}

// chipFamilies holds the Inferentia and Trainium families.
func chipFamilies() []listedFamily {
	return []listedFamily{
		{name: "inf1", cpu: intel, clockGHz: 2.5, encrypt: true, device: &chipInf1, rows: []row{
			{"xlarge", 4, 8, 1, 0, eniLimit{4, 10}, netTier{upTo25G, 5000}, 4750, false, 0.228},
			{"2xlarge", 8, 16, 1, 0, eniLimit{4, 10}, netTier{upTo25G, 5000}, 4750, false, 0.362},
			{"6xlarge", 24, 48, 4, 0, eniLimit{8, 30}, netTier{"25 Gigabit", 25000}, 4750, false, 1.18},
			{"24xlarge", 96, 192, 16, 0, eniLimit{11, 30}, netTier{"100 Gigabit", 100000}, 19000, true, 4.721},
		}},
		{name: "inf2", cpu: amd, clockGHz: 3.6, encrypt: true, device: &chipInf2, rows: []row{
			{"xlarge", 4, 16, 1, 0, eniLimit{4, 15}, netTier{"Up to 15 Gigabit", 2083}, 10000, false, 0.7582},
			{"8xlarge", 32, 128, 1, 0, eniLimit{8, 30}, netTier{upTo25G, 16667}, 10000, false, 1.96786},
			{"24xlarge", 96, 384, 6, 0, eniLimit{15, 50}, netTier{"50 Gigabit", 50000}, 30000, false, 6.49063},
			{"48xlarge", 192, 768, 12, 0, eniLimit{15, 50}, netTier{"100 Gigabit", 100000}, 60000, true, 12.98127},
		}},
		{name: "trn1", cpu: intel, clockGHz: 3.5, encrypt: true, device: &chipTrn1, rows: []row{
			{"2xlarge", 8, 32, 1, 474, eniLimit{4, 15}, netTier{upTo125G, 3125}, 20000, false, 1.34375},
			{"32xlarge", 128, 512, 16, 7600, eniLimit{5, 50}, netTier{"800 Gigabit", 800000}, 80000, true, 21.50},
		}},
		{name: "trn1n", cpu: intel, clockGHz: 3.5, encrypt: true, device: &chipTrn1, rows: []row{
			{"32xlarge", 128, 512, 16, 7600, eniLimit{5, 50}, netTier{"1600 Gigabit", 1600000}, 80000, true, 24.78},
		}},
	}
}
