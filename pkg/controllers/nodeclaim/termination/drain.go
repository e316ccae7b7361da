package termination

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
)

// drain evicts the node's pods in waves: workload pods before DaemonSet pods, and
// within each, pods of ordinary priority before system-critical ones. A wave starts
// once the previous one is gone. An eviction a PodDisruptionBudget refuses is
// retried on the next pass; past the deadline pods are deleted instead. It returns
// how many pods are still on the node (those that will not leave by eviction are
// not counted: mirror pods, finished pods, pods that tolerate the disrupted taint).
func (c *Controller) drain(ctx context.Context, node *corev1.Node, deadline time.Time) (int, error) {
	var pods corev1.PodList
	if err := c.kube.List(ctx, &pods, client.MatchingFields{indexes.PodNodeName: node.Name}); err != nil {
		return 0, fmt.Errorf("listing pods of node %s, %w", node.Name, err)
	}
	waves := make([][]*corev1.Pod, 4)
	left := 0
	for i := range pods.Items {
		pod := &pods.Items[i]
		if !drainable(pod) {
			continue
		}
		left++
		if pod.DeletionTimestamp.IsZero() {
			waves[wave(pod)] = append(waves[wave(pod)], pod)
		}
	}
	for w, wavePods := range waves {
		if len(wavePods) == 0 {
			continue
		}
		if terminatingBefore(pods.Items, w) {
			break // the previous wave is still leaving
		}
		for _, pod := range wavePods {
			if err := c.evict(ctx, pod, c.past(deadline)); err != nil {
				return left, err
			}
		}
		break
	}
	return left, nil
}

// drainable pods are the ones drain waits for.
func drainable(pod *corev1.Pod) bool {
	if _, mirror := pod.Annotations[corev1.MirrorPodAnnotationKey]; mirror {
		return false
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	for _, t := range pod.Spec.Tolerations {
		if t.ToleratesTaint(&wellknown.DisruptedNoScheduleTaint) {
			return false // it would come straight back
		}
	}
	return true
}

// wave is 0 workload, 1 critical workload, 2 DaemonSet, 3 critical DaemonSet.
func wave(pod *corev1.Pod) int {
	w := 0
	if critical(pod) {
		w = 1
	}
	if ref := metav1.GetControllerOf(pod); ref != nil && ref.Kind == "DaemonSet" {
		w += 2
	}
	return w
}

func critical(pod *corev1.Pod) bool {
	return pod.Spec.PriorityClassName == "system-cluster-critical" || pod.Spec.PriorityClassName == "system-node-critical"
}

// terminatingBefore reports whether a pod of a wave before w is still leaving.
func terminatingBefore(pods []corev1.Pod, w int) bool {
	for i := range pods {
		if drainable(&pods[i]) && !pods[i].DeletionTimestamp.IsZero() && wave(&pods[i]) < w {
			return true
		}
	}
	return false
}

// evict asks the Eviction API to remove pod, or deletes it when force is set (the
// node's terminationGracePeriod ran out).
func (c *Controller) evict(ctx context.Context, pod *corev1.Pod, force bool) error {
	if force {
		if err := c.kube.Delete(ctx, pod); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting pod %s/%s, %w", pod.Namespace, pod.Name, err)
		}
		evictionsTotal.WithLabelValues("deleted").Inc()
		return nil
	}
	eviction := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace}}
	err := c.kube.SubResource("eviction").Create(ctx, pod, eviction)
	switch {
	case err == nil:
		evictionsTotal.WithLabelValues("evicted").Inc()
		return nil
	case apierrors.IsNotFound(err):
		return nil
	case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		// Its namespace is going: the pod will be deleted anyway.
		return client.IgnoreNotFound(c.kube.Delete(ctx, pod))
	case apierrors.IsTooManyRequests(err):
		evictionsTotal.WithLabelValues("blocked").Inc()
		log.FromContext(ctx).V(1).Info("eviction refused by a disruption budget", "pod", client.ObjectKeyFromObject(pod))
		c.recorder.Eventf(pod, corev1.EventTypeWarning, "EvictionBlocked", "Evicting the pod from node %s is refused for now: %v", pod.Spec.NodeName, err)
		return nil
	default:
		return fmt.Errorf("evicting pod %s/%s, %w", pod.Namespace, pod.Name, err)
	}
}

// volumesAttached counts the VolumeAttachments still on the node.
func (c *Controller) volumesAttached(ctx context.Context, node *corev1.Node) (int, error) {
	var list storagev1.VolumeAttachmentList
	if err := c.kube.List(ctx, &list); err != nil {
		return 0, fmt.Errorf("listing volume attachments, %w", err)
	}
	n := 0
	for _, va := range list.Items {
		if va.Spec.NodeName == node.Name {
			n++
		}
	}
	return n, nil
}
