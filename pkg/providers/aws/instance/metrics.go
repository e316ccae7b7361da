package instance

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// insufficientCapacity counts the offerings CreateFleet could not fill, each
// time it says so: the events behind tailor_cloudprovider_unavailable_offerings.
var insufficientCapacity = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: "tailor", Subsystem: "cloudprovider", Name: "insufficient_capacity_total",
	Help: "Offerings CreateFleet could not fill, by instance type, zone, capacity type and EC2 error code.",
}, []string{"instance_type", "zone", "capacity_type", "code"})

func init() { crmetrics.Registry.MustRegister(insufficientCapacity) }
