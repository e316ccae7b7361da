package lifecycle

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// Metrics of the NodeClaim lifecycle; labels are bounded (NodePools, capacity
// types, fixed reasons), never a claim's name.
var (
	launchedTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "tailor", Subsystem: "nodeclaims", Name: "launched_total",
		Help: "NodeClaims whose instance was launched, by NodePool and capacity type.",
	}, []string{"nodepool", "capacity_type"})
	initializationSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "tailor", Subsystem: "nodeclaims", Name: "initialization_duration_seconds",
		Help:    "Time from a NodeClaim's creation to its node being initialized, by NodePool.",
		Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 900},
	}, []string{"nodepool"})
	abandonedTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "tailor", Subsystem: "nodeclaims", Name: "abandoned_total",
		Help: "NodeClaims given up on before their node was initialized, by NodePool and reason (InsufficientCapacity, LaunchTimeout, RegistrationTimeout).",
	}, []string{"nodepool", "reason"})
	launchFailuresTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "tailor", Subsystem: "nodeclaims", Name: "launch_failures_total",
		Help: "Failed launch attempts, by NodePool and reason (InsufficientCapacity, NodeClassNotReady, LaunchFailed); the last two are retried.",
	}, []string{"nodepool", "reason"})
)

func init() {
	crmetrics.Registry.MustRegister(launchedTotal, initializationSeconds, abandonedTotal, launchFailuresTotal)
}

// launchFailed counts a failed launch of claim for reason.
func launchFailed(claim *karpv1.NodeClaim, reason string) {
	launchFailuresTotal.WithLabelValues(claim.Labels[wellknown.NodePoolLabelKey], reason).Inc()
}
