package planner

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	fwk "k8s.io/kube-scheduler/framework"
)

// The topology spread plugin's PreFilter state counts matching pods per domain,
// and its AddPod extension keeps those counts exact, but it remembers only two
// "critical paths" for the smallest count: once both have grown, the minimum it
// reports can be too high and its Filter too lenient (three zones suffice).
// Removing and re-adding a matching pod in a domain (the RemovePod, then AddPod
// extensions, which leave the counts as they were) re-enters that domain into
// the critical paths. Re-entering every domain of a zone-like key, and for a
// hostname key one node that holds no matching pod (count 0, the least there
// is), leaves the true minimum there: a caught-up state is repaired with a few
// extension calls instead of a PreFilter over every node and pod.

const (
	// maxRepairedDomains bounds the domains of zone-like keys re-entered.
	maxRepairedDomains = 16
	// maxZeroSearch bounds the nodes searched for one with no matching pod.
	maxZeroSearch = 64
)

// spreadRepair is what repairing a group's spread state needs.
type spreadRepair struct {
	// keys are every constraint's topology key: the plugin counts only nodes
	// that have all of them.
	keys []string
	// domains are one node per domain of the keys other than the hostname, from
	// the first scanned nodes of the snapshot; seen names those domains.
	domains []fwk.NodeInfo
	seen    map[string]bool
	scanned int
	// hostname are the selectors of the constraints over hostnames.
	hostname []labels.Selector
}

// newSpreadRepair returns how to repair the spread state of g's pods, or nil
// when it cannot be repaired: some node carrying the keys might not count (node
// requirements to honour, tainted nodes to leave out), minDomains makes the
// number of domains matter, or the domains are many.
func (s *simulation) newSpreadRepair(g *group, pod *corev1.Pod) *spreadRepair {
	if !g.repairableSpread {
		return nil
	}
	sr := &spreadRepair{}
	for _, c := range pod.Spec.TopologySpreadConstraints {
		sr.keys = append(sr.keys, c.TopologyKey)
		if c.TopologyKey == corev1.LabelHostname {
			selector, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
			if err != nil {
				return nil
			}
			sr.hostname = append(sr.hostname, selector)
		}
	}
	sr.seen = map[string]bool{}
	if !sr.scan(s.snapshot.order) || len(sr.domains) > maxRepairedDomains {
		return nil
	}
	return sr
}

// scan takes in the nodes of order not scanned yet and reports whether their
// domains of keys other than the hostname were all seen before.
func (sr *spreadRepair) scan(order []fwk.NodeInfo) bool {
	known := true
	for _, ni := range order[sr.scanned:] {
		if !hasKeys(ni, sr.keys) {
			continue
		}
		for _, key := range sr.keys {
			if domain := key + "=" + ni.Node().Labels[key]; key != corev1.LabelHostname && !sr.seen[domain] {
				sr.seen[domain] = true
				sr.domains = append(sr.domains, ni)
				known = sr.scanned == 0
			}
		}
	}
	sr.scanned = len(order)
	return known
}

// zeroNode is a recent node that counts for every constraint and holds no pod of
// namespace that a hostname constraint selects, or nil when none is found.
func (s *simulation) zeroNode(sr *spreadRepair, namespace string) fwk.NodeInfo {
	for i := len(s.snapshot.order) - 1; i >= 0 && i >= len(s.snapshot.order)-maxZeroSearch; i-- {
		ni := s.snapshot.order[i]
		if hasKeys(ni, sr.keys) && !holdsSelected(ni, namespace, sr.hostname) {
			return ni
		}
	}
	return nil
}

// repairSpread re-enters the domains of sr, and zero if not nil, into the spread
// plugin's critical paths with each pod placed in pod's namespace since the
// state was caught up (pods of other namespaces never count).
func (s *simulation) repairSpread(ctx context.Context, gs *groupState, pod *corev1.Pod, placed []placement, zero fwk.NodeInfo) {
	nodes := gs.repair.domains
	if zero != nil {
		nodes = append(nodes[:len(nodes):len(nodes)], zero)
	}
	for _, p := range placed {
		if p.pod.GetPod().Namespace != pod.Namespace {
			continue
		}
		for _, ni := range nodes {
			s.fw.RunPreFilterExtensionRemovePod(ctx, gs.state, pod, p.pod, ni)
			if status := s.fw.RunPreFilterExtensionAddPod(ctx, gs.state, pod, p.pod, ni); !status.IsSuccess() {
				gs.status = status
			}
		}
	}
}

func hasKeys(ni fwk.NodeInfo, keys []string) bool {
	for _, key := range keys {
		if _, ok := ni.Node().Labels[key]; !ok {
			return false
		}
	}
	return true
}

// holdsSelected reports whether ni holds a pod of namespace that one of
// selectors selects.
func holdsSelected(ni fwk.NodeInfo, namespace string, selectors []labels.Selector) bool {
	for _, p := range ni.GetPods() {
		pod := p.GetPod()
		if pod.Namespace != namespace {
			continue
		}
		for _, selector := range selectors {
			if selector.Matches(labels.Set(pod.Labels)) {
				return true
			}
		}
	}
	return false
}

// repairableSpread reports whether every node carrying pod's spread constraint
// keys counts for them (no node selector or required node affinity to honour,
// taints ignored) and the number of domains does not matter (no minDomains).
func repairableSpread(pod *corev1.Pod) bool {
	if len(pod.Spec.NodeSelector) > 0 {
		return false
	}
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		return false
	}
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.MinDomains != nil || (c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor) {
			return false
		}
	}
	return true
}
