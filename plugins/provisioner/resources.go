package provisioner

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	resourcehelper "k8s.io/component-helpers/resource"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// podRequests are the pod's effective requests (init containers, overhead).
func podRequests(pod *corev1.Pod) corev1.ResourceList {
	return resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
}

// remaining is what np's limits leave after used; nil when it has no limits.
func remaining(np *karpv1.NodePool, used corev1.ResourceList) corev1.ResourceList {
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

// overheadPod stands for what a request reserved beyond its pods (its DaemonSets),
// so that pods added to it later leave that room free.
func overheadPod(r *tailorv1alpha1.CapacityRequest, planned corev1.ResourceList) []*corev1.Pod {
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

func taints(np *karpv1.NodePool) []corev1.Taint {
	out := make([]corev1.Taint, 0, len(np.Spec.Template.Spec.Taints))
	for _, t := range np.Spec.Template.Spec.Taints {
		out = append(out, t.Core())
	}
	return out
}

// typeNamed returns the first of names found among types.
func typeNamed(types []*cloudprovider.InstanceType, names []string) *cloudprovider.InstanceType {
	for _, name := range names {
		for _, it := range types {
			if it.Name == name {
				return it
			}
		}
	}
	return nil
}

func containsPod(pods []*corev1.Pod, pod *corev1.Pod) bool {
	for _, p := range pods {
		if p.UID == pod.UID {
			return true
		}
	}
	return false
}
