package planner

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// addPotentialDomains puts one empty placeholder node per (NodePool, zone it can
// launch in) into the snapshot, so that topology spread over zones counts zones
// that have no node yet, as users of Karpenter expect. Placeholders carry no
// hostname label (so hostname-level rules ignore them) and never receive pods.
func addPotentialDomains(snapshot *Snapshot, pools []*pool) {
	for _, pl := range pools {
		if pl.err != nil {
			continue
		}
		for _, zone := range launchableZones(pl) {
			labels := commonLabels(pl.types)
			for k, v := range pl.reqs.Labels() {
				labels[k] = v
			}
			for k, v := range pl.labels {
				labels[k] = v
			}
			labels[wellknown.NodePoolLabelKey] = pl.name
			labels[corev1.LabelTopologyZone] = zone
			delete(labels, corev1.LabelHostname)
			snapshot.AddNode(&corev1.Node{
				ObjectMeta: metav1.ObjectMeta{Name: pl.name + "-domain-" + zone, Labels: labels},
				Spec:       corev1.NodeSpec{Taints: pl.taints},
				Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
			})
		}
	}
}

// launchableZones are the zones where some type of pl has an available offering
// its requirements allow.
func launchableZones(pl *pool) []string {
	seen := map[string]bool{}
	for _, it := range pl.types {
		for _, o := range it.Offerings.Available().Compatible(pl.reqs) {
			seen[o.Zone] = true
		}
	}
	zones := make([]string, 0, len(seen))
	for z := range seen {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	return zones
}
