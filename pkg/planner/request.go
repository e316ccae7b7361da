package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"
	resourcehelper "k8s.io/component-helpers/resource"
	"k8s.io/utils/ptr"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// maxTypesPerRequest is the API's cap on a request's instance types.
const maxTypesPerRequest = 500

// CapacityRequest is the request for a planned node: the hand-off to the
// launcher, which launches it as one NodeClaim.
func CapacityRequest(node *Node) *tailorv1alpha1.CapacityRequest {
	types := make([]string, 0, min(len(node.InstanceTypes), maxTypesPerRequest))
	for _, it := range node.InstanceTypes[:min(len(node.InstanceTypes), maxTypesPerRequest)] {
		types = append(types, it.Name)
	}
	requests := corev1.ResourceList{}
	refs := make([]tailorv1alpha1.PodReference, 0, len(node.Pods))
	for _, pod := range append(append([]*corev1.Pod{}, node.DaemonSetPods...), node.Pods...) {
		requests = quotav1.Add(requests, resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{}))
	}
	for _, pod := range node.Pods {
		refs = append(refs, tailorv1alpha1.PodReference{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID})
	}
	// The NodePool is named by the spec, not by a requirement (the API refuses
	// requirements on karpenter.sh/nodepool).
	reqs := slices.DeleteFunc(node.Requirements.NodeSelectorRequirements(), func(r karpv1.NodeSelectorRequirementWithMinValues) bool {
		return r.Key == wellknown.NodePoolLabelKey || r.Key == corev1.LabelHostname
	})
	return &tailorv1alpha1.CapacityRequest{
		ObjectMeta: metav1.ObjectMeta{
			Name:   RequestName(node.NodePool, refs, reqs),
			Labels: map[string]string{wellknown.NodePoolLabelKey: node.NodePool},
		},
		Spec: tailorv1alpha1.CapacityRequestSpec{
			NodePool:      node.NodePool,
			Requirements:  reqs,
			Resources:     karpv1.ResourceRequirements{Requests: requests},
			InstanceTypes: types,
			Pods:          refs,
		},
	}
}

// RequestName is <nodepool>-<hash of the pods' UIDs and the requirements>.
func RequestName(nodePool string, pods []tailorv1alpha1.PodReference, reqs []karpv1.NodeSelectorRequirementWithMinValues) string {
	uids := make([]string, 0, len(pods))
	for _, ref := range pods {
		uids = append(uids, string(ref.UID))
	}
	sort.Strings(uids)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", strings.Join(uids, ","))
	for _, r := range reqs {
		fmt.Fprintf(h, "%s %s %s\n", r.Key, r.Operator, strings.Join(r.Values, ","))
	}
	prefix := nodePool
	if len(prefix) > 50 {
		prefix = prefix[:50]
	}
	return strings.TrimRight(prefix, "-.") + "-" + hex.EncodeToString(h.Sum(nil))[:10]
}

// ReplacementRequest is the request for a planned node that replaces the
// NodeClaims named in replaces (annotated with them): its name hashes them in
// too, so that it never finds the request that launched them, which named
// the same pods and requirements.
func ReplacementRequest(node *Node, replaces []string) *tailorv1alpha1.CapacityRequest {
	r := CapacityRequest(node)
	names := slices.Sorted(slices.Values(replaces))
	sum := sha256.Sum256([]byte(r.Name + "\n" + strings.Join(names, ",")))
	r.Name = r.Name[:len(r.Name)-10] + hex.EncodeToString(sum[:])[:10]
	r.Annotations = map[string]string{tailorv1alpha1.ReplacesAnnotationKey: strings.Join(names, ",")}
	return r
}

// DaemonSetPod is the pod a DaemonSet would run on a new node, made from its
// template: new nodes reserve room for it.
func DaemonSetPod(ds *appsv1.DaemonSet) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: *ds.Spec.Template.ObjectMeta.DeepCopy(), Spec: *ds.Spec.Template.Spec.DeepCopy()}
	pod.Namespace, pod.Name = ds.Namespace, ds.Name+"-daemon"
	pod.UID = ds.UID
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: ds.Name, UID: ds.UID, Controller: ptr.To(true)}}
	return pod
}
