package planner

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/kubernetes/pkg/scheduler/framework"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// tryNew plans a new node of pl for pod: the pod's node requirements narrow the
// NodePool's, the candidate types must hold the pod and the DaemonSet pods that
// would run there, and the Filter plugins must admit the pod on the virtual node.
// It returns why not, for the pod's event.
func (r *round) tryNew(ctx context.Context, g *group, pod *corev1.Pod, pl *pool) (bool, string, error) {
	if pl.err != nil {
		return false, pl.err.Error(), nil
	}
	reason := fmt.Sprintf("nodepool %s: no instance type holds the pod's requests (%s)", pl.name, describe(g.requests))
	for _, alt := range g.alternatives {
		if err := podFits(pl.reqs, alt); err != nil {
			reason = fmt.Sprintf("nodepool %s: %v", pl.name, err)
			continue
		}
		reqs := intersect(pl.reqs, alt)
		own := reserve{g: g, count: g.share(pl.zoneCount(reqs)) - 1}
		candidates := r.candidates(ctx, pl, g, reqs, len(alt) > 0, own)
		if len(candidates) == 0 {
			continue
		}
		for _, zoneReqs := range zoneChoices(g, reqs, candidates) {
			ok, why, err := r.tryNewIn(ctx, g, pod, pl, zoneReqs, candidates, len(alt) > 0, own)
			if ok || err != nil {
				return ok, "", err
			}
			reason = why
		}
	}
	return false, reason, nil
}

// candidates are the types a new node of pl for a pod of g may take: those of
// the target shape (target.go) that hold the pod, within the NodePool's limits,
// or every such type when no shape scores. labels says whether reqs add label
// requirements the types must meet; own are the pods of g the node can expect
// besides this one.
func (r *round) candidates(ctx context.Context, pl *pool, g *group, reqs scheduling.Requirements, labels bool, own reserve) []*cloudprovider.InstanceType {
	scored := withinLimits(r.shapes.typesFor(pl.efficient, reqs, g.requests, labels), pl.remaining)
	need := g.requests
	if len(r.daemons) > 0 && len(scored) > 0 {
		need = quotav1.Add(need, r.daemonRequests(ctx, pl, reqs, scored))
		scored = r.shapes.typesFor(scored, reqs, need, false)
	}
	if best := r.target(scored, reqs, demandOf(need), g.value, own); best != nil {
		family := withinLimits(r.shapes.typesFor(pl.family(best), reqs, g.requests, labels), pl.remaining)
		if out := r.upTo(family, best); len(out) > 0 {
			return out
		}
	}
	return withinLimits(r.shapes.typesFor(pl.types, reqs, g.requests, labels), pl.remaining)
}

func (r *round) tryNewIn(ctx context.Context, g *group, pod *corev1.Pod, pl *pool, reqs scheduling.Requirements, candidates []*cloudprovider.InstanceType, narrowed bool, own reserve) (bool, string, error) {
	types := r.shapes.typesFor(candidates, reqs, g.requests, false)
	if len(types) == 0 {
		return false, fmt.Sprintf("nodepool %s: no offering in %s", pl.name, reqs.Get(corev1.LabelTopologyZone)), nil
	}
	name := fmt.Sprintf("%s-planned-%d", pl.name, r.names[pl.name]+1)
	ni := framework.NewNodeInfo()
	ni.SetNode(virtualNode(name, pl, reqs, types))
	daemons := r.daemonsFor(ctx, ni)
	need := g.requests
	for _, d := range daemons {
		need = quotav1.Add(need, podRequests(d))
	}
	if types = r.shapes.typesFor(types, reqs, need, false); len(types) == 0 {
		return false, fmt.Sprintf("nodepool %s: no instance type holds the pod and its %d DaemonSet pods", pl.name, len(daemons)), nil
	}
	node := virtualNode(name, pl, reqs, types)
	ni.SetNode(node)
	if status := r.sim.fitsNodeInfo(ctx, g, pod, ni); !status.IsSuccess() {
		return false, fmt.Sprintf("nodepool %s: %s", pl.name, status.Message()), nil
	}
	r.names[pl.name]++
	if err := r.commitNew(pl, node, reqs, types, daemons, pod, need, narrowed); err != nil {
		return false, "", err
	}
	n := r.nodes[len(r.nodes)-1]
	n.reserved = own
	return true, "", r.fill(ctx, n)
}

