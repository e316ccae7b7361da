package explain

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
	"github.com/tailor-sh/tailor/pkg/whatif"
)

// PlanReport is what the Provisioner would launch now.
type PlanReport struct {
	SchedulerName string `json:"schedulerName"`
	// Nodes are the new nodes, each the capacity request the Provisioner
	// would create.
	Nodes []PlannedNode `json:"nodes"`
	// TotalPricePerHour is the new nodes' prices summed, in USD.
	TotalPricePerHour float64 `json:"totalPricePerHour"`
	// InFlight are the pods that would wait for capacity requests already in
	// flight, by request.
	InFlight []PodsOn `json:"inFlight,omitempty"`
	// Existing are the added pods existing nodes would take, by node.
	Existing []PodsOn `json:"existingNodes,omitempty"`
	// Unplaced are the pods no NodePool can run, with why.
	Unplaced []planio.UnplacedResult `json:"unplaced,omitempty"`
}

// PlannedNode is one new node.
type PlannedNode struct {
	// CapacityRequest is the name of the request the Provisioner would create.
	CapacityRequest string `json:"capacityRequest"`
	NodePool        string `json:"nodePool"`
	// InstanceType, Zone, CapacityType and PricePerHour are the cheapest
	// offering, which the launcher takes unless capacity runs short.
	InstanceType string  `json:"instanceType"`
	Zone         string  `json:"zone"`
	CapacityType string  `json:"capacityType"`
	PricePerHour float64 `json:"pricePerHour"`
	// InstanceTypes hold every pod of the node, cheapest first.
	InstanceTypes []string `json:"instanceTypes"`
	// Pods are namespace/name.
	Pods []string `json:"pods"`
}

// PodsOn are pods that go to one named request or node.
type PodsOn struct {
	Name string   `json:"name"`
	Pods []string `json:"pods"`
}

// newPlanReport describes plan, the round it was planned on, and the pods
// bound to existing nodes before.
func newPlanReport(round whatif.Round, plan planner.Plan, bound []*corev1.Pod) PlanReport {
	r := PlanReport{Nodes: []PlannedNode{}}
	for _, node := range plan.NewNodes {
		n := plannedNode(node)
		r.Nodes = append(r.Nodes, n)
		r.TotalPricePerHour += n.PricePerHour
	}
	r.TotalPricePerHour = math.Round(r.TotalPricePerHour*1e6) / 1e6
	waiting := maps.Clone(round.Waiting)
	for name, pods := range plan.InFlight {
		waiting[name] = append(waiting[name], pods...)
	}
	r.InFlight = podsOn(waiting)
	byNode := map[string][]*corev1.Pod{}
	for _, p := range bound {
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
	}
	r.Existing = podsOn(byNode)
	missing := slices.Sorted(maps.Values(round.Missing))
	for _, u := range plan.Unplaced {
		r.Unplaced = append(r.Unplaced, planio.UnplacedResult{Pod: podName(u.Pod), Reason: strings.Join(append([]string{u.Reason}, missing...), "; ")})
	}
	return r
}

func plannedNode(node *planner.Node) PlannedNode {
	req := planner.CapacityRequest(node)
	n := PlannedNode{CapacityRequest: req.Name, NodePool: node.NodePool, InstanceTypes: req.Spec.InstanceTypes, Pods: podNames(node.Pods)}
	if it, o, ok := planio.Cheapest(node); ok {
		n.InstanceType, n.Zone, n.CapacityType, n.PricePerHour = it.Name, o.Zone, o.CapacityType, o.PricePerHour
	}
	return n
}

// podsOn lists pods by name, names sorted.
func podsOn(byName map[string][]*corev1.Pod) []PodsOn {
	var out []PodsOn
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		if len(byName[name]) > 0 {
			out = append(out, PodsOn{Name: name, Pods: podNames(byName[name])})
		}
	}
	return out
}

func podNames(pods []*corev1.Pod) []string {
	out := make([]string, 0, len(pods))
	for _, p := range pods {
		out = append(out, podName(p))
	}
	sort.Strings(out)
	return out
}

func podName(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

// writeTable prints the new nodes as a table, then the total, the pods that
// go elsewhere and those that cannot be placed.
func (r PlanReport) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODEPOOL\tINSTANCE-TYPE\tZONE\tCAPACITY\tPRICE/H\tTYPES\tPODS\tCAPACITY-REQUEST")
	for _, n := range r.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t$%.4f\t%d\t%s\t%s\n", n.NodePool, n.InstanceType, orDash(n.Zone), orDash(n.CapacityType),
			n.PricePerHour, len(n.InstanceTypes), summary(n.Pods, 3), n.CapacityRequest)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s for the %s profile, $%.4f/h; nothing was launched\n", plural(len(r.Nodes), "new node"), r.SchedulerName, r.TotalPricePerHour)
	for _, in := range r.InFlight {
		fmt.Fprintf(w, "capacity request %s, in flight, takes %s\n", in.Name, podSummary(in.Pods))
	}
	for _, on := range r.Existing {
		fmt.Fprintf(w, "existing node %s takes %s\n", on.Name, podSummary(on.Pods))
	}
	if len(r.Unplaced) > 0 {
		fmt.Fprintf(w, "%s cannot be placed:\n", plural(len(r.Unplaced), "pod"))
	}
	for _, u := range r.Unplaced {
		fmt.Fprintf(w, "  %s: %s\n", u.Pod, u.Reason)
	}
	return nil
}

// summary is the count of names and the first few of them.
func summary(names []string, few int) string {
	if len(names) <= few {
		return fmt.Sprintf("%d (%s)", len(names), strings.Join(names, ", "))
	}
	return fmt.Sprintf("%d (%s, +%d)", len(names), strings.Join(names[:few], ", "), len(names)-few)
}

// podSummary is e.g. "3 pods (a, b, c)".
func podSummary(pods []string) string {
	return plural(len(pods), "pod") + strings.TrimPrefix(summary(pods, 5), fmt.Sprint(len(pods)))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
