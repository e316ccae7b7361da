package v1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EC2NodeClassStatus is what the selectors resolved to.
type EC2NodeClassStatus struct {
	// Subnets the selector terms matched.
	// +optional
	Subnets []Subnet `json:"subnets,omitempty"`
	// SecurityGroups the selector terms matched.
	// +optional
	SecurityGroups []SecurityGroup `json:"securityGroups,omitempty"`
	// AMIs the selector terms matched, with the instance-type requirements each suits.
	// +optional
	AMIs []AMI `json:"amis,omitempty"`
	// InstanceProfile used for launches (made from role, or given).
	// +optional
	InstanceProfile string `json:"instanceProfile,omitempty"`
	// Conditions: Ready, SubnetsReady, SecurityGroupsReady, AMIsReady,
	// InstanceProfileReady. A false condition says what did not resolve.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Subnet is a resolved subnet.
type Subnet struct {
	// ID of the subnet.
	ID string `json:"id"`
	// Zone of the subnet.
	Zone string `json:"zone"`
	// ZoneID of the subnet.
	// +optional
	ZoneID string `json:"zoneID,omitempty"`
}

// SecurityGroup is a resolved security group.
type SecurityGroup struct {
	// ID of the security group.
	ID string `json:"id"`
	// Name of the security group.
	// +optional
	Name string `json:"name,omitempty"`
}

// AMI is a resolved AMI.
type AMI struct {
	// ID of the AMI.
	ID string `json:"id"`
	// Name of the AMI.
	// +optional
	Name string `json:"name,omitempty"`
	// Requirements on the instance types the AMI can run on (e.g. arch, GPU).
	Requirements []corev1.NodeSelectorRequirement `json:"requirements"`
}

// EC2NodeClass condition types.
const (
	ConditionTypeReady                = "Ready"
	ConditionTypeSubnetsReady         = "SubnetsReady"
	ConditionTypeSecurityGroupsReady  = "SecurityGroupsReady"
	ConditionTypeAMIsReady            = "AMIsReady"
	ConditionTypeInstanceProfileReady = "InstanceProfileReady"
	// ConditionTypePricesCurrent is False while on-demand prices come from the
	// embedded fallback table because the Pricing API failed. It does not gate Ready.
	ConditionTypePricesCurrent = "PricesCurrent"
)
