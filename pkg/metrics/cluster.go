// Package metrics holds the launcher's gauges of cluster state, computed from
// its cache on every scrape (NodeClaims by phase, nodes, hourly cost, offerings
// short of capacity), and the test that docs/metrics.md lists exactly the
// metrics both binaries register. Event metrics live next to their code, one
// metrics.go per package.
package metrics

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
)

// Phases of a NodeClaim, as the nodeclaims gauge labels them.
const (
	PhaseLaunching   = "launching"
	PhaseRegistered  = "registered"
	PhaseInitialized = "initialized"
	PhaseDeleting    = "deleting"
)

var phases = []string{PhaseLaunching, PhaseRegistered, PhaseInitialized, PhaseDeleting}

// scrapeTimeout bounds the cache reads of one scrape (they block only while
// the cache has not synced yet).
const scrapeTimeout = 5 * time.Second

var (
	nodeClaimsDesc = prometheus.NewDesc("tailor_nodeclaims",
		"NodeClaims by NodePool and phase (launching, registered, initialized, deleting).", []string{"nodepool", "phase"}, nil)
	nodesDesc = prometheus.NewDesc("tailor_nodes",
		"Nodes labelled with a NodePool, by NodePool.", []string{"nodepool"}, nil)
	costDesc = prometheus.NewDesc("tailor_nodepools_cost_dollars_per_hour",
		"Sum of the hourly prices (tailor.sh/price-per-hour) of the NodePool's launched NodeClaims, deleting ones included (their instance runs until terminated).",
		[]string{"nodepool"}, nil)
	unavailableDesc = prometheus.NewDesc("tailor_cloudprovider_unavailable_offerings",
		"Offerings marked unavailable in the published catalogs (insufficient capacity or a spot interruption, for 3 minutes), 1 each.",
		[]string{"instance_type", "zone", "capacity_type"}, nil)
)

// collector computes the gauges from a client.Reader when scraped.
type collector struct {
	reader atomic.Pointer[client.Reader]
}

var cluster = &collector{}

func init() { crmetrics.Registry.MustRegister(cluster) }

// Observe makes the launcher's gauges read kube (the manager's cached client)
// from now on; until then they report nothing. The last call wins, so a
// launcher restarted in the same process reports its own cache.
func Observe(kube client.Reader) { cluster.reader.Store(&kube) }

// Describe sends the gauges' descriptors.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{nodeClaimsDesc, nodesDesc, costDesc, unavailableDesc} {
		ch <- d
	}
}

// Collect reads the cache and sends the gauges; a family whose objects cannot
// be listed is left out of this scrape.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	r := c.reader.Load()
	if r == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	var pools karpv1.NodePoolList
	if err := (*r).List(ctx, &pools, client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).V(1).Info("left the NodePool gauges out of a scrape", "error", err.Error())
		return
	}
	names := make([]string, 0, len(pools.Items))
	for i := range pools.Items {
		names = append(names, pools.Items[i].Name)
	}
	for _, collect := range []func(context.Context, client.Reader, []string, chan<- prometheus.Metric) error{
		collectNodeClaims, collectNodes, collectUnavailable,
	} {
		if err := collect(ctx, *r, names, ch); err != nil {
			log.FromContext(ctx).V(1).Info("left gauges out of a scrape", "error", err.Error())
		}
	}
}

// collectNodeClaims sends the claims by NodePool and phase (every phase of every
// NodePool, zeros included) and the NodePools' hourly cost.
func collectNodeClaims(ctx context.Context, r client.Reader, pools []string, ch chan<- prometheus.Metric) error {
	var list karpv1.NodeClaimList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return err
	}
	counts, cost := map[string]map[string]int{}, map[string]float64{}
	for _, pool := range pools {
		counts[pool] = map[string]int{}
	}
	for i := range list.Items {
		claim := &list.Items[i]
		pool := claim.Labels[wellknown.NodePoolLabelKey]
		if counts[pool] == nil {
			counts[pool] = map[string]int{}
		}
		counts[pool][Phase(claim)]++
		if price, err := strconv.ParseFloat(claim.Annotations[tailorv1alpha1.PricePerHourAnnotationKey], 64); err == nil {
			cost[pool] += price
		}
	}
	for pool, byPhase := range counts {
		for _, phase := range phases {
			ch <- prometheus.MustNewConstMetric(nodeClaimsDesc, prometheus.GaugeValue, float64(byPhase[phase]), pool, phase)
		}
		ch <- prometheus.MustNewConstMetric(costDesc, prometheus.GaugeValue, cost[pool], pool)
	}
	return nil
}

// Phase is where a claim is in its life.
func Phase(claim *karpv1.NodeClaim) string {
	switch {
	case !claim.DeletionTimestamp.IsZero():
		return PhaseDeleting
	case claims.IsTrue(claim, karpv1.ConditionTypeInitialized):
		return PhaseInitialized
	case claims.IsTrue(claim, karpv1.ConditionTypeRegistered):
		return PhaseRegistered
	}
	return PhaseLaunching
}

// collectNodes sends the nodes of every NodePool (zeros included).
func collectNodes(ctx context.Context, r client.Reader, pools []string, ch chan<- prometheus.Metric) error {
	var list corev1.NodeList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return err
	}
	counts := make(map[string]int, len(pools))
	for _, pool := range pools {
		counts[pool] = 0
	}
	for i := range list.Items {
		if pool, ok := list.Items[i].Labels[wellknown.NodePoolLabelKey]; ok {
			counts[pool]++
		}
	}
	for pool, n := range counts {
		ch <- prometheus.MustNewConstMetric(nodesDesc, prometheus.GaugeValue, float64(n), pool)
	}
	return nil
}

// collectUnavailable sends the offerings the published catalogs mark
// unavailable, once each although every node class has its catalog.
func collectUnavailable(ctx context.Context, r client.Reader, _ []string, ch chan<- prometheus.Metric) error {
	var list tailorv1alpha1.InstanceTypeCatalogList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return err
	}
	seen := map[[3]string]bool{}
	for i := range list.Items {
		for _, it := range list.Items[i].Spec.InstanceTypes {
			for _, o := range it.Offerings {
				key := [3]string{it.Name, o.Zone, o.CapacityType}
				if o.Available || seen[key] {
					continue
				}
				seen[key] = true
				ch <- prometheus.MustNewConstMetric(unavailableDesc, prometheus.GaugeValue, 1, key[:]...)
			}
		}
	}
	return nil
}
