package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/utils/ptr"

	"github.com/tailor-sh/tailor/pkg/apis/config"
)

// Convert_v1_ProvisionerArgs_To_config_ProvisionerArgs converts the versioned args
// to the internal ones. Unset fields become zero, which validation rejects; the
// scheduler applies defaults before converting, so they are set in practice.
func Convert_v1_ProvisionerArgs_To_config_ProvisionerArgs(in *ProvisionerArgs, out *config.ProvisionerArgs, _ conversion.Scope) error {
	out.BatchIdleDuration = ptr.Deref(in.BatchIdleDuration, metav1.Duration{})
	out.BatchMaxDuration = ptr.Deref(in.BatchMaxDuration, metav1.Duration{})
	out.MaxPodsPerBatch = ptr.Deref(in.MaxPodsPerBatch, 0)
	out.MaxNewNodesPerBatch = ptr.Deref(in.MaxNewNodesPerBatch, 0)
	out.MovedPodsWaitDuration = ptr.Deref(in.MovedPodsWaitDuration, metav1.Duration{})
	return nil
}

// Convert_config_ProvisionerArgs_To_v1_ProvisionerArgs converts the internal args
// back to the versioned ones, as --write-config-to and the start-up log print them.
func Convert_config_ProvisionerArgs_To_v1_ProvisionerArgs(in *config.ProvisionerArgs, out *ProvisionerArgs, _ conversion.Scope) error {
	out.BatchIdleDuration = ptr.To(in.BatchIdleDuration)
	out.BatchMaxDuration = ptr.To(in.BatchMaxDuration)
	out.MaxPodsPerBatch = ptr.To(in.MaxPodsPerBatch)
	out.MaxNewNodesPerBatch = ptr.To(in.MaxNewNodesPerBatch)
	out.MovedPodsWaitDuration = ptr.To(in.MovedPodsWaitDuration)
	return nil
}
