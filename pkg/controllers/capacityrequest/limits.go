package capacityrequest

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
)

// withNodes is capacity counting one node, for a "nodes" limit.
func withNodes(capacity corev1.ResourceList) corev1.ResourceList {
	out := capacity.DeepCopy()
	out["nodes"] = *resource.NewQuantity(1, resource.DecimalSI)
	return out
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
// creates a NodeClaim for np (both under np's lock when np has limits, so the
// last word is the last decision). Other controllers write the NodePool's status too,
// so a conflict is retried on a fresh read.
func (c *Controller) setLimitsReached(ctx context.Context, np *karpv1.NodePool, reached bool, message string) {
	cond := metav1.Condition{Type: tailorv1alpha1.ConditionTypeLimitsReached, Status: metav1.ConditionFalse,
		Reason: "WithinLimits", Message: "the last request fit within spec.limits"}
	if reached {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, "LimitsReached", message
	} else if meta.FindStatusCondition(np.Status.Conditions, cond.Type) == nil {
		return
	}
	changed := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current := &karpv1.NodePool{}
		if err := c.kube.Get(ctx, client.ObjectKeyFromObject(np), current); err != nil {
			return err
		}
		stored := current.DeepCopy()
		cond.ObservedGeneration = current.Generation
		if changed = meta.SetStatusCondition(&current.Status.Conditions, cond); !changed {
			return nil
		}
		return c.kube.Status().Patch(ctx, current, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{}))
	})
	if err != nil {
		log.FromContext(ctx).Error(err, "recording limits on nodepool", "nodepool", np.Name)
		return
	}
	if reached && changed {
		c.recorder.Eventf(np, corev1.EventTypeWarning, "LimitsReached", "%s", message)
	}
}
