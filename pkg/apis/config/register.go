package config

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	schedconfig "k8s.io/kubernetes/pkg/scheduler/apis/config"
)

// SchemeGroupVersion is kube-scheduler's internal config version: the scheduler
// converts every plugin's args to it before calling the plugin's New.
var SchemeGroupVersion = schema.GroupVersion{Group: schedconfig.GroupName, Version: runtime.APIVersionInternal}

// AddToScheme adds this package's types, and nothing else, to a scheme.
func AddToScheme(s *runtime.Scheme) error {
	return addKnownTypes(s)
}

func init() {
	// kube-scheduler builds the scheme that converts plugin args lazily from its own
	// scheme builder; registering there makes that scheme know our types too.
	schedconfig.SchemeBuilder.Register(addKnownTypes)
}

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(SchemeGroupVersion, &ProvisionerArgs{})
	return nil
}
