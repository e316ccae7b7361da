package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NodeClassLabelKey labels an InstanceTypeCatalog with the EC2NodeClass it describes,
// so that all shards of one node class can be listed together.
const NodeClassLabelKey = "tailor.sh/nodeclass"

// CapacityRequestLabelKey labels the NodeClaim and Node launched for a
// CapacityRequest with the request's name.
const CapacityRequestLabelKey = "tailor.sh/capacity-request"

// InstanceTypeCatalogSpec is part of what an EC2NodeClass can launch: instance types
// with their labels, resources and offerings (zone, capacity type, price, whether
// capacity is known to be short). The launcher writes it; the scheduler plans with
// it and never calls the cloud itself.
type InstanceTypeCatalogSpec struct {
	// NodeClass is the EC2NodeClass these types belong to.
	// +kubebuilder:validation:MinLength=1
	// +required
	NodeClass string `json:"nodeClass"`
	// InstanceTypes of this shard.
	// +kubebuilder:validation:MaxItems=1000
	// +optional
	InstanceTypes []CatalogInstanceType `json:"instanceTypes,omitempty"`
}

// CatalogInstanceType is one instance type.
type CatalogInstanceType struct {
	Name string `json:"name"`
	// Requirements are the type's well-known labels (arch, os, family, cpu, ...) as
	// requirements; zone and capacity type come from the offerings.
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Requirements []corev1.NodeSelectorRequirement `json:"requirements,omitempty"`
	// Capacity of a node of this type.
	Capacity corev1.ResourceList `json:"capacity"`
	// Overhead is what the node keeps from pods (kube and system reserved, eviction
	// threshold): allocatable is capacity minus overhead.
	// +optional
	Overhead corev1.ResourceList `json:"overhead,omitempty"`
	// Offerings are the ways to buy the type.
	Offerings []CatalogOffering `json:"offerings"`
}

// CatalogOffering is one zone and capacity type of an instance type.
type CatalogOffering struct {
	Zone         string `json:"zone"`
	CapacityType string `json:"capacityType"`
	// Price is the hourly price in USD, as a decimal string.
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	Price string `json:"price"`
	// Available is false while the offering is known to lack capacity.
	Available bool `json:"available"`
}

// InstanceTypeCatalog is a shard of the instance types one EC2NodeClass can launch.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=instancetypecatalogs,scope=Cluster,categories=tailor,shortName=itc
// +kubebuilder:printcolumn:name="NodeClass",type="string",JSONPath=".spec.nodeClass"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type InstanceTypeCatalog struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec InstanceTypeCatalogSpec `json:"spec"`
}

// InstanceTypeCatalogList is a list of InstanceTypeCatalogs.
//
// +kubebuilder:object:root=true
type InstanceTypeCatalogList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []InstanceTypeCatalog `json:"items"`
}
