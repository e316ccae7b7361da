package explain

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// writeText prints the report for a reader, listing at most maxTypes of the
// cheaper types (those nearest the launch price; 0: all).
func (r WhyReport) writeText(w io.Writer, maxTypes int) error {
	switch {
	case r.Launch != nil:
		fmt.Fprintf(w, "Pod %s runs on node %s.\n", r.Pod, r.Node)
		return r.Launch.writeText(w, r.Judged, maxTypes)
	case r.NotProvisioned != "":
		fmt.Fprintf(w, "Pod %s runs on node %s: %s.\n", r.Pod, r.Node, r.NotProvisioned)
		return nil
	}
	fmt.Fprintf(w, "Pod %s is pending (scheduler %s).\n", r.Pod, r.SchedulerName)
	if r.Waiting != nil {
		fmt.Fprintf(w, "It was planned onto capacity request %s (NodePool %s, cheapest type %s, NodeClaim %s): %s.\n",
			r.Waiting.CapacityRequest, r.Waiting.NodePool, r.Waiting.InstanceType, orDash(r.Waiting.NodeClaim), r.Waiting.State)
	}
	if len(r.NodePools) == 0 && r.Waiting == nil {
		fmt.Fprintln(w, "No NodePool exists.")
	}
	for _, v := range r.NodePools {
		v.writeText(w)
	}
	if r.Judged != "" {
		fmt.Fprintf(w, "(%s.)\n", capitalize(r.Judged))
	}
	return nil
}

func (l *Launch) writeText(w io.Writer, judged string, maxTypes int) error {
	planned := "planned for this pod"
	if l.RequestRemoved {
		planned = "removed since, as the launcher does 10 minutes after its node initialized"
	} else if !l.PlannedForPod && l.Replaces != "" {
		planned = "a replacement, planned for the pods of the NodeClaims it replaced: this one is recreated from one of them or took room left on the node"
	} else if !l.PlannedForPod {
		planned = "planned for other pods: this one took room left on the node"
	}
	fmt.Fprintf(w, "The node was launched for capacity request %s (%s), as NodeClaim %s of NodePool %s:\n  %s in %s, %s, $%.4f/h.\n",
		l.CapacityRequest, planned, orDash(l.NodeClaim), l.NodePool, l.InstanceType, l.Zone, l.CapacityType, l.PricePerHour)
	if l.Replaces != "" {
		fmt.Fprintf(w, "The request replaced NodeClaims %s.\n", l.Replaces)
	}
	if l.CheaperNote != "" {
		fmt.Fprintf(w, "Cheaper instance types were not judged: %s.\n", l.CheaperNote)
		return nil
	}
	if len(l.Cheaper) == 0 {
		fmt.Fprintf(w, "No instance type of NodePool %s is offered cheaper now.\n", l.NodePool)
		return nil
	}
	fmt.Fprintf(w, "Cheaper instance types of NodePool %s (%s):\n", l.NodePool, judged)
	shown := l.Cheaper
	if maxTypes > 0 && len(shown) > maxTypes {
		shown = shown[len(shown)-maxTypes:]
		fmt.Fprintf(w, "  (%d of %d, those priced nearest the node)\n", maxTypes, len(l.Cheaper))
	}
	if err := writeVerdicts(w, shown); err != nil {
		return err
	}
	fmt.Fprintf(w, "  %s\n", countByPlugin(l.Cheaper))
	return nil
}

// writeVerdicts prints type verdicts as an indented table.
func writeVerdicts(w io.Writer, verdicts []TypeVerdict) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  INSTANCE-TYPE\tZONE\tCAPACITY\tPRICE/H\tPLUGIN\tREASON")
	for _, v := range verdicts {
		plugin, reason := v.Plugin, v.Reason
		if v.Fits {
			plugin, reason = "-", "admitted now (the node held more pods at launch, the type was short of capacity, or the catalog changed since)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t$%.4f\t%s\t%s\n", v.InstanceType, v.Zone, v.CapacityType, v.PricePerHour, plugin, reason)
	}
	return tw.Flush()
}

// countByPlugin is e.g. "refused: 12 by NodeResourcesFit, 3 by NodeAffinity; admitted: 1".
func countByPlugin(verdicts []TypeVerdict) string {
	var order []string
	counts := map[string]int{}
	admitted := 0
	for _, v := range verdicts {
		if v.Fits {
			admitted++
			continue
		}
		if counts[v.Plugin] == 0 {
			order = append(order, v.Plugin)
		}
		counts[v.Plugin]++
	}
	parts := make([]string, 0, len(order))
	for _, p := range order {
		parts = append(parts, fmt.Sprintf("%d by %s", counts[p], p))
	}
	return fmt.Sprintf("refused: %d (%s); admitted: %d", len(verdicts)-admitted, strings.Join(parts, ", "), admitted)
}

func (v NodePoolVerdict) writeText(w io.Writer) {
	fmt.Fprintf(w, "NodePool %s (weight %d): ", v.NodePool, v.Weight)
	switch {
	case v.Problem != "":
		fmt.Fprintf(w, "%s.\n", v.Problem)
		return
	case v.Admitted == 0:
		fmt.Fprintf(w, "no instance type admits the pod (%d judged):\n", v.Types)
	default:
		fmt.Fprintf(w, "%d of %d instance types admit the pod, the cheapest %s; %s.\n", v.Admitted, v.Types, v.Cheapest, v.Planner)
		if len(v.Refusals) > 0 {
			fmt.Fprintln(w, "  the others:")
		}
	}
	for _, r := range v.Refusals {
		fmt.Fprintf(w, "  %s: %s (%s, e.g. %s)\n", r.Plugin, r.Reason, plural(r.Types, "type"), r.Example)
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
