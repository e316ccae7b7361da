package interruption

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

const namespace = "tailor"

// messagesTotal counts the messages taken off the queue, by kind (Kind) and what
// was done (Action): both label sets are fixed and small.
var messagesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: namespace,
	Subsystem: "interruption",
	Name:      "messages_total",
	Help:      "Interruption queue messages handled, by message kind and action taken.",
}, []string{"kind", "action"})

func init() {
	crmetrics.Registry.MustRegister(messagesTotal)
}
