package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// CapacityRequestSpec is one node the scheduler planned for pods no existing node
// could hold: the NodePool it comes from, the requirements every acceptable instance
// type meets, the resources the pods need, and the instance types that fit them,
// cheapest first. It cannot change after creation.
type CapacityRequestSpec struct {
	// NodePool the node is launched from.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	NodePool string `json:"nodePool"`
	// Requirements of the node: the NodePool's template requirements narrowed by the
	// pods (instance types, zones, capacity types, ...).
	// +kubebuilder:validation:MaxItems:=100
	// +required
	Requirements []karpv1.NodeSelectorRequirementWithMinValues `json:"requirements"`
	// Resources the pods and DaemonSets planned onto the node request.
	// +optional
	Resources karpv1.ResourceRequirements `json:"resources,omitempty"`
	// InstanceTypes that fit every planned pod, cheapest first.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=500
	// +required
	InstanceTypes []string `json:"instanceTypes"`
	// Pods planned onto the node, for events and accounting.
	// +kubebuilder:validation:MaxItems=1000
	// +optional
	Pods []PodReference `json:"pods,omitempty"`
}

// PodReference names a pod.
type PodReference struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       types.UID `json:"uid,omitempty"`
}

// CapacityRequestStatus says what the launcher did with the request.
type CapacityRequestStatus struct {
	// NodeClaim the launcher created for this request.
	// +optional
	NodeClaim string `json:"nodeClaim,omitempty"`
	// Conditions: Accepted (the launcher took it), Launched (a NodeClaim was created).
	// A false condition's message says why.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// CapacityRequest is the hand-off from the scheduler plugin to the launcher: one
// planned node. Its name is derived from the plan, so a retried hand-off finds the
// existing object instead of launching twice.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=capacityrequests,scope=Cluster,categories=tailor,shortName=capreq
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="NodePool",type="string",JSONPath=".spec.nodePool"
// +kubebuilder:printcolumn:name="Cheapest",type="string",JSONPath=".spec.instanceTypes[0]"
// +kubebuilder:printcolumn:name="NodeClaim",type="string",JSONPath=".status.nodeClaim"
// +kubebuilder:printcolumn:name="Launched",type="string",JSONPath=".status.conditions[?(@.type==\"Launched\")].status"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type CapacityRequest struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:validation:XValidation:message="spec is immutable",rule="self == oldSelf"
	// +required
	Spec CapacityRequestSpec `json:"spec"`
	// +optional
	Status CapacityRequestStatus `json:"status,omitempty"`
}

// CapacityRequestList is a list of CapacityRequests.
//
// +kubebuilder:object:root=true
type CapacityRequestList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CapacityRequest `json:"items"`
}

// CapacityRequest condition types.
const (
	ConditionTypeAccepted = "Accepted"
	ConditionTypeLaunched = "Launched"

	// ReasonLaunchFailed on Launched=False says the launcher gave up on the request;
	// the scheduler then plans its pods again.
	ReasonLaunchFailed = "LaunchFailed"
)

// PricePerHourAnnotationKey on a NodeClaim is the hourly price in USD of the
// offering its instance was launched from (type, zone, capacity type), as the
// launcher knew it at launch.
const PricePerHourAnnotationKey = "tailor.sh/price-per-hour"

// Annotations the interruption controller writes; after a restart they are the
// whole state of an interruption in progress.
const (
	// ReplacesAnnotationKey on a replacement NodeClaim names the interrupted claim;
	// on a replacement capacity request, the claims the disruption controller
	// replaces (comma separated).
	ReplacesAnnotationKey = "tailor.sh/replaces"
	// ReplacedByAnnotationKey on an interrupted NodeClaim names its replacement.
	ReplacedByAnnotationKey = "tailor.sh/replaced-by"
	// DeadlineAnnotationKey on an interrupted NodeClaim is when it is deleted even if
	// its replacement has not initialized (RFC 3339).
	DeadlineAnnotationKey = "tailor.sh/interruption-deadline"
)

// Condition types and reasons the launcher sets on NodePools and NodeClaims beyond
// Karpenter's.
const (
	// ConditionTypeLimitsReached on a NodePool is True while a request was refused
	// because the NodePool's spec.limits leave no room for any of its instance types.
	ConditionTypeLimitsReached = "LimitsReached"
	// ReasonInsufficientCapacity on a NodeClaim's Launched=False: no offering of its
	// instance types had capacity.
	ReasonInsufficientCapacity = "InsufficientCapacity"
)

// Annotations the disruption controller writes on a NodeClaim it replaces
// (tainted karpenter.sh/disrupted until then); after a restart they are the
// whole state of the replacement.
const (
	// DisruptionReasonAnnotationKey is why the node is replaced (Underutilized,
	// Drifted, Expired).
	DisruptionReasonAnnotationKey = "tailor.sh/disruption-reason"
	// DisruptionReplacementsAnnotationKey names the capacity requests (comma
	// separated) launched for the node's pods; the node is deleted once all
	// are initialized.
	DisruptionReplacementsAnnotationKey = "tailor.sh/disruption-replacements"
	// DisruptionDeadlineAnnotationKey is when the replacement is given up on
	// (RFC 3339): the node is then kept and untainted, or deleted if it expired.
	DisruptionDeadlineAnnotationKey = "tailor.sh/disruption-deadline"
	// DisruptionMovesMarkedAnnotationKey is "true" once the nodes of the
	// replacements were told which of the node's pods come to them (the
	// nodes' tailor.sh/expected-pods); the node is deleted in a later pass,
	// when the scheduler has seen that.
	DisruptionMovesMarkedAnnotationKey = "tailor.sh/disruption-moves-marked"
)
