// Package v1alpha1 holds the project's own API, group tailor.sh: the CapacityRequest
// the scheduler plugin hands to the launcher, and the InstanceTypeCatalog the launcher
// publishes for the scheduler.
//
// +kubebuilder:object:generate=true
// +groupName=tailor.sh
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of the objects in this package.
	GroupVersion = schema.GroupVersion{Group: "tailor.sh", Version: "v1alpha1"}
	// SchemeBuilder registers the types of this package with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}
	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func init() {
	SchemeBuilder.Register(&CapacityRequest{}, &CapacityRequestList{}, &InstanceTypeCatalog{}, &InstanceTypeCatalogList{})
}
