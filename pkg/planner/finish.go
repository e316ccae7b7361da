package planner

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// addInFlight adds a node that is already requested or launching, with its pods.
func (r *round) addInFlight(in *Node) error {
	pl := r.poolNamed(in.NodePool)
	if pl == nil {
		pl = &pool{name: in.NodePool, labels: in.Labels, taints: in.Taints}
	}
	reqs := in.Requirements
	if reqs == nil {
		reqs = scheduling.Requirements{}
	}
	node := virtualNode(in.Name, pl, reqs, in.InstanceTypes)
	r.sim.snapshot.AddNode(node)
	requested := corev1.ResourceList{}
	for _, pod := range append(append([]*corev1.Pod{}, in.DaemonSetPods...), in.Pods...) {
		if err := r.sim.place(pod, in.Name); err != nil {
			return err
		}
		requested = quotav1.Add(requested, podRequests(pod))
	}
	n := &plannedNode{
		Node: &Node{
			Name: in.Name, NodePool: in.NodePool, Requirements: reqs, InstanceTypes: in.InstanceTypes,
			Pods: append([]*corev1.Pod{}, in.Pods...), DaemonSetPods: in.DaemonSetPods, Labels: in.Labels, Taints: in.Taints,
		},
		pool: pl, inFlight: true, node: node, requested: requested,
		maxAlloc: maxAllocatable(in.InstanceTypes), failed: map[string]bool{},
		used: demandOf(requested), room: shapeOfList(maxAllocatable(in.InstanceTypes)),
	}
	r.nodes = append(r.nodes, n)
	return nil
}

func (r *round) poolNamed(name string) *pool {
	for _, pl := range r.pools {
		if pl.name == name {
			return pl
		}
	}
	return nil
}

// finish turns the round into a Plan: each new node keeps every instance type of
// its NodePool that meets its requirements and holds all its pods, cheapest first.
func (r *round) finish() Plan {
	plan := Plan{InFlight: map[string][]*corev1.Pod{}, Unplaced: r.unplaced}
	for _, n := range r.nodes {
		if n.inFlight {
			if len(n.added) > 0 {
				plan.InFlight[n.Name] = n.added
			}
			continue
		}
		if types := r.shapes.cheapestFirst(n.pool.types, n.Requirements, n.requested, n.narrowed); len(types) > 0 {
			n.InstanceTypes = types
		} else {
			cloudprovider.SortByPrice(n.InstanceTypes, n.Requirements)
		}
		plan.NewNodes = append(plan.NewNodes, n.Node)
	}
	return plan
}

// cheapestFirst is typesFor ordered by the price of each type's cheapest offering
// reqs allow (stable), pricing each type once.
func (c shapes) cheapestFirst(types []*cloudprovider.InstanceType, reqs scheduling.Requirements, requests corev1.ResourceList, labels bool) []*cloudprovider.InstanceType {
	type priced struct {
		it    *cloudprovider.InstanceType
		price float64
	}
	need := demandOf(requests)
	var matcher scheduling.Matcher
	if labels {
		matcher = scheduling.NewMatcher(reqs, wellknown.InstanceTypeLabels)
	}
	var out []priced
	for _, it := range types {
		if !c.of(it).holds(need) || (labels && !matcher.Compatible(it.Requirements)) {
			continue
		}
		if price, ok := cheapestOffering(it, reqs); ok {
			out = append(out, priced{it, price})
		}
	}
	slices.SortStableFunc(out, func(a, b priced) int { return cmp.Compare(a.price, b.price) })
	sorted := make([]*cloudprovider.InstanceType, len(out))
	for i, p := range out {
		sorted[i] = p.it
	}
	return sorted
}
