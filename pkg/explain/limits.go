package explain

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// overLimits says how np's limits, less what its nodes and requests in
// flight hold, leave no room for any of types (those that admit the pod), or
// "" when they do. The planner counts a new node's capacity against them.
func (s *session) overLimits(np *karpv1.NodePool, types []*cloudprovider.InstanceType) string {
	var remaining corev1.ResourceList
	for _, in := range s.cluster.Round(nil).NodePools {
		if in.NodePool.Name == np.Name {
			remaining = in.Remaining
		}
	}
	if remaining == nil || slices.ContainsFunc(types, func(it *cloudprovider.InstanceType) bool { return holds(remaining, it.Capacity) }) {
		return ""
	}
	return fmt.Sprintf("its limits leave %s, too little for any type that admits the pod (the cheapest, %s, has %s)",
		describe(remaining, remaining), types[0].Name, describe(types[0].Capacity, remaining))
}

// holds reports whether the room left holds a node of capacity (and "nodes",
// one more node).
func holds(left, capacity corev1.ResourceList) bool {
	for name, q := range left {
		if name == "nodes" {
			if q.Value() < 1 {
				return false
			}
			continue
		}
		if c, ok := capacity[name]; ok && c.Cmp(q) > 0 {
			return false
		}
	}
	return true
}

// describe lists the resources of list that limits names, sorted.
func describe(list, limits corev1.ResourceList) string {
	var parts []string
	for name := range limits {
		if q, ok := list[name]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", name, q.String()))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
