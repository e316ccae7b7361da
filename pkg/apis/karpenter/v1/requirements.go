package v1

import (
	corev1 "k8s.io/api/core/v1"
)

// NodeSelectorRequirementWithMinValues is a node selector requirement (key, operator,
// values) that may also ask for a minimum number of distinct values among the
// instance types a claim may launch (minValues), for flexibility in spot markets.
// Same wire form as corev1.NodeSelectorRequirement plus minValues.
//
// +kubebuilder:validation:XValidation:message="requirements with operator 'In' must have a value defined",rule="self.operator == 'In' ? self.values.size() != 0 : true"
// +kubebuilder:validation:XValidation:message="requirements operator 'Gt' or 'Lt' must have a single positive integer value",rule="(self.operator == 'Gt' || self.operator == 'Lt') ? (self.values.size() == 1 && self.values[0].matches('^[0-9]+$')) : true"
// +kubebuilder:validation:XValidation:message="requirements with operator 'Exists' or 'DoesNotExist' must not have values",rule="(self.operator == 'Exists' || self.operator == 'DoesNotExist') ? self.values.size() == 0 : true"
// +kubebuilder:validation:XValidation:message="requirements with 'minValues' must have at least that many values specified in the 'values' field",rule="(self.operator == 'In' && has(self.minValues)) ? self.values.size() >= self.minValues : true"
type NodeSelectorRequirementWithMinValues struct {
	// Key is the label key the requirement applies to.
	// +kubebuilder:validation:MaxLength=316
	// +kubebuilder:validation:Pattern=`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\/)?([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$`
	// +kubebuilder:validation:XValidation:message="label \"kubernetes.io/hostname\" is restricted",rule="self != 'kubernetes.io/hostname'"
	// +kubebuilder:validation:XValidation:message="label \"karpenter.sh/nodepool\" is restricted",rule="self != 'karpenter.sh/nodepool'"
	// +kubebuilder:validation:XValidation:message="label \"karpenter.k8s.aws/ec2nodeclass\" is restricted",rule="self != 'karpenter.k8s.aws/ec2nodeclass'"
	// +kubebuilder:validation:XValidation:message="label domain \"kubernetes.io\" is restricted",rule="self in ['beta.kubernetes.io/instance-type', 'failure-domain.beta.kubernetes.io/region', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch', 'failure-domain.beta.kubernetes.io/zone', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region', 'node.kubernetes.io/instance-type', 'kubernetes.io/arch', 'kubernetes.io/os', 'node.kubernetes.io/windows-build'] || self.find('^([^/]+)').endsWith('node.kubernetes.io') || self.find('^([^/]+)').endsWith('node-restriction.kubernetes.io') || (self.find('^([^/]+)') != 'kubernetes.io' && !self.find('^([^/]+)').endsWith('.kubernetes.io'))"
	// +kubebuilder:validation:XValidation:message="label domain \"k8s.io\" is restricted",rule="self.find('^([^/]+)').endsWith('kops.k8s.io') || (self.find('^([^/]+)') != 'k8s.io' && !self.find('^([^/]+)').endsWith('.k8s.io'))"
	// +kubebuilder:validation:XValidation:message="label domain \"karpenter.sh\" is restricted",rule="self in ['karpenter.sh/capacity-type', 'karpenter.sh/nodepool'] || (self.find('^([^/]+)') != 'karpenter.sh' && !self.find('^([^/]+)').endsWith('.karpenter.sh'))"
	// +required
	Key string `json:"key"`
	// Operator relates the key to the values: In, NotIn, Exists, DoesNotExist, Gt, Lt.
	// +kubebuilder:validation:Enum:={In,NotIn,Exists,DoesNotExist,Gt,Lt}
	// +required
	Operator corev1.NodeSelectorOperator `json:"operator"`
	// Values for In and NotIn (one or more), Gt and Lt (exactly one integer).
	// +kubebuilder:validation:MaxItems=500
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`
	// +optional
	Values []string `json:"values,omitempty"`
	// MinValues is the minimum number of distinct values of this key that the
	// instance types a claim may launch must span. Only with operator In.
	// +kubebuilder:validation:Minimum:=1
	// +kubebuilder:validation:Maximum:=50
	// +optional
	MinValues *int `json:"minValues,omitempty"`
}

// NodeSelectorRequirement returns the requirement without minValues.
func (r NodeSelectorRequirementWithMinValues) NodeSelectorRequirement() corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: r.Key, Operator: r.Operator, Values: r.Values}
}

// Taint is a corev1.Taint with the validation the API server applies to NodePools.
// Same wire form as corev1.Taint.
type Taint struct {
	// Key of the taint.
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength=316
	// +kubebuilder:validation:Pattern=`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\/)?([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$`
	// +required
	Key string `json:"key"`
	// Value of the taint.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`
	// +optional
	Value string `json:"value,omitempty"`
	// Effect of the taint: NoSchedule, PreferNoSchedule or NoExecute.
	// +kubebuilder:validation:Enum:={NoSchedule,PreferNoSchedule,NoExecute}
	// +required
	Effect corev1.TaintEffect `json:"effect"`
}

// Core returns the taint as a corev1.Taint.
func (t Taint) Core() corev1.Taint {
	return corev1.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect}
}

// Taints is a list of taints.
// +kubebuilder:validation:MaxItems=100
type Taints []Taint

// Core returns the taints as corev1.Taints.
func (ts Taints) Core() []corev1.Taint {
	out := make([]corev1.Taint, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Core())
	}
	return out
}
