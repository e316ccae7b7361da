// Command compare runs Karpenter's provisioning scheduler (sigs.k8s.io/karpenter,
// used as a library) and the project's planner (`scheduler plan`, run as a
// process) on the same pods, NodePools and instance types, and prints both
// sides as JSON: nodes, $/h, pods/s, cost over the fluid and fit-aware lower
// bounds, and the ratios ours/theirs. Its inputs are the directory
// hack/planinput writes (pods.json, catalog.json, bounds.json).
//
// It is a module of its own so that Karpenter's dependencies never touch the
// project's pins.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

type flags struct {
	in, nodePools, zones, scheduler, name string
	spotPriceFactor                       float64
}

func main() {
	var f flags
	flag.StringVar(&f.in, "in", "", "directory written by hack/planinput (required)")
	flag.StringVar(&f.nodePools, "nodepools", "", "YAML file of karpenter.sh/v1 NodePools (required)")
	flag.StringVar(&f.zones, "zones", "", "comma-separated zones every type is offered in (required)")
	flag.Float64Var(&f.spotPriceFactor, "spot-price-factor", 0, "offer spot at this fraction of the on-demand price (0: on-demand only)")
	flag.StringVar(&f.scheduler, "scheduler", "bin/scheduler", "the project's scheduler binary")
	flag.StringVar(&f.name, "name", "", "name of the comparison in the output (default: the input directory's name)")
	table := flag.Bool("table", false, "print the comparison files given as arguments as a table instead")
	flag.Parse()
	if *table {
		if err := printTable(os.Stdout, flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "compare:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(context.Background(), f); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// side is one planner's outcome.
type side struct {
	Nodes            int     `json:"nodes"`
	PricePerHour     float64 `json:"pricePerHour"`
	PodsPerSecond    float64 `json:"podsPerSecond"`
	CostOverFluid    float64 `json:"costOverFluidBound"`
	CostOverFitAware float64 `json:"costOverFitAwareBound"`
	Unplaced         int     `json:"unplaced"`
	Seconds          float64 `json:"seconds"`
}

type comparison struct {
	Name      string `json:"name"`
	Pods      int    `json:"pods"`
	Ours      side   `json:"ours"`
	Karpenter side   `json:"karpenter"`
	// Ratios are ours over Karpenter's.
	Ratios struct {
		PricePerHour  float64 `json:"pricePerHour"`
		PodsPerSecond float64 `json:"podsPerSecond"`
		Nodes         float64 `json:"nodes"`
	} `json:"ratios"`
}

type bounds struct {
	Fluid    float64 `json:"fluid"`
	FitAware float64 `json:"fitAware"`
}

func run(ctx context.Context, f flags) error {
	if f.in == "" || f.nodePools == "" || f.zones == "" {
		return fmt.Errorf("-in, -nodepools and -zones are required")
	}
	zones := strings.Split(f.zones, ",")
	pods, err := loadPods(filepath.Join(f.in, "pods.json"))
	if err != nil {
		return err
	}
	pools, err := loadNodePools(f.nodePools)
	if err != nil {
		return err
	}
	types, err := loadCatalog(filepath.Join(f.in, "catalog.json"), zones, f.spotPriceFactor)
	if err != nil {
		return err
	}
	var b bounds
	if err := readJSON(filepath.Join(f.in, "bounds.json"), &b); err != nil {
		return err
	}
	theirs, err := runKarpenter(ctx, pods, pools, types)
	if err != nil {
		return fmt.Errorf("karpenter, %w", err)
	}
	ours, err := runOurs(f, len(pods))
	if err != nil {
		return fmt.Errorf("ours, %w", err)
	}
	c := comparison{Name: f.name, Pods: len(pods), Ours: ours.bounded(b), Karpenter: theirs.bounded(b)}
	if c.Name == "" {
		c.Name = filepath.Base(f.in)
	}
	c.Ratios.PricePerHour = c.Ours.PricePerHour / c.Karpenter.PricePerHour
	c.Ratios.PodsPerSecond = c.Ours.PodsPerSecond / c.Karpenter.PodsPerSecond
	c.Ratios.Nodes = float64(c.Ours.Nodes) / float64(c.Karpenter.Nodes)
	out, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

func (s side) bounded(b bounds) side {
	if b.Fluid > 0 {
		s.CostOverFluid = s.PricePerHour / b.Fluid
	}
	if b.FitAware > 0 {
		s.CostOverFitAware = s.PricePerHour / b.FitAware
	}
	return s
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parsing %s, %w", path, err)
	}
	return nil
}
