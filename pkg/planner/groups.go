package planner

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// group is a set of pods the scheduler cannot tell apart: same namespace, labels
// and scheduling-relevant spec. They share PreFilter state and, where no rule
// depends on other pods, a failed fit.
type group struct {
	key  string
	pods []*corev1.Pod
	// requests of one pod, with the pod count.
	requests corev1.ResourceList
	// alternatives are the pod's node requirements, one per required node
	// affinity term (ANDed with its node selector); one empty set when unconstrained.
	alternatives []scheduling.Requirements
	// topologySensitive pods have spread or (anti-)affinity rules: their fit
	// depends on where other pods are.
	topologySensitive bool
	// spread pods have topology spread constraints.
	spread bool
	// repairableSpread pods have spread constraints whose PreFilter state can be
	// repaired after placements instead of recomputed (spread.go).
	repairableSpread bool
	// affinity pods have required pod affinity: a node they do not fit may fit
	// later, once a matching pod is placed there.
	affinity bool
	// volumes pods use persistent volume claims, whose PreFilter may depend on
	// the nodes.
	volumes bool
	// need is requests as integers.
	need demand
	// zoneSensitive pods have such rules over zones, or volumes whose topology
	// may restrict the zone: a node planned for them must have its zone fixed.
	zoneSensitive bool
	// next is the index of the first pod not placed yet; pods before it were
	// placed in order, by the group's turn or by filling a new node.
	next int
	// fillable pods may be pulled onto a new node planned for another pod
	// (fill.go): no node requirements, volumes, extended resources or rules that
	// depend on other pods.
	fillable bool
	// pullable pods are like fillable ones but for rules that depend on other
	// pods (spread, anti-affinity): a fill may pull them too, as many as their
	// per-node bound allows, zone-spread ones only onto a node whose zone is
	// fixed, each confirmed by the Filter plugins.
	pullable bool
	// value is what a pod costs when packed only with its like (fill.go).
	value float64
	// cursor is the first planned node the group's next pod may fit.
	cursor int
	// perNode is the most pods of the group one node can hold by the group's
	// own rules (anti-affinity to itself, host ports, hostname spread); 0 when
	// they set no bound.
	perNode int64
	// zoneSpread pods spread themselves over zones (DoNotSchedule): each zone
	// takes its share of them, one zone after another.
	zoneSpread bool
}

// share is how many of g's pods, counting the one being placed, a new node
// planned for it can expect to hold by g's own rules, with zones the zones it
// could spread over: the fill pulls a fillable group's pods itself, a zone
// spread leaves each zone its part, perNode bounds the rest.
func (g *group) share(zones int) int64 {
	if g.fillable {
		return 1
	}
	left := int64(len(g.pods) - g.next + 1)
	if g.zoneSpread && zones > 1 {
		left = (left + int64(zones) - 1) / int64(zones)
	}
	if g.perNode > 0 {
		left = min(left, g.perNode)
	}
	return max(left, 1)
}

// schedulingView is what makes two pods equivalent for placement.
type schedulingView struct {
	Namespace         string
	Labels            map[string]string
	NodeSelector      map[string]string
	Affinity          *corev1.Affinity
	Tolerations       []corev1.Toleration
	Spread            []corev1.TopologySpreadConstraint
	Volumes           []corev1.Volume
	Requests          corev1.ResourceList
	Ports             []corev1.ContainerPort
	PriorityClassName string
	SchedulingGates   []corev1.PodSchedulingGate
	ResourceClaims    []corev1.PodResourceClaim
}

func groupPods(pods []*corev1.Pod) ([]*group, error) {
	byKey := map[string]*group{}
	var out []*group
	for _, pod := range pods {
		view := viewOf(pod)
		b, err := json.Marshal(view)
		if err != nil {
			return nil, fmt.Errorf("grouping pod %s/%s, %w", pod.Namespace, pod.Name, err)
		}
		key := fmt.Sprintf("%x", sha256.Sum256(b))
		g, ok := byKey[key]
		if !ok {
			g = newGroup(key, pod, view.Requests)
			byKey[key] = g
			out = append(out, g)
		}
		g.pods = append(g.pods, pod)
	}
	sort.SliceStable(out, func(i, j int) bool { return larger(out[i].requests, out[j].requests) })
	return out, nil
}

func viewOf(pod *corev1.Pod) schedulingView {
	v := schedulingView{
		Namespace: pod.Namespace, Labels: pod.Labels, NodeSelector: pod.Spec.NodeSelector,
		Affinity: pod.Spec.Affinity, Tolerations: pod.Spec.Tolerations, Spread: pod.Spec.TopologySpreadConstraints,
		Volumes: pod.Spec.Volumes, Requests: podRequests(pod), PriorityClassName: pod.Spec.PriorityClassName,
		SchedulingGates: pod.Spec.SchedulingGates, ResourceClaims: pod.Spec.ResourceClaims,
	}
	for _, c := range pod.Spec.Containers {
		v.Ports = append(v.Ports, c.Ports...)
	}
	return v
}

