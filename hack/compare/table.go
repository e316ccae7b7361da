package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// printTable prints comparisons (files written by this command) as a table.
func printTable(w io.Writer, paths []string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "mix\tpods\tours $/h\tkarpenter $/h\tratio\tours nodes\tkarpenter nodes\tours pods/s\tkarpenter pods/s\tspeedup\tours/fitLB\tkarpenter/fitLB\tours/LB\tkarpenter/LB\tunplaced ours/theirs")
	for _, path := range paths {
		var c comparison
		if err := readJSON(path, &c); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%d\t%d\t%.0f\t%.0f\t%.1fx\t%.3f\t%.3f\t%.3f\t%.3f\t%d/%d\n",
			c.Name, c.Pods, c.Ours.PricePerHour, c.Karpenter.PricePerHour, c.Ratios.PricePerHour, c.Ours.Nodes, c.Karpenter.Nodes,
			c.Ours.PodsPerSecond, c.Karpenter.PodsPerSecond, c.Ratios.PodsPerSecond,
			c.Ours.CostOverFitAware, c.Karpenter.CostOverFitAware, c.Ours.CostOverFluid, c.Karpenter.CostOverFluid,
			c.Ours.Unplaced, c.Karpenter.Unplaced)
	}
	return tw.Flush()
}
