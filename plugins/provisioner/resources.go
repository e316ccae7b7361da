package provisioner

import (
	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// podRequests are the pod's effective requests (init containers, overhead).
func podRequests(pod *corev1.Pod) corev1.ResourceList {
	return resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
}

func taints(np *karpv1.NodePool) []corev1.Taint {
	out := make([]corev1.Taint, 0, len(np.Spec.Template.Spec.Taints))
	for _, t := range np.Spec.Template.Spec.Taints {
		out = append(out, t.Core())
	}
	return out
}

func containsPod(pods []*corev1.Pod, pod *corev1.Pod) bool {
	for _, p := range pods {
		if p.UID == pod.UID {
			return true
		}
	}
	return false
}
