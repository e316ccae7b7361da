package planner

import (
	corev1 "k8s.io/api/core/v1"

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
		requested = add(requested, podRequests(pod))
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
		types := r.shapes.typesFor(n.pool.types, n.Requirements, n.requested, n.narrowed)
		if len(types) == 0 {
			types = n.InstanceTypes
		}
		cloudprovider.SortByPrice(types, n.Requirements)
		n.InstanceTypes = types
		plan.NewNodes = append(plan.NewNodes, n.Node)
	}
	return plan
}
