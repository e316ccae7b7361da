package planner

import (
	"fmt"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
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
		for _, zone := range pl.zones {
			snapshot.AddNode(placeholderNode(pl.name+"-domain-"+zone, pl, pl.domainLabels, zone))
		}
	}
}

// addRequiredDomains adds, for pods that spread over zones and require node
// labels, one placeholder per zone where a NodePool can launch a node they may
// run on: the spread plugin counts only nodes a pod's node selector and
// affinity admit, and a zone with no such node yet would not count at all.
func addRequiredDomains(snapshot *Snapshot, pools []*pool, groups []*group, shapes shapes) {
	for _, g := range groups {
		if !g.spread || !g.zoneSensitive {
			continue
		}
		required := nodeaffinity.GetRequiredNodeAffinity(g.pods[0])
		for i, alt := range g.alternatives {
			if len(alt) == 0 {
				continue
			}
			for _, pl := range pools {
				if pl.err != nil || podFits(pl.reqs, alt) != nil {
					continue
				}
				reqs := intersect(pl.reqs, alt)
				types := shapes.typesFor(pl.types, reqs, g.requests, true)
				for _, zone := range pl.zones {
					zoneReqs := intersect(reqs, zoneRequirement(zone))
					inZone := slices.DeleteFunc(slices.Clone(types), func(it *cloudprovider.InstanceType) bool { return !offered(it, zoneReqs) })
					if len(inZone) == 0 {
						continue
					}
					node := placeholderNode(fmt.Sprintf("%s-domain-%s-%.8s-%d", pl.name, zone, g.key, i), pl, placeholderLabels(pl, reqs, inZone), zone)
					if ok, _ := required.Match(node); ok {
						snapshot.AddNode(node)
					}
				}
			}
		}
	}
}

// placeholderLabels are the labels of an empty node of pl that types share and
// reqs fix, without a hostname: hostname-level rules ignore it.
func placeholderLabels(pl *pool, reqs scheduling.Requirements, types []*cloudprovider.InstanceType) map[string]string {
	labels := commonLabels(types)
	for k, v := range reqs.Labels() {
		labels[k] = v
	}
	for k, v := range pl.labels {
		labels[k] = v
	}
	labels[wellknown.NodePoolLabelKey] = pl.name
	delete(labels, corev1.LabelHostname)
	return labels
}

// placeholderNode is an empty node of pl in zone with labels (copied): it never
// receives pods.
func placeholderNode(name string, pl *pool, labels map[string]string, zone string) *corev1.Node {
	own := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		own[k] = v
	}
	own[corev1.LabelTopologyZone] = zone
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: own},
		Spec:       corev1.NodeSpec{Taints: pl.taints},
		Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
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
