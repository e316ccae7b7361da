package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProvisionerArgs configures the Provisioner PostFilter plugin. Unset fields take
// the defaults in defaults.go. Example:
//
//	pluginConfig:
//	- name: Provisioner
//	  args:
//	    batchIdleDuration: 1s
//	    batchMaxDuration: 10s
//
// +kubebuilder:object:root=true
type ProvisionerArgs struct {
	metav1.TypeMeta `json:",inline"`

	// BatchIdleDuration closes the batch this long after the last new pod joined it.
	// Default 1s.
	BatchIdleDuration *metav1.Duration `json:"batchIdleDuration,omitempty"`
	// BatchMaxDuration closes the batch this long after its first pod, however busy.
	// Default 10s.
	BatchMaxDuration *metav1.Duration `json:"batchMaxDuration,omitempty"`
	// MaxPodsPerBatch closes the batch early once it holds this many pods.
	// Default 1000.
	MaxPodsPerBatch *int32 `json:"maxPodsPerBatch,omitempty"`
	// MaxNewNodesPerBatch caps the new nodes one batch may plan; pods that would
	// need more stay pending and join the next batch. Default 500.
	MaxNewNodesPerBatch *int32 `json:"maxNewNodesPerBatch,omitempty"`
	// MovedPodsWaitDuration is how long a pending pod that the disruption
	// controller moves onto a node (the node's tailor.sh/expected-pods record
	// still awaits it) waits for room there before new capacity is planned for
	// it: the room is often still held by a terminating pod or a pod that is
	// about to leave. 0s plans at once. Default 30s.
	MovedPodsWaitDuration *metav1.Duration `json:"movedPodsWaitDuration,omitempty"`
}
