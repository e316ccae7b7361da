package v1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NodePoolSpec says which nodes may be launched for pending pods, how they are
// labelled and tainted, how much may be launched in all, and how nodes are disrupted.
type NodePoolSpec struct {
	// Template is the shape of the NodeClaims made from this NodePool.
	// +required
	Template NodeClaimTemplate `json:"template"`
	// Disruption says when and how fast nodes of this NodePool are removed.
	// +kubebuilder:default:={consolidateAfter: "0s"}
	// +optional
	Disruption Disruption `json:"disruption"`
	// Limits caps the total resources (capacity) of the nodes of this NodePool.
	// +optional
	Limits Limits `json:"limits,omitempty"`
	// Weight orders NodePools: higher weights are tried first (1-100).
	// +kubebuilder:validation:Minimum:=1
	// +kubebuilder:validation:Maximum:=100
	// +optional
	Weight *int32 `json:"weight,omitempty"`
}

// Limits caps resources by name, e.g. cpu: 1000, memory: 1000Gi, nodes: 10.
type Limits corev1.ResourceList

// ConsolidationPolicy says which nodes consolidation may remove.
// +kubebuilder:validation:Enum:={WhenEmpty,WhenEmptyOrUnderutilized}
type ConsolidationPolicy string

// Consolidation policies.
const (
	ConsolidationPolicyWhenEmpty                ConsolidationPolicy = "WhenEmpty"
	ConsolidationPolicyWhenEmptyOrUnderutilized ConsolidationPolicy = "WhenEmptyOrUnderutilized"
)

// Disruption says when and how fast nodes of a NodePool are removed.
type Disruption struct {
	// ConsolidateAfter is how long a node must have had no pod scheduled or removed
	// before it may be consolidated; "Never" turns consolidation off.
	// +kubebuilder:default:="0s"
	// +kubebuilder:validation:Pattern=`^(([0-9]+(s|m|h))+|Never)$`
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Schemaless
	// +optional
	ConsolidateAfter NillableDuration `json:"consolidateAfter,omitzero"`
	// ConsolidationPolicy: WhenEmpty removes only nodes without workload pods;
	// WhenEmptyOrUnderutilized also moves pods to cheaper or fewer nodes.
	// +kubebuilder:default:=WhenEmptyOrUnderutilized
	// +optional
	ConsolidationPolicy ConsolidationPolicy `json:"consolidationPolicy,omitempty"`
	// Budgets limit how many nodes may be disrupted at once, optionally only during
	// a cron schedule and only for some reasons. The most restrictive active budget wins.
	// +kubebuilder:validation:XValidation:message="'schedule' must be set with 'duration'",rule="self.all(x, has(x.schedule) == has(x.duration))"
	// +kubebuilder:default:={{nodes: "10%"}}
	// +kubebuilder:validation:MaxItems=50
	// +optional
	Budgets []Budget `json:"budgets,omitempty"`
}

// DisruptionReason is why a node is disrupted.
// +kubebuilder:validation:Enum:={Underutilized,Empty,Drifted}
type DisruptionReason string

// Disruption reasons a budget can be limited to.
const (
	DisruptionReasonUnderutilized DisruptionReason = "Underutilized"
	DisruptionReasonEmpty         DisruptionReason = "Empty"
	DisruptionReasonDrifted       DisruptionReason = "Drifted"
)

// Budget limits how many nodes of a NodePool may be disrupted at once.
type Budget struct {
	// Reasons the budget applies to; all reasons when empty.
	// +optional
	Reasons []DisruptionReason `json:"reasons,omitempty"`
	// Nodes is the most nodes that may be disrupting at once: an integer ("5") or a
	// percentage of the NodePool's nodes ("10%", rounded up). "0" blocks disruption.
	// +kubebuilder:validation:Pattern:="^((100|[0-9]{1,2})%|[0-9]+)$"
	// +kubebuilder:default:="10%"
	Nodes string `json:"nodes"`
	// Schedule is a cron schedule (UTC) at which the budget becomes active, for
	// Duration: five fields ("0 9 * * mon-fri") or a macro (@daily, @hourly, ...).
	// +kubebuilder:validation:Pattern:=`^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))$|^(((\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?)(,((\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?))*)( (((\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?)(,((\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?))*)){4}$`
	// +kubebuilder:validation:MaxLength=128
	// +optional
	Schedule *string `json:"schedule,omitempty"`
	// Duration is how long the budget stays active after each Schedule tick.
	// +kubebuilder:validation:Pattern=`^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$`
	// +kubebuilder:validation:Type="string"
	// +optional
	Duration *metav1.Duration `json:"duration,omitempty"`
}

