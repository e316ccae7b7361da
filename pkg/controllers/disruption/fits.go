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

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// freshPending is how long a pod may be pending and still count as one the
// Provisioner is about to place: older pending pods (that no NodePool can
// hold, say) do not hold consolidation back forever.
const freshPending = 2 * time.Minute

// fits judges with the planner whether pods would be placed on the nodes of
// candidates other than without's, as they are (no new node): each node is an
// in-flight node with its labels, taints, allocatable and pods.
func (c *Controller) fits(ctx context.Context, candidates []*Candidate) func([]*corev1.Pod, []*Candidate) (bool, string) {
	nodes := make(map[*Candidate]*planner.Node, len(candidates)) // built once per pass, used per try
	for _, cand := range candidates {
		if !isDisrupting(cand) {
			nodes[cand] = existingNode(cand)
		}
	}
	return func(pods []*corev1.Pod, without []*Candidate) (bool, string) {
		var in planner.Input
		for _, cand := range candidates {
			if n, ok := nodes[cand]; ok && !slices.Contains(without, cand) {
				in.InFlight = append(in.InFlight, n)
			}
		}
		for _, p := range pods {
			moved := p.DeepCopy()
			moved.Spec.NodeName = ""
			in.Pods = append(in.Pods, moved)
		}
		plan, err := c.planner.Plan(ctx, in)
		if err != nil {
			return false, err.Error()
		}
		if len(plan.Unplaced) > 0 { // no NodePool is given: a pod that fits no other node stays unplaced
			first := plan.Unplaced[0].Pod
			return false, fmt.Sprintf("%d of its %d pods fit no other node (pod %s/%s among them)", len(plan.Unplaced), len(pods), first.Namespace, first.Name)
		}
		if len(plan.NewNodes) > 0 {
			return false, fmt.Sprintf("%d of its %d pods fit no other node", podsOn(plan.NewNodes), len(pods))
		}
		return true, ""
	}
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

func podsOn(nodes []*planner.Node) int {
	n := 0
	for _, node := range nodes {
		n += len(node.Pods)
	}
	return n
}
