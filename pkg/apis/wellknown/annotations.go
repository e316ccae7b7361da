package wellknown

import corev1 "k8s.io/api/core/v1"

// Annotations.
const (
	// DoNotDisruptAnnotationKey on a pod or node keeps voluntary disruption away
	// from the node it runs on ("true").
	DoNotDisruptAnnotationKey = Group + "/do-not-disrupt"
	// NodePoolHashAnnotationKey records the hash of the NodePool template a claim was
	// made from, for drift detection.
	NodePoolHashAnnotationKey        = Group + "/nodepool-hash"
	NodePoolHashVersionAnnotationKey = Group + "/nodepool-hash-version"
	// NodeClaimTerminationTimestampAnnotationKey is when a draining node is forcibly
	// terminated (from terminationGracePeriod).
	NodeClaimTerminationTimestampAnnotationKey = Group + "/nodeclaim-termination-timestamp"
	EC2NodeClassHashAnnotationKey              = AWSGroup + "/ec2nodeclass-hash"
	EC2NodeClassHashVersionAnnotationKey       = AWSGroup + "/ec2nodeclass-hash-version"
)

// Taints.
const (
	UnregisteredTaintKey = Group + "/unregistered"
	DisruptedTaintKey    = Group + "/disrupted"
)

// UnregisteredNoExecuteTaint is on every node at registration until the launcher has
// matched it to its NodeClaim and applied the claim's labels and taints.
var UnregisteredNoExecuteTaint = corev1.Taint{Key: UnregisteredTaintKey, Effect: corev1.TaintEffectNoExecute}

// DisruptedNoScheduleTaint keeps new pods off a node being disrupted.
var DisruptedNoScheduleTaint = corev1.Taint{Key: DisruptedTaintKey, Effect: corev1.TaintEffectNoSchedule}

// Finalizers.
const (
	TerminationFinalizer = Group + "/termination"
)
