// Package claims holds what the launcher's controllers share about NodeClaims: how
// one is made from a NodePool and a CapacityRequest, and how its conditions and
// resources are read.
package claims

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// NodePoolHashVersion is bumped when what Hash covers changes, so that claims
// stamped by an older launcher are not all seen as drifted at once.
const NodePoolHashVersion = "v1"

// ForRequest is the NodeClaim that launches the node of request r from NodePool np,
// restricted to instanceTypes (r's types that np's limits leave room for). It is
// named after the request, so creating it twice finds the first.
func ForRequest(np *karpv1.NodePool, r *tailorv1alpha1.CapacityRequest, instanceTypes []string) *karpv1.NodeClaim {
	tmpl := np.Spec.Template
	labels := map[string]string{}
	for k, v := range tmpl.ObjectMeta.Labels {
		labels[k] = v
	}
	labels[wellknown.NodePoolLabelKey] = np.Name
	labels[tailorv1alpha1.CapacityRequestLabelKey] = r.Name
	annotations := map[string]string{}
	for k, v := range tmpl.ObjectMeta.Annotations {
		annotations[k] = v
	}
	annotations[wellknown.NodePoolHashAnnotationKey] = Hash(np)
	annotations[wellknown.NodePoolHashVersionAnnotationKey] = NodePoolHashVersion
	reqs := slices.DeleteFunc(slices.Clone(r.Spec.Requirements), func(req karpv1.NodeSelectorRequirementWithMinValues) bool {
		return req.Key == corev1.LabelInstanceTypeStable
	})
	reqs = append(reqs, karpv1.NodeSelectorRequirementWithMinValues{
		Key: corev1.LabelInstanceTypeStable, Operator: corev1.NodeSelectorOpIn, Values: instanceTypes,
	})
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name:        r.Name,
			Labels:      labels,
			Annotations: annotations,
			Finalizers:  []string{wellknown.TerminationFinalizer},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: karpv1.GroupVersion.String(), Kind: "NodePool", Name: np.Name, UID: np.UID,
				BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: karpv1.NodeClaimSpec{
			Taints:                 tmpl.Spec.Taints,
			StartupTaints:          tmpl.Spec.StartupTaints,
			Requirements:           reqs,
			Resources:              karpv1.ResourceRequirements{Requests: r.Spec.Resources.Requests.DeepCopy()},
			NodeClassRef:           tmpl.Spec.NodeClassRef.DeepCopy(),
			ExpireAfter:            tmpl.Spec.ExpireAfter,
			TerminationGracePeriod: tmpl.Spec.TerminationGracePeriod,
		},
	}
}

// Hash identifies what a NodePool's template puts on its nodes besides the
// requirements (which drift checks on their own): labels, annotations, taints,
// node class, lifetime. A claim whose hash differs from its NodePool's drifted.
func Hash(np *karpv1.NodePool) string {
	t := np.Spec.Template
	b, _ := json.Marshal(struct {
		Labels, Annotations    map[string]string
		Taints, StartupTaints  karpv1.Taints
		NodeClassRef           *karpv1.NodeClassReference
		ExpireAfter            string
		TerminationGracePeriod *metav1.Duration
	}{t.ObjectMeta.Labels, t.ObjectMeta.Annotations, t.Spec.Taints, t.Spec.StartupTaints, t.Spec.NodeClassRef, t.Spec.ExpireAfter.String(), t.Spec.TerminationGracePeriod})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// IsTrue reports whether the claim's condition of type t is True.
func IsTrue(claim *karpv1.NodeClaim, t string) bool {
	return meta.IsStatusConditionTrue(claim.Status.Conditions, t)
}

// Set sets the claim's condition of type t.
func Set(claim *karpv1.NodeClaim, t string, status metav1.ConditionStatus, reason, message string) bool {
	return meta.SetStatusCondition(&claim.Status.Conditions, metav1.Condition{
		Type: t, Status: status, Reason: reason, Message: message, ObservedGeneration: claim.Generation,
	})
}

// Launched reports whether the claim's instance exists.
func Launched(claim *karpv1.NodeClaim) bool {
	return claim.Status.ProviderID != "" && IsTrue(claim, karpv1.ConditionTypeLaunched)
}

// Request is the name of the CapacityRequest the claim was made for, or "".
func Request(claim *karpv1.NodeClaim) string {
	return claim.Labels[tailorv1alpha1.CapacityRequestLabelKey]
}

// InstanceTypes are the instance types the claim's requirements name, or nil when
// they name none (any type).
func InstanceTypes(claim *karpv1.NodeClaim) []string {
	for _, r := range claim.Spec.Requirements {
		if r.Key == corev1.LabelInstanceTypeStable && r.Operator == corev1.NodeSelectorOpIn {
			return r.Values
		}
	}
	return nil
}
