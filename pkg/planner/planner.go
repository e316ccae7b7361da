package planner

import (
	"context"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// Planner plans with a scheduler framework whose plugins see its snapshot. One Plan
// runs at a time.
type Planner struct {
	mu       sync.Mutex
	fw       framework.Framework
	snapshot *Snapshot
	cache    poolCache
}

// NewPlanner returns a planner over fw, which must have been built with snapshot
// (NewFramework).
func NewPlanner(fw framework.Framework, snapshot *Snapshot) *Planner {
	return &Planner{fw: fw, snapshot: snapshot}
}

// round is the state of one Plan call.
type round struct {
	sim    *simulation
	pools  []*pool
	shapes shapes
	// groups are the pods to place, fillable those whose pods a new node's
	// type is sized for and fillers those a new node may pull in (fill.go);
	// counts is scratch space for fills.
	groups   []*group
	fillable []*group
	fillers  []*group
	counts   []int64
	daemons  []*group
	nodes    []*plannedNode
	unplaced []Unplaced
	names    map[string]int
}

// plannedNode is a node being planned (or in flight) and what it holds so far.
type plannedNode struct {
	*Node
	pool      *pool
	inFlight  bool
	node      *corev1.Node
	requested corev1.ResourceList
	maxAlloc  corev1.ResourceList
	// narrowed is true once a pod's node requirements narrowed the node's.
	narrowed bool
	// used and room are requested and maxAlloc as integers, for the quick check.
	used  demand
	room  shape
	added []*corev1.Pod
	// failed holds the groups known not to fit (only for groups whose fit does not
	// depend on other pods).
	failed map[string]bool
	// reserved is the room kept for more pods of the group the node was planned
	// for.
	reserved reserve
}

// Plan places in.Pods onto in-flight and new nodes.
func (p *Planner) Plan(ctx context.Context, in Input) (Plan, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.snapshot.reset()
	for _, n := range in.Nodes {
		p.snapshot.AddNode(n.Node)
		for _, pod := range n.Pods {
			if _, err := p.snapshot.AddPod(pod, n.Node.Name); err != nil {
				return Plan{}, err
			}
		}
	}
	r := &round{sim: newSimulation(p.fw, p.snapshot), names: map[string]int{}}
	r.pools, r.shapes = p.cache.prepare(in.NodePools)
	addPotentialDomains(p.snapshot, r.pools)
	daemons, err := groupPods(in.DaemonSetPods)
	if err != nil {
		return Plan{}, err
	}
	r.daemons = daemons
	for _, n := range in.InFlight {
		if err := r.addInFlight(n); err != nil {
			return Plan{}, err
		}
	}
	groups, err := groupPods(in.Pods)
	if err != nil {
		return Plan{}, err
	}
	r.groups = groups
	addRequiredDomains(p.snapshot, r.pools, groups, r.shapes)
	r.valueGroups()
	for _, g := range groups {
		if err := r.placeInFlight(ctx, g); err != nil {
			return Plan{}, err
		}
	}
	for _, g := range groups {
		for g.next < len(g.pods) {
			pod := g.pods[g.next]
			g.next++
			if err := r.place(ctx, g, pod); err != nil {
				return Plan{}, err
			}
		}
	}
	return r.finish(), nil
}

// place puts pod on the first node that holds it, else on a new node; or records
// why no NodePool can hold it.
func (r *round) place(ctx context.Context, g *group, pod *corev1.Pod) error {
	// Nodes before the group's cursor are known not to fit its pods: nodes only
	// fill up and narrow, so a permanent failure stays one.
	for i := g.cursor; i < len(r.nodes); i++ {
		ok, permanent, err := r.tryJoin(ctx, g, pod, r.nodes[i])
		if ok || err != nil {
			return err
		}
		if permanent && i == g.cursor {
			g.cursor++
		}
	}
	var reasons []string
	for _, pl := range r.pools {
		ok, reason, err := r.tryNew(ctx, g, pod, pl)
		if ok || err != nil {
			return err
		}
		reasons = append(reasons, reason)
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "no NodePool exists")
	}
	r.unplaced = append(r.unplaced, Unplaced{Pod: pod, Reason: strings.Join(reasons, "; ")})
	return nil
}

