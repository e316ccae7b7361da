package capacityrequest

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// requestsTotal counts the CapacityRequests handled, by NodePool and outcome: a
// NodeClaim created, or failed (for any reason; "limited" counts the failures
// that the NodePool's limits caused).
var requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: "tailor", Subsystem: "capacityrequests", Name: "total",
	Help: "CapacityRequests handled, by NodePool and outcome (created, failed; limited: failed for the NodePool's limits).",
}, []string{"nodepool", "outcome"})

// initializationSeconds is the latency users feel: from the scheduler's
// request to its node being initialized (nodeclaims_initialization_duration_seconds
// starts later, at the claim's creation).
var initializationSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Namespace: "tailor", Subsystem: "capacityrequests", Name: "initialization_duration_seconds",
	Help:    "Time from a CapacityRequest's creation to its node being initialized, by NodePool.",
	Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 900},
}, []string{"nodepool"})

func init() { crmetrics.Registry.MustRegister(requestsTotal, initializationSeconds) }