func newGroup(key string, pod *corev1.Pod, requests corev1.ResourceList) *group {
	g := &group{key: key, requests: requests, alternatives: nodeRequirements(pod), need: demandOf(requests)}
	for _, v := range pod.Spec.Volumes {
		g.volumes = g.volumes || v.PersistentVolumeClaim != nil || v.Ephemeral != nil
	}
	// VolumeBinding judges a volume's node affinity on the node's labels: a node
	// whose zone is open has no zone label, and no zonal volume fits it.
	g.zoneSensitive = g.volumes
	g.setSpread(pod)
	if a := pod.Spec.Affinity; a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil) {
		g.topologySensitive = true
		g.affinity = a.PodAffinity != nil && len(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0
		for _, term := range affinityTerms(a) {
			g.zoneSensitive = g.zoneSensitive || term.TopologyKey != corev1.LabelHostname
		}
		if a.PodAntiAffinity != nil && repels(pod, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) {
			g.perNode = 1
		}
	}
	if g.volumes || hostPorts(pod) {
		g.perNode = 1
	}
	plain := !g.volumes && g.need.extended == nil && len(g.alternatives) == 1 && len(g.alternatives[0]) == 0
	g.fillable = plain && !g.topologySensitive
	g.pullable = plain && g.topologySensitive && !g.affinity
	return g
}

// setSpread records the pod's spread constraints that the Filter enforces
// (DoNotSchedule; ScheduleAnyway only scores) and what those that select the
// pod itself allow per node and zone.
func (g *group) setSpread(pod *corev1.Pod) {
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable != corev1.DoNotSchedule {
			continue
		}
		g.topologySensitive, g.spread = true, true
		g.zoneSensitive = g.zoneSensitive || c.TopologyKey != corev1.LabelHostname
		if !selects(c.LabelSelector, pod) {
			continue
		}
		switch c.TopologyKey {
		case corev1.LabelHostname:
			g.perNode = minBound(g.perNode, int64(c.MaxSkew))
		case corev1.LabelTopologyZone:
			g.zoneSpread = true
		default:
			g.perNode = 1 // domains the planner does not size for
		}
	}
	if g.spread {
		g.repairableSpread = repairableSpread(pod)
	}
}

// repels reports whether one of terms keeps two of pod's like apart (its
// selector matches pod in pod's namespace), whatever its topology key: over
// zones as over hostnames, a node holds one.
func repels(pod *corev1.Pod, terms []corev1.PodAffinityTerm) bool {
	for _, t := range terms {
		if (len(t.Namespaces) == 0 && t.NamespaceSelector == nil || slices.Contains(t.Namespaces, pod.Namespace)) && selects(t.LabelSelector, pod) {
			return true
		}
	}
	return false
}

// selects reports whether selector matches pod's labels (nil matches nothing).
func selects(selector *metav1.LabelSelector, pod *corev1.Pod) bool {
	s, err := metav1.LabelSelectorAsSelector(selector)
	return err == nil && selector != nil && s.Matches(labels.Set(pod.Labels))
}

func hostPorts(pod *corev1.Pod) bool {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort > 0 {
				return true
			}
		}
	}
	return false
}

// minBound is the smaller of two bounds, where 0 means none.
func minBound(a, b int64) int64 {
	if a == 0 || b < a {
		return b
	}
	return a
}

func affinityTerms(a *corev1.Affinity) []corev1.PodAffinityTerm {
	var terms []corev1.PodAffinityTerm
	if a.PodAffinity != nil {
		terms = append(terms, a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
	}
	if a.PodAntiAffinity != nil {
		terms = append(terms, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
	}
	return terms
}

// podRequests are the pod's effective requests (init containers, overhead) plus
// one "pods" slot.
func podRequests(pod *corev1.Pod) corev1.ResourceList {
	out := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	out[corev1.ResourcePods] = *resource.NewQuantity(1, resource.DecimalSI)
	return out
}

// nodeRequirements turns the pod's node selector and required node affinity into
// requirements: one alternative per affinity term (terms are ORed).
func nodeRequirements(pod *corev1.Pod) []scheduling.Requirements {
	base := scheduling.NewLabelRequirements(pod.Spec.NodeSelector)
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return []scheduling.Requirements{base}
	}
	var out []scheduling.Requirements
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		reqs := base.Copy()
		ok := true
		for _, e := range term.MatchExpressions {
			r, err := scheduling.ParseRequirement(e.Key, e.Operator, e.Values...)
			if err != nil {
				ok = false
				break
			}
			reqs.Add(r)
		}
		if ok {
			out = append(out, reqs)
		}
	}
	return out
}

// larger orders by cpu, then memory, descending.
func larger(a, b corev1.ResourceList) bool {
	if c := a.Cpu().Cmp(*b.Cpu()); c != 0 {
		return c > 0
	}
	return a.Memory().Cmp(*b.Memory()) > 0
}

// pullCount is how many of g's pods a fill may pull onto a node (zoneFixed:
// whose zone is fixed).
func (g *group) pullCount(zoneFixed bool) int64 {
	left := int64(len(g.pods) - g.next)
	if g.zoneSensitive && !zoneFixed {
		return 0
	}
	if g.perNode > 0 {
		left = min(left, g.perNode)
	}
	return left
}
