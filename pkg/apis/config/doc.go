// Package config holds the internal argument types of this project's scheduler
// plugins, the form a plugin's New receives.
//
// The args live in kube-scheduler's own config group, kubescheduler.config.k8s.io,
// as the upstream and scheduler-plugins args do, so that a KubeSchedulerConfiguration
// can carry them in pluginConfig. Subpackages: v1 holds the versioned types with
// their defaults and conversions, validation the checks a plugin's New runs, and
// scheme (imported for its side effect) registers everything with kube-scheduler's
// config scheme.
//
// +kubebuilder:object:generate=true
package config
