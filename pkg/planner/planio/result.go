package planio

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// microsPerDollar rounds the total price.
const microsPerDollar = 1e6

// Result is what the planning command prints: the new nodes with the offering
// each would launch as, their cost, and the pods no node can hold.
type Result struct {
	Nodes     []NodeResult `json:"nodes"`
	NodeCount int          `json:"nodeCount"`
	// TotalPricePerHour is the nodes' prices summed, in USD rounded to
	// micro-dollars so that float sums print as prices.
	TotalPricePerHour float64          `json:"totalPricePerHour"`
	Unplaced          []UnplacedResult `json:"unplaced"`
	// PlanningSeconds is the wall time of planning alone (loading excluded).
	PlanningSeconds float64 `json:"planningSeconds"`
}

// NodeResult is one planned node.
type NodeResult struct {
	InstanceType string  `json:"instanceType"`
	Zone         string  `json:"zone"`
	CapacityType string  `json:"capacityType"`
	PricePerHour float64 `json:"pricePerHour"`
	// Pods are namespace/name, DaemonSet pods excluded.
	Pods []string `json:"pods"`
}

// UnplacedResult is a pod no node can hold, and why.
type UnplacedResult struct {
	Pod    string `json:"pod"`
	Reason string `json:"reason"`
}

// NewResult describes a plan's new nodes, each as the cheapest offering (Cheapest)
// it could launch as. Pods that go to in-flight nodes add no cost and are left
// out. A node with no launchable offering is listed with its first instance type
// (if any), no zone and no price.
func NewResult(plan planner.Plan, planningSeconds float64) Result {
	r := Result{Nodes: make([]NodeResult, 0, len(plan.NewNodes)), Unplaced: make([]UnplacedResult, 0, len(plan.Unplaced)), PlanningSeconds: planningSeconds}
	for _, node := range plan.NewNodes {
		n := NodeResult{Pods: podNames(node.Pods)}
		if it, o, ok := Cheapest(node); ok {
			n.InstanceType, n.Zone, n.CapacityType, n.PricePerHour = it.Name, o.Zone, o.CapacityType, o.PricePerHour
		} else if len(node.InstanceTypes) > 0 {
			n.InstanceType = node.InstanceTypes[0].Name
		}
		r.Nodes = append(r.Nodes, n)
		r.TotalPricePerHour += n.PricePerHour
	}
	r.NodeCount = len(r.Nodes)
	r.TotalPricePerHour = math.Round(r.TotalPricePerHour*microsPerDollar) / microsPerDollar
	for _, u := range plan.Unplaced {
		r.Unplaced = append(r.Unplaced, UnplacedResult{Pod: podName(u.Pod), Reason: u.Reason})
	}
	return r
}

// Cheapest returns what a planned node would launch as: of its instance types,
// the one with the cheapest available offering that the node's requirements
// (zone, capacity type) allow, and that offering; the first type wins a tie. ok
// is false when no type has such an offering.
func Cheapest(node *planner.Node) (it *cloudprovider.InstanceType, offering cloudprovider.Offering, ok bool) {
	for _, candidate := range node.InstanceTypes {
		o, found := candidate.Offerings.Available().Compatible(node.Requirements).Cheapest()
		if found && (!ok || o.PricePerHour < offering.PricePerHour) {
			it, offering, ok = candidate, o, true
		}
	}
	return it, offering, ok
}

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r Result) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding plan result, %w", err)
	}
	if _, err := w.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("writing plan result, %w", err)
	}
	return nil
}

func podNames(pods []*corev1.Pod) []string {
	out := make([]string, len(pods))
	for i, p := range pods {
		out[i] = podName(p)
	}
	return out
}

func podName(p *corev1.Pod) string {
	if p == nil {
		return "<nil>"
	}
	return p.Namespace + "/" + p.Name
}
