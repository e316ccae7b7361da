package disruption

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// freshPending is how long a pod may be pending and still count as one the
// Provisioner is about to place: older pending pods (that no NodePool can
// hold, say) do not hold consolidation back forever.
const freshPending = 2 * time.Minute

// planFor returns the snapshot's Plan: the planner places pods on the nodes of
// candidates other than without's (each an in-flight node with its labels,
// taints, allocatable and pods) and, for those that fit none, on new nodes of
// pools, judged by the default scheduler profile's plugins. A pod that fits
// neither is unplaced.
func (c *Controller) planFor(ctx context.Context, candidates []*Candidate, pools []planner.NodePoolInput, daemons []*corev1.Pod) func([]*corev1.Pod, []*Candidate) (Placement, error) {
	nodes := make(map[*Candidate]*planner.Node, len(candidates)) // built once per pass, used per try
	labels := map[types.UID]map[string]string{}                  // of the node each pod runs on
	for _, cand := range candidates {
		if !isDisrupting(cand) {
			nodes[cand] = existingNode(cand)
		}
		for _, p := range cand.Pods {
			labels[p.UID] = cand.Node.Labels
		}
	}
	spread := newSpreads(candidates)
	return func(pods []*corev1.Pod, without []*Candidate) (Placement, error) {
		in := planner.Input{NodePools: pools, DaemonSetPods: daemons}
		for _, cand := range candidates {
			if n, ok := nodes[cand]; ok && !slices.Contains(without, cand) {
				in.InFlight = append(in.InFlight, n)
			}
		}
		for _, p := range pods {
			in.Pods = append(in.Pods, moved(p, labels[p.UID], spread))
		}
		plan, err := c.planner.Plan(ctx, in)
		if err != nil {
			return Placement{}, fmt.Errorf("planning where the pods go, %w", err)
		}
		out := Placement{New: plan.NewNodes, Unplaced: len(plan.Unplaced), Onto: plan.InFlight}
		if len(plan.Unplaced) > 0 {
			u := plan.Unplaced[0]
			out.Why = fmt.Sprintf("pod %s/%s: %s", u.Pod.Namespace, u.Pod.Name, u.Reason)
		}
		return out, nil
	}
}

// moved is p as it would be recreated once evicted from a node labelled
// node: unbound and, for each topology spread constraint that does not
// schedule past its skew (other than per node), held to the domains the
// scheduler would put it in (spreads.domains). Its siblings leave one by one
// (PDBs, drain order), so the scheduler judges each replacement pod against a
// spread in which only it is missing: with the pods spread evenly that is the
// domain it leaves, but after a scale-down (which ignores the spread) it may
// be only another one, and the plan must find room there. Holding the pod to
// the domain it left made a plan the scheduler could not follow: the pod found
// no room in the domain it was sent to, and the Provisioner launched a node.
func moved(p *corev1.Pod, node map[string]string, s *spreads) *corev1.Pod {
	out := p.DeepCopy()
	out.Spec.NodeName = ""
	var pins []corev1.NodeSelectorRequirement
	for _, c := range p.Spec.TopologySpreadConstraints {
		if v, ok := node[c.TopologyKey]; ok && c.WhenUnsatisfiable == corev1.DoNotSchedule && c.TopologyKey != corev1.LabelHostname {
			values := s.domains(p, c, v)
			if len(values) == 0 {
				values = []string{v}
			}
			pins = append(pins, corev1.NodeSelectorRequirement{Key: c.TopologyKey, Operator: corev1.NodeSelectorOpIn, Values: values})
		}
	}
	if len(pins) == 0 {
		return out
	}
	if out.Spec.Affinity == nil {
		out.Spec.Affinity = &corev1.Affinity{}
	}
	if out.Spec.Affinity.NodeAffinity == nil {
		out.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	required := out.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if required == nil || len(required.NodeSelectorTerms) == 0 {
		required = &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{}}}
	}
	for i := range required.NodeSelectorTerms { // terms are ORed: each gets the pins
		required.NodeSelectorTerms[i].MatchExpressions = append(required.NodeSelectorTerms[i].MatchExpressions, pins...)
	}
	out.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = required
	return out
}

// existingNode is a registered node as the planner sees an in-flight one: one
// instance type whose capacity is the node's allocatable, offered where the
// node runs.
func existingNode(cand *Candidate) *planner.Node {
	node := cand.Node
	reqs := scheduling.NewLabelRequirements(node.Labels)
	it := &cloudprovider.InstanceType{
		Name: node.Labels[corev1.LabelInstanceTypeStable], Requirements: reqs, Capacity: node.Status.Allocatable,
		Offerings: cloudprovider.Offerings{{Zone: node.Labels[corev1.LabelTopologyZone], CapacityType: node.Labels[wellknown.CapacityTypeLabelKey], PricePerHour: price(cand), Available: true}},
	}
	n := &planner.Node{Name: node.Name, NodePool: nodePoolOf(cand), Requirements: reqs, InstanceTypes: []*cloudprovider.InstanceType{it},
		Labels: node.Labels, Taints: node.Spec.Taints}
	for _, p := range cand.Pods {
		if IsWorkload(p) {
			n.Pods = append(n.Pods, p)
		} else if !isMirror(p) && p.DeletionTimestamp == nil {
			n.DaemonSetPods = append(n.DaemonSetPods, p)
		}
	}
	return n
}

func podFingerprint(pods []*corev1.Pod) string {
	uids := make([]string, 0, len(pods))
	for _, p := range pods {
		uids = append(uids, string(p.UID)+strconv.FormatBool(p.DeletionTimestamp != nil))
	}
	sort.Strings(uids)
	return strings.Join(uids, ",")
}

// nodePrice is what a planned node launches at: its cheapest allowed offering.
func nodePrice(n *planner.Node) (float64, bool) {
	_, o, ok := planio.Cheapest(n)
	return o.PricePerHour, ok
}

// describe names what a planned node most likely launches as.
func describe(n *planner.Node) string {
	it, o, ok := planio.Cheapest(n)
	if !ok {
		return fmt.Sprintf("node of %d instance types", len(n.InstanceTypes))
	}
	return fmt.Sprintf("%s (%s, %s)", it.Name, o.Zone, o.CapacityType)
}

// priceOf is what cs cost together per hour.
func priceOf(cs []*Candidate) float64 {
	total := 0.0
	for _, c := range cs {
		total += price(c)
	}
	return total
}

// nodesOf names cs for a message.
func nodesOf(cs []*Candidate) string {
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.Node.Name)
	}
	if len(names) == 1 {
		return "node " + names[0]
	}
	if len(names) > 5 {
		names = append(names[:5], fmt.Sprintf("and %d more", len(cs)-5))
	}
	return fmt.Sprintf("%d nodes (%s)", len(cs), strings.Join(names, ", "))
}

// allSpot reports whether every one of cs runs on spot capacity.
func allSpot(cs []*Candidate) bool {
	for _, c := range cs {
		if c.Node.Labels[wellknown.CapacityTypeLabelKey] != wellknown.CapacityTypeSpot {
			return false
		}
	}
	return len(cs) > 0
}
