package whatif

import (
	"context"

	corev1 "k8s.io/api/core/v1"
)

// OntoExisting binds pods, one after another, to the first node of the
// snapshot whose Filter plugins admit each (with the pods bound before it), as
// kube-scheduler would before the Provisioner is asked: only pods no existing
// node admits are left for the planner. It returns the pods bound, with their
// node set, and the others.
func (j *Judge) OntoExisting(ctx context.Context, pods []*corev1.Pod) (bound, rest []*corev1.Pod, err error) {
	for _, pod := range pods {
		node := j.firstFit(ctx, pod)
		if node == "" {
			rest = append(rest, pod)
			continue
		}
		placed := pod.DeepCopy()
		placed.Spec.NodeName = node
		if err := j.Place(placed, node); err != nil {
			return nil, nil, err
		}
		bound = append(bound, placed)
	}
	return bound, rest, nil
}

// firstFit is the first node that admits pod, or "".
func (j *Judge) firstFit(ctx context.Context, pod *corev1.Pod) string {
	cycle := j.Cycle(ctx, pod)
	for _, ni := range j.Nodes() {
		if cycle.On(ctx, ni).Fits {
			return ni.Node().Name
		}
	}
	return ""
}
