// Package v1 holds the kubescheduler.config.k8s.io/v1 form of this project's plugin
// args, as users write them in a KubeSchedulerConfiguration, with their defaults and
// their conversions to the internal form in the parent package.
//
// +kubebuilder:object:generate=true
package v1
