package disruption

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	decisionsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "tailor", Subsystem: "disruption", Name: "decisions_total",
		Help: "Nodes the disruption loop deleted, replaced (replacements launched) or rolled back, by reason and action.",
	}, []string{"reason", "action"})
	eligibleNodes = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "tailor", Subsystem: "disruption", Name: "eligible_nodes",
		Help: "Nodes the last pass decided to remove (before validation).",
	})
	passSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "tailor", Subsystem: "disruption", Name: "pass_duration_seconds",
		Help: "Time one disruption pass takes.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
	})
)

func init() {
	metrics.Registry.MustRegister(decisionsTotal, eligibleNodes, passSeconds)
}
