package whatif

import (
	"fmt"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// Round is a planning round as the Provisioner builds it for a batch
// (plugins/provisioner/input.go does the same from the scheduler's informers),
// with what the commands report besides.
type Round struct {
	planner.Input
	// Missing says, per NodePool, why it offers no instance type at all.
	Missing map[string]string
	// Waiting are the pods of the batch already planned onto a capacity
	// request in flight, by request: they wait for it and are not planned again.
	Waiting map[string][]*corev1.Pod
}

// Round builds the round the Provisioner would plan for pods: existing nodes
// with their pods; the capacity requests in flight with the pending pods they
// were planned for; NodePools, heaviest first, with their node class's instance
// types and what their limits leave; one pod per DaemonSet. Pods planned onto
// a request in flight wait for it instead of being planned.
func (c *Cluster) Round(pods []*corev1.Pod) Round {
	r := Round{Missing: map[string]string{}, Waiting: map[string][]*corev1.Pod{}}
	r.Nodes, r.DaemonSetPods = c.NodesWithPods(nil), c.DaemonSetPods
	used := usedByNodes(c.Nodes)
	waits := r.addInFlight(c, pods, used)
	for _, np := range SortedPools(c.NodePools) {
		if why := c.NoTypes(np); why != "" {
			r.Missing[np.Name] = why
		}
		r.NodePools = append(r.NodePools, planner.NodePoolInput{NodePool: np, InstanceTypes: c.TypesOf(np), Remaining: Remaining(np, used[np.Name])})
	}
	for _, p := range pods {
		if !waits[p.UID] {
			r.Pods = append(r.Pods, p)
		}
	}
	return r
}

// addInFlight adds the requests in flight, counting each one's cheapest type
// against its NodePool's limits in used, and returns the pods of the batch
// that wait for one.
func (r *Round) addInFlight(c *Cluster, batch []*corev1.Pod, used map[string]corev1.ResourceList) map[types.UID]bool {
	inBatch := map[types.UID]bool{}
	for _, p := range batch {
		inBatch[p.UID] = true
	}
	waits := map[types.UID]bool{}
	pending := c.unbound()
	for _, req := range c.Requests {
		n := c.inFlight(req, pending)
		if n == nil {
			continue
		}
		r.InFlight = append(r.InFlight, n)
		used[n.NodePool] = quotav1.Add(used[n.NodePool], n.InstanceTypes[0].Capacity)
		for _, p := range n.Pods {
			if inBatch[p.UID] {
				r.Waiting[n.Name] = append(r.Waiting[n.Name], p)
				waits[p.UID] = true
			}
		}
	}
	return waits
}

// usedByNodes is the capacity of the nodes of each NodePool.
func usedByNodes(nodes []*corev1.Node) map[string]corev1.ResourceList {
	used := map[string]corev1.ResourceList{}
	for _, node := range nodes {
		if pool := node.Labels[wellknown.NodePoolLabelKey]; pool != "" {
			used[pool] = quotav1.Add(used[pool], node.Status.Capacity)
		}
	}
	return used
}

// NoTypes says why no instance type is published for np's node class, or ""
// when some are.
func (c *Cluster) NoTypes(np *karpv1.NodePool) string {
	name := nodeClassOf(np)
	class, ok := c.NodeClasses[name]
	switch {
	case len(c.Types[name]) > 0:
		return ""
	case name == "":
		return fmt.Sprintf("nodepool %s names no EC2NodeClass (spec.template.spec.nodeClassRef)", np.Name)
	case !ok:
		return fmt.Sprintf("nodepool %s: EC2NodeClass %s does not exist", np.Name, name)
	}
	if cond := meta.FindStatusCondition(class.Status.Conditions, karpv1.ConditionTypeReady); cond != nil && cond.Status != metav1.ConditionTrue {
		return fmt.Sprintf("nodepool %s: EC2NodeClass %s is not ready: %s", np.Name, name, cond.Message)
	}
	return fmt.Sprintf("nodepool %s: no instance types are published for EC2NodeClass %s (is the launcher running?)", np.Name, name)
}

// TypesOf are the published instance types of np's node class.
func (c *Cluster) TypesOf(np *karpv1.NodePool) []*cloudprovider.InstanceType {
	return c.Types[nodeClassOf(np)]
}

func nodeClassOf(np *karpv1.NodePool) string {
	if ref := np.Spec.Template.Spec.NodeClassRef; ref != nil {
		return ref.Name
	}
	return ""
}

// SortedPools orders NodePools as the planner tries them: heaviest first,
// then by name.
func SortedPools(pools []*karpv1.NodePool) []*karpv1.NodePool {
	out := slices.Clone(pools)
	sort.SliceStable(out, func(i, j int) bool {
		wi, wj := weightOf(out[i]), weightOf(out[j])
		if wi != wj {
			return wi > wj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func weightOf(np *karpv1.NodePool) int32 {
	if np.Spec.Weight != nil {
		return *np.Spec.Weight
	}
	return 0
}

// Remaining is what np's limits leave after used; nil when it has none.
func Remaining(np *karpv1.NodePool, used corev1.ResourceList) corev1.ResourceList {
	if len(np.Spec.Limits) == 0 {
		return nil
	}
	out := corev1.ResourceList{}
	for name, limit := range np.Spec.Limits {
		left := limit.DeepCopy()
		if u, ok := used[name]; ok {
			left.Sub(u)
		}
		out[name] = left
	}
	return out
}