// NodeClaimTemplate is the shape of the NodeClaims a NodePool makes.
type NodeClaimTemplate struct {
	// +optional
	ObjectMeta ObjectMeta `json:"metadata,omitempty"`
	// +required
	Spec NodeClaimTemplateSpec `json:"spec"`
}

// ObjectMeta is the part of object metadata a NodePool template may set on nodes.
type ObjectMeta struct {
	// Labels put on every node of the NodePool.
	// +kubebuilder:validation:MaxProperties=100
	// +kubebuilder:validation:XValidation:message="label domain \"kubernetes.io\" is restricted",rule="self.all(x, x in ['beta.kubernetes.io/instance-type', 'failure-domain.beta.kubernetes.io/region', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch', 'failure-domain.beta.kubernetes.io/zone', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region', 'kubernetes.io/arch', 'kubernetes.io/os', 'node.kubernetes.io/windows-build'] || x.find('^([^/]+)').endsWith('node.kubernetes.io') || x.find('^([^/]+)').endsWith('node-restriction.kubernetes.io') || (x.find('^([^/]+)') != 'kubernetes.io' && !x.find('^([^/]+)').endsWith('.kubernetes.io')))"
	// +kubebuilder:validation:XValidation:message="label domain \"k8s.io\" is restricted",rule="self.all(x, x.find('^([^/]+)').endsWith('kops.k8s.io') || (x.find('^([^/]+)') != 'k8s.io' && !x.find('^([^/]+)').endsWith('.k8s.io')))"
	// +kubebuilder:validation:XValidation:message="label domain \"karpenter.sh\" is restricted",rule="self.all(x, x in ['karpenter.sh/capacity-type', 'karpenter.sh/nodepool'] || (x.find('^([^/]+)') != 'karpenter.sh' && !x.find('^([^/]+)').endsWith('.karpenter.sh')))"
	// +kubebuilder:validation:XValidation:message="label \"karpenter.sh/nodepool\" is restricted",rule="self.all(x, x != 'karpenter.sh/nodepool')"
	// +kubebuilder:validation:XValidation:message="label \"kubernetes.io/hostname\" is restricted",rule="self.all(x, x != 'kubernetes.io/hostname')"
	// +kubebuilder:validation:XValidation:message="label domain \"karpenter.k8s.aws\" is restricted: instance labels are set from the instance type",rule="self.all(x, x.find('^([^/]+)') != 'karpenter.k8s.aws' && !x.find('^([^/]+)').endsWith('.karpenter.k8s.aws'))"
	// +kubebuilder:validation:XValidation:message="label keys must be qualified names (an optional DNS prefix and '/', then up to 63 alphanumerics, '-', '_' or '.')",rule="self.all(x, x.matches('^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$'))"
	// +kubebuilder:validation:XValidation:message="label values must be at most 63 characters",rule="self.all(x, size(self[x]) <= 63)"
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations put on every node of the NodePool.
	// +kubebuilder:validation:MaxProperties=100
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// NodeClaimTemplateSpec is the spec of the NodeClaims a NodePool makes.
type NodeClaimTemplateSpec struct {
	// Taints put on every node; pods must tolerate them to land there.
	// +optional
	Taints Taints `json:"taints,omitempty"`
	// StartupTaints are put on nodes at start and expected to be removed by a daemon
	// once it has prepared the node; pods need not tolerate them.
	// +optional
	StartupTaints Taints `json:"startupTaints,omitempty"`
	// Requirements narrow the instance types and offerings nodes may have, and become
	// node labels. A pod's node selectors and affinities must be compatible with them.
	// +kubebuilder:validation:MaxItems:=100
	// +required
	Requirements []NodeSelectorRequirementWithMinValues `json:"requirements"`
	// NodeClassRef names the cloud-specific node class (an EC2NodeClass). Its group
	// and kind cannot change; point a NodePool at another node class by name.
	// +kubebuilder:validation:XValidation:message="nodeClassRef.group is immutable",rule="self.group == oldSelf.group"
	// +kubebuilder:validation:XValidation:message="nodeClassRef.kind is immutable",rule="self.kind == oldSelf.kind"
	// +required
	NodeClassRef *NodeClassReference `json:"nodeClassRef"`
	// ExpireAfter is how long a node lives before it is replaced; "Never" keeps it.
	// +kubebuilder:default:="720h"
	// +kubebuilder:validation:Pattern=`^(([0-9]+(s|m|h))+|Never)$`
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Schemaless
	// +optional
	ExpireAfter NillableDuration `json:"expireAfter,omitzero"`
	// TerminationGracePeriod is the longest a node may drain before it is forcibly
	// terminated, overriding PDBs and do-not-disrupt. Unset: drain waits forever.
	// +kubebuilder:validation:Pattern=`^([0-9]+(s|m|h))+$`
	// +kubebuilder:validation:Type="string"
	// +optional
	TerminationGracePeriod *metav1.Duration `json:"terminationGracePeriod,omitempty"`
}

// NodeClassReference names a node class object.
type NodeClassReference struct {
	// Kind of the node class, e.g. EC2NodeClass.
	// +kubebuilder:validation:XValidation:rule="self != ''",message="kind may not be empty"
	// +kubebuilder:validation:MaxLength=63
	// +required
	Kind string `json:"kind"`
	// Name of the node class.
	// +kubebuilder:validation:XValidation:rule="self != ''",message="name may not be empty"
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
	// Group of the node class, e.g. karpenter.k8s.aws.
	// +kubebuilder:validation:XValidation:rule="self != ''",message="group may not be empty"
	// +kubebuilder:validation:Pattern=`^[^/]*$`
	// +kubebuilder:validation:MaxLength=253
	// +required
	Group string `json:"group"`
}

// NodePool is a set of constraints on the nodes that may be launched for pending pods.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=nodepools,scope=Cluster,categories=karpenter
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="NodeClass",type="string",JSONPath=".spec.template.spec.nodeClassRef.name"
// +kubebuilder:printcolumn:name="Nodes",type="string",JSONPath=".status.resources.nodes"
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Weight",type="integer",JSONPath=".spec.weight",priority=1
// +kubebuilder:printcolumn:name="CPU",type="string",JSONPath=".status.resources.cpu",priority=1
// +kubebuilder:printcolumn:name="Memory",type="string",JSONPath=".status.resources.memory",priority=1
type NodePool struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec NodePoolSpec `json:"spec"`
	// +optional
	Status NodePoolStatus `json:"status,omitempty"`
}

// NodePoolList is a list of NodePools.
//
// +kubebuilder:object:root=true
type NodePoolList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []NodePool `json:"items"`
}

// NodePoolStatus is the observed state of a NodePool.
type NodePoolStatus struct {
	// Resources is the total capacity of the NodePool's nodes, with "nodes" their count.
	// +optional
	Resources corev1.ResourceList `json:"resources,omitempty"`
	// NodeClassObservedGeneration is the generation of the node class last seen.
	// +optional
	NodeClassObservedGeneration int64 `json:"nodeClassObservedGeneration,omitempty"`
	// Conditions: Ready (the NodePool can launch), NodeClassReady, ValidationSucceeded.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// NodePool condition types.
const (
	ConditionTypeReady               = "Ready"
	ConditionTypeNodeClassReady      = "NodeClassReady"
	ConditionTypeValidationSucceeded = "ValidationSucceeded"
)
