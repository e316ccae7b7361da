package garbagecollection

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// collectedTotal counts what garbage collection removed, by kind: leaked
// instances, NodeClaims whose instance is gone, Nodes nothing stands behind.
var collectedTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: "tailor", Subsystem: "garbagecollection", Name: "collected_total",
	Help: "What garbage collection removed, by kind (instance, nodeclaim, node).",
}, []string{"kind"})

func init() { crmetrics.Registry.MustRegister(collectedTotal) }
