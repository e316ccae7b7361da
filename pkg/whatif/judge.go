package whatif

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework"

	"github.com/tailor-sh/tailor/pkg/planner"
)

// Verdict is what the Filter plugins say of a pod on a node.
type Verdict struct {
	Fits bool `json:"fits"`
	// Plugin is the PreFilter or Filter plugin that refused the pod.
	Plugin string `json:"plugin,omitempty"`
	Reason string `json:"reason,omitempty"`
	// stage is how far the pod got through the Filter plugins (their count
	// when it fits): of several refusals, the latest is the closest to fitting.
	stage int
}

// Closer reports whether v got further through the plugins than o.
func (v Verdict) Closer(o Verdict) bool { return v.stage > o.stage }

// Judge runs the profile's PreFilter and Filter plugins for pods over a
// snapshot of nodes, as kube-scheduler does in a scheduling cycle, and on
// nodes that do not exist (a cheaper type, a node a NodePool could launch).
type Judge struct {
	fw       framework.Framework
	snapshot *planner.Snapshot
	stages   map[string]int
}

// Judge returns a Judge whose snapshot holds nodes and their pods.
func (f *Fit) Judge(ctx context.Context, nodes []planner.NodeWithPods) (*Judge, error) {
	snapshot := planner.NewSnapshot()
	for _, n := range nodes {
		snapshot.AddNode(n.Node)
		for _, p := range n.Pods {
			if _, err := snapshot.AddPod(p, n.Node.Name); err != nil {
				return nil, err
			}
		}
	}
	fw, err := f.Framework(ctx, snapshot)
	if err != nil {
		return nil, err
	}
	stages := map[string]int{}
	for i, p := range fw.ListPlugins().Filter.Enabled {
		stages[p.Name] = i + 1
	}
	return &Judge{fw: fw, snapshot: snapshot, stages: stages}, nil
}

// Nodes lists the snapshot's nodes, in the order they were added.
func (j *Judge) Nodes() []fwk.NodeInfo {
	out, _ := j.snapshot.List()
	return out
}

// Place adds pod to node in the snapshot, as a bound pod.
func (j *Judge) Place(pod *corev1.Pod, node string) error {
	_, err := j.snapshot.AddPod(pod, node)
	return err
}

// Cycle is one pod's PreFilter outcome, against which nodes are judged.
type Cycle struct {
	j      *Judge
	pod    *corev1.Pod
	state  fwk.CycleState
	result *framework.PreFilterResult
	status *fwk.Status
}

// Cycle runs the PreFilter plugins for pod over the snapshot as it is now.
func (j *Judge) Cycle(ctx context.Context, pod *corev1.Pod) *Cycle {
	state := framework.NewCycleState()
	result, status, _ := j.fw.RunPreFilterPlugins(ctx, state, pod)
	return &Cycle{j: j, pod: pod, state: state, result: result, status: status}
}

// On judges the pod on ni, which need not be in the snapshot.
func (c *Cycle) On(ctx context.Context, ni fwk.NodeInfo) Verdict {
	if !c.status.IsSuccess() {
		return refusal(c.status, 0)
	}
	if c.result != nil && !c.result.AllNodes() && !c.result.NodeNames.Has(ni.Node().Name) {
		return Verdict{Plugin: "PreFilter", Reason: "node(s) didn't satisfy plugin(s) PreFilter result"}
	}
	status := c.j.fw.RunFilterPlugins(ctx, c.state, c.pod, ni)
	if status.IsSuccess() {
		return Verdict{Fits: true, stage: len(c.j.stages) + 1}
	}
	return refusal(status, c.j.stages[status.Plugin()])
}

// NodeInfo is a node that is not in the snapshot, holding pods.
func NodeInfo(node *corev1.Node, pods ...*corev1.Pod) *framework.NodeInfo {
	ni := framework.NewNodeInfo(pods...)
	ni.SetNode(node)
	return ni
}

func refusal(status *fwk.Status, stage int) Verdict {
	return Verdict{Plugin: status.Plugin(), Reason: status.Message(), stage: stage}
}

// Pod is the pod the cycle is for.
func (c *Cycle) Pod() *corev1.Pod { return c.pod }
