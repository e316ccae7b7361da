package planner

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework"
)

// simulation runs a framework's PreFilter and Filter plugins over a Snapshot the
// planner changes as it places pods. PreFilter runs once per pod group and is kept
// current: re-run when nodes changed, caught up with the AddPod extensions when
// only pods were added.
type simulation struct {
	fw       framework.Framework
	snapshot *Snapshot
	states   map[string]*groupState
	// placed logs every pod placed since the start, for catching states up.
	placed []placement
}

type placement struct {
	pod  fwk.PodInfo
	node string
}

// groupState is the PreFilter outcome for one group of equivalent pods.
type groupState struct {
	state        fwk.CycleState
	result       *framework.PreFilterResult
	status       *fwk.Status
	nodeVersion  int
	labelVersion int
	antiPods     bool
	// repair says how to repair the spread state after placements (spread.go);
	// nil when it cannot be.
	repair *spreadRepair
	seen   int // placements applied
}

func newSimulation(fw framework.Framework, snapshot *Snapshot) *simulation {
	return &simulation{fw: fw, snapshot: snapshot, states: map[string]*groupState{}}
}

// fits reports whether pod, one of group g, passes every Filter plugin on node.
func (s *simulation) fits(ctx context.Context, g *group, pod *corev1.Pod, node string) *fwk.Status {
	gs := s.prefilter(ctx, g, pod)
	if !gs.status.IsSuccess() {
		return gs.status
	}
	if gs.result != nil && !gs.result.AllNodes() && !gs.result.NodeNames.Has(node) {
		return fwk.NewStatus(fwk.UnschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) PreFilter result")
	}
	ni, ok := s.snapshot.NodeInfo(node)
	if !ok {
		return fwk.NewStatus(fwk.Error, "unknown node "+node)
	}
	return s.fw.RunFilterPlugins(ctx, gs.state, pod, ni)
}

// place adds pod to node in the snapshot.
func (s *simulation) place(pod *corev1.Pod, node string) error {
	ni, err := s.snapshot.AddPod(pod, node)
	if err != nil {
		return err
	}
	s.placed = append(s.placed, placement{pod: ni.Pods[len(ni.Pods)-1], node: node})
	return nil
}

func (s *simulation) prefilter(ctx context.Context, g *group, pod *corev1.Pod) *groupState {
	if gs, ok := s.states[g.key]; ok && s.current(g, gs) && s.catchUp(ctx, g, gs, pod) {
		gs.nodeVersion = s.snapshot.nodeVersion
		return gs
	}
	state := framework.NewCycleState()
	result, status, _ := s.fw.RunPreFilterPlugins(ctx, state, pod)
	gs := &groupState{
		state: state, result: result, status: status,
		nodeVersion: s.snapshot.nodeVersion, labelVersion: s.snapshot.labelVersion,
		antiPods: s.snapshot.HasAntiAffinityPods(), seen: len(s.placed),
	}
	if g.spread {
		gs.repair = s.newSpreadRepair(g, pod)
	}
	s.states[g.key] = gs
	return gs
}

// current reports whether a group's PreFilter state still describes the snapshot
// once caught up with the AddPod extensions (catchUp). Changed node labels always
// need a fresh PreFilter. New nodes matter only to a PreFilter result that names
// nodes, to volume plugins, and to topology spread, which counts them as domains.
// A spread state is caught up and then repaired (spread.go), or recomputed when
// it cannot be repaired. The inter-pod affinity plugin's AddPod extension is
// exact.
func (s *simulation) current(g *group, gs *groupState) bool {
	if gs.labelVersion != s.snapshot.labelVersion || gs.antiPods != s.snapshot.HasAntiAffinityPods() {
		return false
	}
	if gs.nodeVersion != s.snapshot.nodeVersion {
		if g.volumes || (gs.result != nil && !gs.result.AllNodes()) {
			return false
		}
		// A new node of a known domain, or a new hostname, is repaired like a
		// placement; a new domain of another key needs a fresh PreFilter.
		if g.spread && (gs.repair == nil || !gs.repair.scan(s.snapshot.order)) {
			return false
		}
	}
	return !g.spread || gs.seen == len(s.placed) || gs.repair != nil
}

// catchUp applies the pods placed since the state was computed, where the state
// depends on them, and repairs a spread state. It returns false, leaving the
// state as it was, when the spread state cannot be repaired.
func (s *simulation) catchUp(ctx context.Context, g *group, gs *groupState, pod *corev1.Pod) bool {
	placed := s.placed[gs.seen:]
	var zero fwk.NodeInfo
	if g.spread && gs.repair != nil && len(gs.repair.hostname) > 0 && (len(placed) > 0 || gs.nodeVersion != s.snapshot.nodeVersion) {
		if zero = s.zeroNode(gs.repair, pod.Namespace); zero == nil {
			return false
		}
	}
	gs.seen = len(s.placed)
	if !gs.antiPods && !g.topologySensitive {
		return true
	}
	for _, p := range placed {
		ni, _ := s.snapshot.NodeInfo(p.node)
		if status := s.fw.RunPreFilterExtensionAddPod(ctx, gs.state, pod, p.pod, ni); !status.IsSuccess() {
			gs.status = status
		}
	}
	if g.spread && gs.repair != nil {
		s.repairSpread(ctx, gs, pod, placed, zero)
	}
	return true
}

// fitsNodeInfo is fits on a node that is not (or not yet, in this form) in the
// snapshot, e.g. a candidate new node or a node with narrowed labels.
func (s *simulation) fitsNodeInfo(ctx context.Context, g *group, pod *corev1.Pod, ni fwk.NodeInfo) *fwk.Status {
	gs := s.prefilter(ctx, g, pod)
	if !gs.status.IsSuccess() {
		return gs.status
	}
	if gs.result != nil && !gs.result.AllNodes() && !gs.result.NodeNames.Has(ni.Node().Name) {
		return fwk.NewStatus(fwk.UnschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) PreFilter result")
	}
	return s.fw.RunFilterPlugins(ctx, gs.state, pod, ni)
}
