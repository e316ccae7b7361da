package explain

import (
	"context"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// Launch is how a pod's node was launched for a capacity request.
type Launch struct {
	CapacityRequest string `json:"capacityRequest"`
	// RequestRemoved: the launcher removes a request 10 minutes after its
	// node initialized; what it listed is then unknown.
	RequestRemoved bool `json:"requestRemoved,omitempty"`
	// PlannedForPod says whether the request was planned for this pod; if
	// not, the pod took room left on the node.
	PlannedForPod bool `json:"plannedForPod"`
	// Replaces names the NodeClaims a replacement request was launched for.
	Replaces  string `json:"replaces,omitempty"`
	NodeClaim string `json:"nodeClaim,omitempty"`
	NodePool  string `json:"nodePool"`
	// InstanceType, Zone, CapacityType and PricePerHour are what the node was
	// launched as.
	InstanceType string  `json:"instanceType"`
	Zone         string  `json:"zone"`
	CapacityType string  `json:"capacityType"`
	PricePerHour float64 `json:"pricePerHour"`
	// Cheaper are the NodePool's instance types with an offering cheaper than
	// that, cheapest first, each judged now for the pod beside the other pods
	// of its node.
	Cheaper []TypeVerdict `json:"cheaper"`
	// CheaperNote says why they could not be judged.
	CheaperNote string `json:"cheaperNote,omitempty"`
}

// explainBound fills r for a pod bound to a node.
func (s *session) explainBound(ctx context.Context, pod *corev1.Pod, r *WhyReport) error {
	rel := relate(s.cluster, pod)
	switch {
	case rel.node == nil:
		r.NotProvisioned = fmt.Sprintf("node %s is not in the cluster any more", pod.Spec.NodeName)
		return nil
	case rel.requestName == "" && rel.claim == nil:
		r.NotProvisioned = fmt.Sprintf("node %s was not launched by the Provisioner: it has no %s label and no NodeClaim",
			rel.node.Name, tailorv1alpha1.CapacityRequestLabelKey)
		return nil
	case rel.requestName == "":
		r.NotProvisioned = fmt.Sprintf("node %s was launched for NodeClaim %s, which no capacity request asked for (%s)",
			rel.node.Name, rel.claim.Name, replacing(rel.claim.Annotations))
		return nil
	}
	r.Launch = launchOf(rel, s.cluster.Types)
	mates := s.cluster.PodsOn()[rel.node.Name]
	var err error
	r.Launch.Cheaper, r.Launch.CheaperNote, err = s.cheaper(ctx, pod, rel.node, r.Launch)
	r.Judged = s.judged(fmt.Sprintf(", as node %s %s", rel.node.Name, besides(len(mates)-1)))
	return err
}

// launchOf describes the launch rel records: what the node is, from its
// labels, and what it costs, from its claim (else the catalog).
func launchOf(rel relation, types catalogTypes) *Launch {
	labels := rel.node.Labels
	l := &Launch{
		CapacityRequest: rel.requestName, RequestRemoved: rel.request == nil, PlannedForPod: rel.planned,
		NodePool: labels[wellknown.NodePoolLabelKey], InstanceType: labels[corev1.LabelInstanceTypeStable],
		Zone: labels[corev1.LabelTopologyZone], CapacityType: labels[wellknown.CapacityTypeLabelKey],
	}
	if rel.request != nil {
		l.Replaces = rel.request.Annotations[tailorv1alpha1.ReplacesAnnotationKey]
	}
	if rel.claim != nil {
		l.NodeClaim = rel.claim.Name
		l.PricePerHour, _ = strconv.ParseFloat(rel.claim.Annotations[tailorv1alpha1.PricePerHourAnnotationKey], 64)
	}
	if l.PricePerHour == 0 {
		l.PricePerHour = types.price(l.InstanceType, l.Zone, l.CapacityType)
	}
	return l
}

// besides says what else a node holds: "with its 3 other pods", "alone".
func besides(others int) string {
	if others == 0 {
		return "alone"
	}
	return "with its " + plural(others, "other pod")
}

// replacing says what a claim made without a request replaces, if it says.
func replacing(annotations map[string]string) string {
	if old := annotations[tailorv1alpha1.ReplacesAnnotationKey]; old != "" {
		return "it replaces " + old
	}
	return "made by the launcher itself"
}
