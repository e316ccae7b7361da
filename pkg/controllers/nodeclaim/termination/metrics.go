package termination

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics of NodeClaim termination, by NodePool.
var (
	terminatedTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "tailor", Subsystem: "nodeclaims", Name: "terminated_total",
		Help: "NodeClaims whose instance was terminated and finalizer released, by NodePool.",
	}, []string{"nodepool"})
	terminationSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "tailor", Subsystem: "nodeclaims", Name: "termination_duration_seconds",
		Help:    "Time from a NodeClaim's deletion to its finalizer's release (drain, volumes, instance), by NodePool.",
		Buckets: []float64{1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
	}, []string{"nodepool"})
	evictionsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "tailor", Subsystem: "drain", Name: "evictions_total",
		Help: "Evictions asked while draining nodes, by outcome (evicted, blocked by a disruption budget, deleted past the grace period).",
	}, []string{"outcome"})
)

func init() {
	crmetrics.Registry.MustRegister(terminatedTotal, terminationSeconds, evictionsTotal)
}
