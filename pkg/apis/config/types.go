package config

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProvisionerArgs configures the Provisioner PostFilter plugin: when it closes a
// batch of pending pods and hands the planned nodes to the launcher, and how large
// a batch may grow (docs/designs/0004-planner.md, "Batch window").
//
// +kubebuilder:object:root=true
type ProvisionerArgs struct {
	metav1.TypeMeta

	// BatchIdleDuration closes the batch this long after the last new pod joined it.
	BatchIdleDuration metav1.Duration
	// BatchMaxDuration closes the batch this long after its first pod, however busy.
	BatchMaxDuration metav1.Duration
	// MaxPodsPerBatch closes the batch early once it holds this many pods.
	MaxPodsPerBatch int32
	// MaxNewNodesPerBatch caps the new nodes one batch may plan; pods that would
	// need more stay pending and join the next batch.
	MaxNewNodesPerBatch int32
	// MovedPodsWaitDuration is how long a pending pod that the disruption
	// controller moves onto a node (the node's tailor.sh/expected-pods record
	// still awaits it) waits for room there before new capacity is planned for
	// it; zero plans at once.
	MovedPodsWaitDuration metav1.Duration
}
