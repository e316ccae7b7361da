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

func init() { crmetrics.Registry.MustRegister(requestsTotal) }
