package whatif

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"
	resourcehelper "k8s.io/component-helpers/resource"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// unbound returns the pods not bound to a node, by namespace/name.
func (c *Cluster) unbound() map[string]*corev1.Pod {
	out := map[string]*corev1.Pod{}
	for _, p := range c.Pods {
		if p.Spec.NodeName == "" {
			out[p.Namespace+"/"+p.Name] = p
		}
	}
	return out
}

// InFlight says whether r is still in flight: its node is not initialized and
// the launcher did not give up on it.
func (c *Cluster) InFlight(r *tailorv1alpha1.CapacityRequest) bool {
	for _, node := range c.Nodes {
		if node.Labels[tailorv1alpha1.CapacityRequestLabelKey] == r.Name && node.Labels[wellknown.NodeInitializedLabelKey] == "true" {
			return false
		}
	}
	return Failure(r) == ""
}

// Failure is why the launcher gave up on r, or "".
func Failure(r *tailorv1alpha1.CapacityRequest) string {
	cond := meta.FindStatusCondition(r.Status.Conditions, tailorv1alpha1.ConditionTypeLaunched)
	if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != tailorv1alpha1.ReasonLaunchFailed {
		return ""
	}
	if cond.Message == "" {
		return cond.Reason
	}
	return cond.Message
}

// inFlight is the planner's view of a request in flight, as the Provisioner
// builds it: its cheapest instance type of the current catalog (what the
// launcher launches unless capacity runs short), its requirements, the pending
// pods it was planned for and the room it reserved for DaemonSets. Nil when r
// is not in flight or cannot be judged (its NodePool or types are gone).
func (c *Cluster) inFlight(r *tailorv1alpha1.CapacityRequest, pending map[string]*corev1.Pod) *planner.Node {
	np := c.NodePool(r.Spec.NodePool)
	if np == nil || !c.InFlight(r) {
		return nil
	}
	cheapest := TypeNamed(c.Types[nodeClassOf(np)], r.Spec.InstanceTypes)
	reqs, err := scheduling.NewNodeSelectorRequirements(r.Spec.Requirements...)
	if cheapest == nil || err != nil {
		return nil
	}
	var pods []*corev1.Pod
	planned := corev1.ResourceList{}
	for _, ref := range r.Spec.Pods {
		if p, ok := pending[ref.Namespace+"/"+ref.Name]; ok && p.UID == ref.UID {
			pods = append(pods, p)
			planned = quotav1.Add(planned, resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{}))
		}
	}
	return &planner.Node{
		Name: r.Name, NodePool: r.Spec.NodePool, Requirements: reqs,
		InstanceTypes: []*cloudprovider.InstanceType{cheapest}, Pods: pods,
		DaemonSetPods: OverheadPod(r, planned),
		Labels:        np.Spec.Template.ObjectMeta.Labels, Taints: np.Spec.Template.Spec.Taints.Core(),
	}
}

// OverheadPod stands for what a request reserved beyond its pods (its
// DaemonSets), so that pods added to it leave that room free.
func OverheadPod(r *tailorv1alpha1.CapacityRequest, planned corev1.ResourceList) []*corev1.Pod {
	extra := corev1.ResourceList{}
	for name, q := range r.Spec.Resources.Requests {
		left := q.DeepCopy()
		if p, ok := planned[name]; ok {
			left.Sub(p)
		}
		if left.Sign() > 0 {
			extra[name] = left
		}
	}
	if len(extra) == 0 {
		return nil
	}
	return []*corev1.Pod{{
		ObjectMeta: metav1.ObjectMeta{Name: r.Name + "-reserved", Namespace: metav1.NamespaceSystem, UID: r.UID + "-reserved"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "reserved", Resources: corev1.ResourceRequirements{Requests: extra}}}},
	}}
}

// TypeNamed returns the first of names found among types.
func TypeNamed(types []*cloudprovider.InstanceType, names []string) *cloudprovider.InstanceType {
	for _, name := range names {
		for _, it := range types {
			if it.Name == name {
				return it
			}
		}
	}
	return nil
}
