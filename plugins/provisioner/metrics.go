package provisioner

import (
	"context"
	"strings"
	"sync"
	"time"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// Metrics of the plugin, in the registry kube-scheduler serves on /metrics
// (legacyregistry, as the in-tree plugins do). The scheme is shared with the
// launcher's: docs/metrics.md lists every metric of both binaries.
const (
	namespace = "tailor"
	subsystem = "provisioner"
)

var (
	batchPods = metrics.NewHistogram(&metrics.HistogramOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "batch_size_pods",
		Help:    "Pods planned per closed batch (those still pending and waiting for nothing).",
		Buckets: metrics.ExponentialBuckets(1, 2, 14),
	})
	planningSeconds = metrics.NewHistogram(&metrics.HistogramOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "planning_duration_seconds",
		Help:    "Time the planner takes for one batch.",
		Buckets: metrics.ExponentialBuckets(0.001, 2, 15),
	})
	requestsCreated = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "capacityrequests_created_total",
		Help: "CapacityRequests created (not found existing), by NodePool.",
	}, []string{"nodepool"})
	plannedNodes = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "planned_nodes_total",
		Help: "New nodes planned and asked of the launcher (again when a hand-off is retried), by NodePool and the capacity type of their cheapest offering.",
	}, []string{"nodepool", "capacity_type"})
	plannedPrice = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "planned_node_price_dollars_per_hour",
		Help:    "Hourly price of the cheapest offering of each new node asked of the launcher, by NodePool.",
		Buckets: metrics.ExponentialBuckets(0.005, 2, 14),
	}, []string{"nodepool"})
	unplaceablePods = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "unplaceable_pods_total",
		Help: "Pods no NodePool could run, by the reason class of the NodePool tried first (see docs/metrics.md).",
	}, []string{"reason"})
	heldPods = metrics.NewCounter(&metrics.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "moved_pods_held_total",
		Help: "Pending pods held back from planning for up to movedPodsWaitDuration, because a node the disruption controller moves their controller's pods to still awaits them.",
	})
	waitingPodsDesc = metrics.NewDesc(namespace+"_"+subsystem+"_waiting_pods",
		"Pods waiting for new capacity: in the open batch (batched), for a request in flight (in_flight), or for a NodePool that can run them (unplaceable).",
		[]string{"state"}, nil, metrics.ALPHA, "")
	waiting = &waitingCollector{sources: map[*Provisioner]context.Context{}}
)

func init() {
	legacyregistry.MustRegister(batchPods, planningSeconds, requestsCreated, plannedNodes, plannedPrice, unplaceablePods, heldPods)
	legacyregistry.CustomMustRegister(waiting)
}

// planObserved plans in, recording the batch's size and the planning time.
func planObserved(ctx context.Context, pl *planner.Planner, in planner.Input) (planner.Plan, error) {
	start := time.Now()
	plan, err := pl.Plan(ctx, in)
	planningSeconds.Observe(time.Since(start).Seconds())
	batchPods.Observe(float64(len(in.Pods)))
	return plan, err
}

// observeHandedOff counts the new nodes about to be requested, and their price.
func observeHandedOff(nodes []*planner.Node) {
	for _, node := range nodes {
		offering, ok := likelyOffering(node)
		capacityType := "unknown"
		if ok {
			capacityType = offering.CapacityType
			plannedPrice.WithLabelValues(node.NodePool).Observe(offering.PricePerHour)
		}
		plannedNodes.WithLabelValues(node.NodePool, capacityType).Inc()
	}
}

// likelyOffering is what the node will most likely be launched as: the cheapest
// available offering of its cheapest type that its requirements allow.
func likelyOffering(node *planner.Node) (cloudprovider.Offering, bool) {
	if len(node.InstanceTypes) == 0 {
		return cloudprovider.Offering{}, false
	}
	return node.InstanceTypes[0].Offerings.Available().Compatible(node.Requirements).Cheapest()
}

// reasonClasses map the planner's reasons (free text, for the pod's event) to
// bounded label values; the first marker found wins. Anything else is a Filter
// plugin turning the virtual node down (taints, affinity, spread, volumes).
var reasonClasses = []struct{ marker, class string }{
	{"no NodePool exists", "no_nodepool"},
	{"has invalid requirements", "nodepool_invalid"},
	{"no instance type with an available offering", "no_instance_types"},
	{"conflicts with", "requirements"},
	{"is not set on nodes of this NodePool", "requirements"},
	{"no instance type holds", "resources"},
	{"no offering in", "no_offering"},
}

// reasonClass classifies why a pod is unplaceable by the reason of the NodePool
// tried first (the heaviest): the planner joins one reason per NodePool.
func reasonClass(reason string) string {
	first, _, _ := strings.Cut(reason, "; nodepool ")
	for _, c := range reasonClasses {
		if strings.Contains(first, c.marker) {
			return c.class
		}
	}
	return "filter"
}

// waitingCollector reports, on scrape, the pods the running plugins hold.
type waitingCollector struct {
	metrics.BaseStableCollector
	mu sync.Mutex
	// sources are the plugins counted, each until its context ends (a
	// profile's plugin lives as long as the scheduler; tests build several).
	sources map[*Provisioner]context.Context
}

// watch counts p's pods until ctx ends.
func (c *waitingCollector) watch(ctx context.Context, p *Provisioner) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sources[p] = ctx
}

func (c *waitingCollector) DescribeWithStability(ch chan<- *metrics.Desc) { ch <- waitingPodsDesc }

func (c *waitingCollector) CollectWithStability(ch chan<- metrics.Metric) {
	var batched, inFlight, unplaceable int
	c.mu.Lock()
	for p, ctx := range c.sources {
		if ctx.Err() != nil {
			delete(c.sources, p)
			continue
		}
		batched += p.window.len()
		inFlight += p.flight.waitingPods(p.now())
		unplaceable += p.parked.len()
	}
	c.mu.Unlock()
	ch <- metrics.NewLazyConstMetric(waitingPodsDesc, metrics.GaugeValue, float64(batched), "batched")
	ch <- metrics.NewLazyConstMetric(waitingPodsDesc, metrics.GaugeValue, float64(inFlight), "in_flight")
	ch <- metrics.NewLazyConstMetric(waitingPodsDesc, metrics.GaugeValue, float64(unplaceable), "unplaceable")
}

// len is the number of pods in the open batch.
func (w *window) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.order)
}

// waitingPods counts the pods that wait for a request in flight (see waitsFor).
func (f *flight) waitingPods(now time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, request := range f.waiting {
		if f.holdsLocked(request, now) {
			n++
		}
	}
	return n
}

// len is the number of parked pods.
func (k *parked) len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.pods)
}