// placeInFlight places g's next pods on the in-flight nodes (the only nodes yet)
// that hold them, before any new node is planned and filled, and stops at the
// first pod none holds.
func (r *round) placeInFlight(ctx context.Context, g *group) error {
	for g.next < len(g.pods) {
		placed := false
		for _, n := range r.nodes {
			ok, _, err := r.tryJoin(ctx, g, g.pods[g.next], n)
			if err != nil {
				return err
			}
			if placed = ok; ok {
				break
			}
		}
		if !placed {
			return nil
		}
		g.next++
	}
	return nil
}

// tryJoin places pod on n if some remaining instance type of n holds it with the
// pods already there and the Filter plugins admit it.
func (r *round) tryJoin(ctx context.Context, g *group, pod *corev1.Pod, n *plannedNode) (ok, permanent bool, err error) {
	if n.failed[g.key] || !n.room.holds(n.used.plus(g.need)) {
		return false, true, nil
	}
	need := quotav1.Add(n.requested, g.requests)
	for _, alt := range g.alternatives {
		if podFits(n.Requirements, alt) != nil {
			continue
		}
		reqs := intersect(n.Requirements, alt)
		types := r.shapes.typesFor(n.InstanceTypes, reqs, need, len(alt) > 0)
		if len(types) == 0 {
			continue
		}
		relabeled := r.relabel(n, reqs, types, len(alt) > 0)
		status := r.fitsPlanned(ctx, g, pod, n, relabeled)
		if !status.IsSuccess() {
			// Nodes only gain pods, so a failure is for good unless the pod has
			// spread rules or required pod affinity, which more pods can satisfy.
			if len(alt) == 0 && !g.spread && !g.affinity {
				n.failed[g.key] = true
				return false, true, nil
			}
			return false, false, nil
		}
		if n.reserved.g == g {
			n.reserved.count--
		}
		return true, false, r.commitJoin(n, pod, reqs, types, need, relabeled, len(alt) > 0)
	}
	return false, true, nil
}

// relabel returns n's node with the labels reqs and types fix, or nil when they
// are unchanged.
func (r *round) relabel(n *plannedNode, reqs scheduling.Requirements, types []*cloudprovider.InstanceType, narrowed bool) *corev1.Node {
	if !narrowed {
		return nil
	}
	node := virtualNode(n.Name, n.pool, reqs, types)
	if sameLabels(node.Labels, n.node.Labels) {
		return nil
	}
	return node
}

func (r *round) fitsPlanned(ctx context.Context, g *group, pod *corev1.Pod, n *plannedNode, relabeled *corev1.Node) *fwk.Status {
	if relabeled == nil {
		return r.sim.fits(ctx, g, pod, n.Name)
	}
	ni, _ := r.sim.snapshot.NodeInfo(n.Name)
	candidate := ni.Snapshot()
	candidate.SetNode(relabeled)
	return r.sim.fitsNodeInfo(ctx, g, pod, candidate)
}

func (r *round) commitJoin(n *plannedNode, pod *corev1.Pod, reqs scheduling.Requirements, types []*cloudprovider.InstanceType, need corev1.ResourceList, relabeled *corev1.Node, narrowing bool) error {
	n.Requirements, n.InstanceTypes, n.requested = reqs, types, need
	n.narrowed = n.narrowed || narrowing
	n.maxAlloc = maxAllocatable(types)
	n.used, n.room = demandOf(need), shapeOfList(n.maxAlloc)
	if relabeled != nil {
		n.node = relabeled
		r.sim.snapshot.SetNode(relabeled)
	}
	ni, _ := r.sim.snapshot.NodeInfo(n.Name)
	ni.Allocatable = framework.NewResource(n.maxAlloc)
	if err := r.sim.place(pod, n.Name); err != nil {
		return err
	}
	n.Pods = append(n.Pods, pod)
	n.added = append(n.added, pod)
	return nil
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}
