// Package settings holds the cluster-wide settings of the AWS provider.
package settings

import (
	"errors"
	"fmt"
)

// Settings are the provider's cluster-wide settings (launcher flags or environment).
type Settings struct {
	// ClusterName tags instances (kubernetes.io/cluster/<name>=owned) and goes into
	// node bootstrap.
	ClusterName string
	// ClusterEndpoint is the API server URL nodes join.
	ClusterEndpoint string
	// ClusterCABundle is the base64 PEM CA of the API server, for node bootstrap.
	ClusterCABundle string
	// ClusterCIDR of services, for the DNS address in bootstrap (optional).
	ClusterDNS string
	// KubernetesVersion as major.minor ("1.34"), selects EKS-optimized AMIs.
	KubernetesVersion string
	// Region of the cluster.
	Region string
	// VMMemoryOverheadPercent is the share of an instance's memory the hypervisor
	// and firmware keep from the OS (EC2 reports a little more than the OS sees).
	VMMemoryOverheadPercent float64
	// ReservedENIs are ENIs kept from pods (e.g. for a secondary CNI); reduces max pods.
	ReservedENIs int
	// InterruptionQueue is the SQS queue name of interruption events ("" = off).
	InterruptionQueue string
}

// Defaults fills unset fields with their defaults.
func (s Settings) Defaults() Settings {
	if s.KubernetesVersion == "" {
		s.KubernetesVersion = "1.34"
	}
	if s.VMMemoryOverheadPercent == 0 {
		s.VMMemoryOverheadPercent = 0.075
	}
	return s
}

// Validate says what is missing or wrong.
func (s Settings) Validate() error {
	var errs []error
	if s.ClusterName == "" {
		errs = append(errs, errors.New("cluster name is required"))
	}
	if s.Region == "" {
		errs = append(errs, errors.New("region is required"))
	}
	if s.VMMemoryOverheadPercent < 0 || s.VMMemoryOverheadPercent >= 1 {
		errs = append(errs, fmt.Errorf("vm memory overhead percent %v must be in [0, 1)", s.VMMemoryOverheadPercent))
	}
	if s.ReservedENIs < 0 {
		errs = append(errs, fmt.Errorf("reserved ENIs %d must not be negative", s.ReservedENIs))
	}
	return errors.Join(errs...)
}
