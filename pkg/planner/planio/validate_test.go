package planio

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
)

func TestValidate(t *testing.T) {
	// small: 2 cpu, 8 GiB, 3 pods at 0.1; large: 8 cpu, 32 GiB, 58 pods at 0.4.
	small := testType("small", 2, 8, 3, offering("a", "on-demand", 0.1))
	large := testType("large", 8, 32, 58, offering("a", "on-demand", 0.4))
	reqs := zoneAndCapacityType([]string{"a"}, "on-demand")
	p1, p2, p3, p4 := testPod("p1", "1", "2Gi"), testPod("p2", "1", "2Gi"), testPod("p3", "500m", "1Gi"), testPod("p4", "1", "1Gi")
	daemon := testPod("daemon", "100m", "128Mi")
	node := func(name string, pods []*corev1.Pod, types ...*cloudprovider.InstanceType) *planner.Node {
		return &planner.Node{Name: name, Requirements: reqs, InstanceTypes: types, Pods: pods}
	}
	withDaemon := func(n *planner.Node) *planner.Node {
		n.DaemonSetPods = []*corev1.Pod{daemon}
		return n
	}
	all := []*corev1.Pod{p1, p2, p3, p4}
	for _, tc := range []struct {
		name    string
		plan    planner.Plan
		wantErr []string // nil: valid
	}{{
		name: "every pod placed once, within allocatable",
		plan: planner.Plan{
			NewNodes: []*planner.Node{node("n1", []*corev1.Pod{p1}, small), node("n2", []*corev1.Pod{p2, p3}, small)},
			InFlight: map[string][]*corev1.Pod{"claim": {p4}},
		},
	}, {
		name: "an unplaced pod counts as accounted for",
		plan: planner.Plan{
			NewNodes: []*planner.Node{node("n1", []*corev1.Pod{p1, p2}, small), node("n2", []*corev1.Pod{p3}, small)},
			Unplaced: []planner.Unplaced{{Pod: p4, Reason: "no room"}},
		},
	}, {
		name: "cpu over the cheapest type's allocatable",
		plan: planner.Plan{NewNodes: []*planner.Node{node("n1", all, small, large)}},
		wantErr: []string{"node n1 (small) is overfull", "cpu 3500m > allocatable 2",
			"pods 4 > allocatable 3"},
	}, {
		name:    "DaemonSet pods count toward cpu and pod slots",
		plan:    planner.Plan{NewNodes: []*planner.Node{withDaemon(node("n1", []*corev1.Pod{p1, p2}, small)), node("n2", []*corev1.Pod{p3, p4}, large)}},
		wantErr: []string{"node n1 (small) is overfull: its 2 pods and 1 DaemonSet pods request cpu 2100m > allocatable 2"},
	}, {
		name:    "a pod placed twice",
		plan:    planner.Plan{NewNodes: []*planner.Node{node("n1", []*corev1.Pod{p1, p2}, large), node("n2", []*corev1.Pod{p3, p4, p1}, large)}},
		wantErr: []string{"pod default/p1 is on new node n1 and also on new node n2"},
	}, {
		name:    "a pod forgotten",
		plan:    planner.Plan{NewNodes: []*planner.Node{node("n1", []*corev1.Pod{p1, p2, p3}, large)}},
		wantErr: []string{"pod default/p4 is neither placed nor listed unplaced"},
	}, {
		name:    "a pod not asked for",
		plan:    planner.Plan{NewNodes: []*planner.Node{node("n1", append([]*corev1.Pod{testPod("stranger", "1", "1Gi")}, all...), large)}},
		wantErr: []string{"pod default/stranger is on new node n1 but is not one of the pods to plan"},
	}, {
		name:    "a node with nothing to launch",
		plan:    planner.Plan{NewNodes: []*planner.Node{{Name: "n1", Requirements: zoneAndCapacityType([]string{"z"}, "spot"), InstanceTypes: []*cloudprovider.InstanceType{large}, Pods: all}}},
		wantErr: []string{"node n1 has no instance type with an available offering its requirements allow"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.plan, all)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want the plan valid", err)
				}
				return
			}
			expectError(t, err, append(tc.wantErr, "validating plan")...)
		})
	}
}
