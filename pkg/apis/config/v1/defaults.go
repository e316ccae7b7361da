package v1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Defaults of ProvisionerArgs. The durations are Karpenter's batch window, which
// users of its API already expect.
const (
	DefaultBatchIdleDuration   = time.Second
	DefaultBatchMaxDuration    = 10 * time.Second
	DefaultMaxPodsPerBatch     = int32(1000)
	DefaultMaxNewNodesPerBatch = int32(500)
	// DefaultMovedPodsWaitDuration covers the default termination grace period
	// of the pods whose room a moved pod takes.
	DefaultMovedPodsWaitDuration = 30 * time.Second
)

// SetDefaults_ProvisionerArgs fills the unset fields of args.
func SetDefaults_ProvisionerArgs(args *ProvisionerArgs) {
	if args.BatchIdleDuration == nil {
		args.BatchIdleDuration = &metav1.Duration{Duration: DefaultBatchIdleDuration}
	}
	if args.BatchMaxDuration == nil {
		args.BatchMaxDuration = &metav1.Duration{Duration: DefaultBatchMaxDuration}
	}
	if args.MaxPodsPerBatch == nil {
		args.MaxPodsPerBatch = ptr.To(DefaultMaxPodsPerBatch)
	}
	if args.MaxNewNodesPerBatch == nil {
		args.MaxNewNodesPerBatch = ptr.To(DefaultMaxNewNodesPerBatch)
	}
	if args.MovedPodsWaitDuration == nil {
		args.MovedPodsWaitDuration = &metav1.Duration{Duration: DefaultMovedPodsWaitDuration}
	}
}