func (r *round) commitNew(pl *pool, node *corev1.Node, reqs scheduling.Requirements, types []*cloudprovider.InstanceType, daemons []*corev1.Pod, pod *corev1.Pod, need corev1.ResourceList, narrowed bool) error {
	r.sim.snapshot.AddNode(node)
	for _, d := range daemons {
		if err := r.sim.place(d, node.Name); err != nil {
			return err
		}
	}
	if err := r.sim.place(pod, node.Name); err != nil {
		return err
	}
	n := &plannedNode{
		Node: &Node{
			Name: node.Name, NodePool: pl.name, Requirements: reqs, InstanceTypes: types,
			Pods: []*corev1.Pod{pod}, DaemonSetPods: daemons, Labels: pl.labels, Taints: pl.taints,
		},
		pool: pl, node: node, requested: need, maxAlloc: maxAllocatable(types), failed: map[string]bool{},
		used: demandOf(need), room: shapeOfList(maxAllocatable(types)), narrowed: narrowed,
	}
	r.nodes = append(r.nodes, n)
	if pl.remaining != nil {
		subtract(pl.remaining, largestCapacity(types))
	}
	return nil
}

// daemonsFor are the DaemonSet pods the Filter plugins admit on ni; they are added
// to ni.
func (r *round) daemonsFor(ctx context.Context, ni *framework.NodeInfo) []*corev1.Pod {
	var out []*corev1.Pod
	for _, g := range r.daemons {
		d := g.pods[0]
		if r.sim.fitsNodeInfo(ctx, g, d, ni).IsSuccess() {
			ni.AddPod(d)
			out = append(out, d)
		}
	}
	return out
}

// daemonRequests sums the requests of the DaemonSet pods that would run on a new
// node of pl with requirements reqs and instance types types.
func (r *round) daemonRequests(ctx context.Context, pl *pool, reqs scheduling.Requirements, types []*cloudprovider.InstanceType) corev1.ResourceList {
	ni := framework.NewNodeInfo()
	ni.SetNode(virtualNode(fmt.Sprintf("%s-planned-%d", pl.name, r.names[pl.name]+1), pl, reqs, types))
	out := corev1.ResourceList{}
	for _, d := range r.daemonsFor(ctx, ni) {
		out = quotav1.Add(out, podRequests(d))
	}
	return out
}

// zoneChoices fixes the zone of a node planned for pods with zone-level rules,
// trying zones cheapest first; other nodes keep every zone.
func zoneChoices(g *group, reqs scheduling.Requirements, types []*cloudprovider.InstanceType) []scheduling.Requirements {
	if !g.zoneSensitive {
		return []scheduling.Requirements{reqs}
	}
	cheapest := map[string]float64{}
	for _, it := range types {
		for _, o := range it.Offerings.Available().Compatible(reqs) {
			if p, ok := cheapest[o.Zone]; !ok || o.PricePerHour < p {
				cheapest[o.Zone] = o.PricePerHour
			}
		}
	}
	zones := make([]string, 0, len(cheapest))
	for z := range cheapest {
		zones = append(zones, z)
	}
	sort.Slice(zones, func(i, j int) bool {
		if cheapest[zones[i]] != cheapest[zones[j]] {
			return cheapest[zones[i]] < cheapest[zones[j]]
		}
		return zones[i] < zones[j]
	})
	out := make([]scheduling.Requirements, 0, len(zones))
	for _, z := range zones {
		out = append(out, intersect(reqs, zoneRequirement(z)))
	}
	return out
}

func zoneRequirement(zone string) scheduling.Requirements {
	return scheduling.NewRequirements(scheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, zone))
}

func intersect(a, b scheduling.Requirements) scheduling.Requirements {
	out := a.Copy()
	for _, r := range b {
		out.Add(r)
	}
	return out
}

func largestCapacity(types []*cloudprovider.InstanceType) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, it := range types {
		for name, q := range it.Capacity {
			if have, ok := out[name]; !ok || q.Cmp(have) > 0 {
				out[name] = q.DeepCopy()
			}
		}
	}
	return out
}

func describe(requests corev1.ResourceList) string {
	return fmt.Sprintf("cpu %s, memory %s", requests.Cpu(), requests.Memory())
}
