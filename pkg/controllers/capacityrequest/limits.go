package capacityrequest

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
)

func resourceOne() *resource.Quantity { return resource.NewQuantity(1, resource.DecimalSI) }

func withNodes(capacity corev1.ResourceList) corev1.ResourceList {
	out := capacity.DeepCopy()
	out["nodes"] = *resourceOne()
	return out
}

func add(total, more corev1.ResourceList) {
	for name, q := range more {
		sum := total[name]
		sum.Add(q)
		total[name] = sum
	}
}

// exceeds says which of limits used + more would go over, or "".
func exceeds(limits karpv1.Limits, used, more corev1.ResourceList) string {
	names := make([]string, 0, len(limits))
	for name := range limits {
		names = append(names, string(name))
	}
	sort.Strings(names)
	for _, name := range names {
		limit := limits[corev1.ResourceName(name)]
		total := used[corev1.ResourceName(name)].DeepCopy()
		total.Add(more[corev1.ResourceName(name)])
		if total.Cmp(limit) > 0 {
			u := used[corev1.ResourceName(name)]
			return fmt.Sprintf("%s limit %s, %s in use or launching", name, limit.String(), u.String())
		}
	}
	return ""
}

// setLimitsReached records on np whether a request was refused for its limits.
// The condition is this controller's: set when it refuses, cleared when it next
// creates a NodeClaim for np.
func (c *Controller) setLimitsReached(ctx context.Context, np *karpv1.NodePool, reached bool, message string) {
	cond := metav1.Condition{Type: tailorv1alpha1.ConditionTypeLimitsReached, Status: metav1.ConditionFalse,
		Reason: "WithinLimits", Message: "the last request fit within spec.limits", ObservedGeneration: np.Generation}
	if reached {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, "LimitsReached", message
	} else if meta.FindStatusCondition(np.Status.Conditions, cond.Type) == nil {
		return
	}
	stored := np.DeepCopy()
	if !meta.SetStatusCondition(&np.Status.Conditions, cond) {
		return
	}
	if err := c.kube.Status().Patch(ctx, np, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		log.FromContext(ctx).V(1).Info("could not record limits on nodepool", "nodepool", np.Name, "error", err.Error())
		return
	}
	if reached {
		c.recorder.Eventf(np, corev1.EventTypeWarning, "LimitsReached", "%s", message)
	}
}
