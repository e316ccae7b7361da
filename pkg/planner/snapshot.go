package planner

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework"
)

// Snapshot is the world the simulation framework sees: existing nodes and pods plus
// planned nodes and the pods placed on them. Unlike the scheduler's snapshot it
// changes as the planner places pods; Version tells cached PreFilter state when.
type Snapshot struct {
	nodes map[string]*framework.NodeInfo
	order []fwk.NodeInfo
	// withAffinity and withAntiAffinity list nodes holding pods with (anti-)affinity.
	withAffinity     []fwk.NodeInfo
	withAntiAffinity []fwk.NodeInfo
	pvcUsers         map[string]int
	// nodeVersion counts node additions and label changes, labelVersion label
	// changes alone; podVersion counts pod additions.
	nodeVersion, labelVersion, podVersion int
}

var _ framework.SharedLister = (*Snapshot)(nil)

// NewSnapshot returns an empty snapshot.
func NewSnapshot() *Snapshot {
	return &Snapshot{nodes: map[string]*framework.NodeInfo{}, pvcUsers: map[string]int{}}
}

// reset empties the snapshot for a new round; versions keep counting so that no
// cached state of an earlier round can look current.
func (s *Snapshot) reset() {
	s.nodes = map[string]*framework.NodeInfo{}
	s.order, s.withAffinity, s.withAntiAffinity = nil, nil, nil
	s.pvcUsers = map[string]int{}
	s.nodeVersion++
	s.labelVersion++
}

// AddNode adds a node; its pods are added with AddPod.
func (s *Snapshot) AddNode(node *corev1.Node) *framework.NodeInfo {
	ni := framework.NewNodeInfo()
	ni.SetNode(node)
	s.nodes[node.Name] = ni
	s.order = append(s.order, ni)
	s.nodeVersion++
	return ni
}

// SetNode replaces the node object of a node (e.g. labels narrowed by a pod).
func (s *Snapshot) SetNode(node *corev1.Node) {
	if ni, ok := s.nodes[node.Name]; ok {
		ni.SetNode(node)
		s.nodeVersion++
		s.labelVersion++
	}
}

// AddPod places pod on node nodeName.
func (s *Snapshot) AddPod(pod *corev1.Pod, nodeName string) (*framework.NodeInfo, error) {
	ni, ok := s.nodes[nodeName]
	if !ok {
		return nil, fmt.Errorf("adding pod %s/%s to unknown node %s", pod.Namespace, pod.Name, nodeName)
	}
	hadAffinity, hadAnti := len(ni.PodsWithAffinity) > 0, len(ni.PodsWithRequiredAntiAffinity) > 0
	ni.AddPod(pod)
	if !hadAffinity && len(ni.PodsWithAffinity) > 0 {
		s.withAffinity = append(s.withAffinity, ni)
	}
	if !hadAnti && len(ni.PodsWithRequiredAntiAffinity) > 0 {
		s.withAntiAffinity = append(s.withAntiAffinity, ni)
	}
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			s.pvcUsers[pod.Namespace+"/"+v.PersistentVolumeClaim.ClaimName]++
		}
	}
	s.podVersion++
	return ni, nil
}

// HasAntiAffinityPods reports whether any pod in the snapshot has required
// anti-affinity, which every other pod's PreFilter must take into account.
func (s *Snapshot) HasAntiAffinityPods() bool { return len(s.withAntiAffinity) > 0 }

// NodeInfo returns the node named name.
func (s *Snapshot) NodeInfo(name string) (*framework.NodeInfo, bool) {
	ni, ok := s.nodes[name]
	return ni, ok
}

// NodeInfos implements framework.SharedLister.
func (s *Snapshot) NodeInfos() framework.NodeInfoLister { return s }

// StorageInfos implements framework.SharedLister.
func (s *Snapshot) StorageInfos() framework.StorageInfoLister { return s }

// List implements framework.NodeInfoLister.
func (s *Snapshot) List() ([]fwk.NodeInfo, error) { return s.order, nil }

// HavePodsWithAffinityList implements framework.NodeInfoLister.
func (s *Snapshot) HavePodsWithAffinityList() ([]fwk.NodeInfo, error) { return s.withAffinity, nil }

// HavePodsWithRequiredAntiAffinityList implements framework.NodeInfoLister.
func (s *Snapshot) HavePodsWithRequiredAntiAffinityList() ([]fwk.NodeInfo, error) {
	return s.withAntiAffinity, nil
}

// Get implements framework.NodeInfoLister.
func (s *Snapshot) Get(name string) (fwk.NodeInfo, error) {
	if ni, ok := s.nodes[name]; ok {
		return ni, nil
	}
	return nil, fmt.Errorf("nodeinfo not found for node name %q", name)
}

// IsPVCUsedByPods implements framework.StorageInfoLister.
func (s *Snapshot) IsPVCUsedByPods(key string) bool { return s.pvcUsers[key] > 0 }
