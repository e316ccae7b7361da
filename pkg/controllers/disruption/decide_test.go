package disruption

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func nodePool(name string, after string, budgets ...karpv1.Budget) *karpv1.NodePool {
	np := &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: name}}
	np.Spec.Disruption.ConsolidateAfter = karpv1.MustParseNillableDuration(after)
	np.Spec.Disruption.Budgets = budgets
	if len(budgets) == 0 {
		np.Spec.Disruption.Budgets = []karpv1.Budget{{Nodes: "100%"}}
	}
	return np
}

// candidate is an initialized node of pool, priced, empty since emptyFor ago
// (never empty when emptyFor is negative), with pods.
func candidate(name, pool string, price string, emptyFor time.Duration, pods ...*corev1.Pod) *Candidate {
	claim := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: name,
		Labels:      map[string]string{wellknown.NodePoolLabelKey: pool},
		Annotations: map[string]string{tailorv1alpha1.PricePerHourAnnotationKey: price},
	}}
	claim.Status.Conditions = []metav1.Condition{{Type: karpv1.ConditionTypeInitialized, Status: metav1.ConditionTrue}}
	c := &Candidate{Claim: claim, Node: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-" + name}}, Pods: pods}
	if emptyFor >= 0 {
		c.EmptySince = now.Add(-emptyFor)
	}
	return c
}

func daemonPod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kube-system", Labels: map[string]string{"app": "agent"},
		OwnerReferences: []metav1.OwnerReference{{Kind: "DaemonSet", Name: "agent", Controller: ptr.To(true)}}}}
}

func names(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		for _, cand := range c.Candidates {
			out = append(out, string(c.Reason)+":"+cand.Claim.Name)
		}
	}
	return out
}

func TestEmptyNodesAreRemovedAfterConsolidateAfter(t *testing.T) {
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": nodePool("default", "30s")},
		Candidates: []*Candidate{
			candidate("cheap", "default", "0.1", time.Minute, daemonPod("agent-1")), // DaemonSet pods do not count
			candidate("dear", "default", "0.4", time.Minute),
			candidate("recent", "default", "0.4", 10*time.Second), // not empty for 30s yet
			candidate("busy", "default", "0.4", -1),
		}}
	cmds, blocked := Decide(s)
	if got := strings.Join(names(cmds), ","); got != "Empty:dear,Empty:cheap" {
		t.Errorf("commands %s, want the two nodes empty for 30s, most expensive first", got)
	}
	if len(blocked) != 0 {
		t.Errorf("blocked %v, want none", blocked)
	}
}

func TestNeverUninitializedAndAwaitedNodesStay(t *testing.T) {
	uninitialized := candidate("new", "default", "0.1", time.Hour)
	uninitialized.Claim.Status.Conditions = nil
	awaited := candidate("awaited", "default", "0.1", time.Hour)
	awaited.Awaited = true
	leaving := candidate("leaving", "default", "0.1", time.Hour)
	leaving.Node.Spec.Taints = []corev1.Taint{wellknown.DisruptedNoScheduleTaint}
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": nodePool("default", "0s"), "keep": nodePool("keep", "Never")},
		Candidates: []*Candidate{uninitialized, awaited, leaving, candidate("kept", "keep", "0.1", time.Hour)}}
	if cmds, _ := Decide(s); len(cmds) != 0 {
		t.Errorf("commands %v, want none: not initialized, pods waiting for it, already disrupting, consolidateAfter Never", names(cmds))
	}
}

func TestDoNotDisruptAndPDBsBlock(t *testing.T) {
	node := candidate("annotated", "default", "0.1", time.Hour)
	node.Node.Annotations = map[string]string{wellknown.DoNotDisruptAnnotationKey: "true"}
	guarded := daemonPod("guarded")
	guarded.Annotations = map[string]string{wellknown.DoNotDisruptAnnotationKey: "1h"}
	guarded.CreationTimestamp = metav1.NewTime(now.Add(-10 * time.Minute))
	expired := daemonPod("expired")
	expired.Annotations = map[string]string{wellknown.DoNotDisruptAnnotationKey: "1h"}
	expired.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
	pdb := policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "kube-system"},
		Spec: policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}}}}
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": nodePool("default", "0s")},
		Candidates: []*Candidate{node, candidate("pod-guarded", "default", "0.1", time.Hour, guarded), candidate("pdb", "default", "0.1", time.Hour, expired)},
		PDBs:       []policyv1.PodDisruptionBudget{pdb}}
	cmds, blocked := Decide(s)
	if len(cmds) != 0 || len(blocked) != 3 {
		t.Fatalf("commands %v, %d blocked; want none and 3 blocked", names(cmds), len(blocked))
	}
	for i, want := range []string{"has karpenter.sh/do-not-disrupt", "for 1h (until", "allows no disruption now"} {
		if !strings.Contains(blocked[i].Why, want) {
			t.Errorf("blocked %s: %q, want it to say %q", blocked[i].Candidate.Claim.Name, blocked[i].Why, want)
		}
	}
	s.PDBs[0].Status.DisruptionsAllowed = 1
	s.Candidates = s.Candidates[2:]
	s.Candidates[0].Pods = append(s.Candidates[0].Pods, daemonPod("second"))
	if cmds, _ := Decide(s); len(cmds) != 1 {
		t.Errorf("commands %v, want the node once its PDB allows a disruption and the pod's do-not-disrupt lapsed (the drain evicts its two pods one at a time)", names(cmds))
	}
}

func TestBudgetsLimitEmptiness(t *testing.T) {
	var cs []*Candidate
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		cs = append(cs, candidate(n, "default", "0.1", time.Hour))
	}
	cs[9].Node.Spec.Taints = []corev1.Taint{wellknown.DisruptedNoScheduleTaint} // one already disrupting
	night := karpv1.Budget{Nodes: "0", Schedule: ptr.To("0 22 * * *"), Duration: &metav1.Duration{Duration: 8 * time.Hour}}
	for _, tc := range []struct {
		name    string
		budgets []karpv1.Budget
		at      time.Time
		want    int
	}{
		{"30% of 10 nodes, one disrupting", []karpv1.Budget{{Nodes: "30%"}}, now, 2},
		{"the most restrictive wins", []karpv1.Budget{{Nodes: "30%"}, {Nodes: "2"}}, now, 1},
		{"a budget for other reasons does not apply", []karpv1.Budget{{Nodes: "0", Reasons: []karpv1.DisruptionReason{karpv1.DisruptionReasonDrifted}}}, now, 9},
		{"0 during the night window", []karpv1.Budget{night}, time.Date(2026, 12, 3, 23, 0, 0, 0, time.UTC), 0},
		{"the window has ended", []karpv1.Budget{night}, time.Date(2026, 12, 4, 6, 30, 0, 0, time.UTC), 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Snapshot{Now: tc.at, NodePools: map[string]*karpv1.NodePool{"default": nodePool("default", "0s", tc.budgets...)}, Candidates: cs}
			cmds, blocked := Decide(s)
			if got := len(names(cmds)); got != tc.want || len(blocked) != 9-tc.want {
				t.Errorf("%d nodes removed, %d blocked; want %d and %d", got, len(blocked), tc.want, 9-tc.want)
			}
			if tc.want < 9 && (len(blocked) == 0 || blocked[0].Why == "") {
				t.Errorf("blocked nodes do not say which budget holds them")
			}
		})
	}
}

func TestUnreadableBudgetBlocks(t *testing.T) {
	np := nodePool("default", "0s", karpv1.Budget{Nodes: "100%", Schedule: ptr.To("not a cron"), Duration: &metav1.Duration{Duration: time.Hour}})
	cmds, blocked := Decide(Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": np}, Candidates: []*Candidate{candidate("a", "default", "0.1", time.Hour)}})
	if len(cmds) != 0 || len(blocked) != 1 || !strings.Contains(blocked[0].Why, "spec.disruption.budgets[0]") {
		t.Errorf("commands %v, blocked %v; want the node held, naming the budget", names(cmds), blocked)
	}
}

func workloadPod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}}}
}

// fitsOn places pods on the nodes named in room (free pod slots per node),
// other than without's, and nowhere else: a stand-in for the planner.
func fitsOn(room map[string]int) func([]*corev1.Pod, []*Candidate) (Placement, error) {
	return func(pods []*corev1.Pod, without []*Candidate) (Placement, error) {
		free := 0
		for node, n := range room {
			if !slices.ContainsFunc(without, func(c *Candidate) bool { return c.Node.Name == node }) {
				free += n
			}
		}
		if len(pods) <= free {
			return Placement{}, nil
		}
		return Placement{Unplaced: len(pods) - free, Why: "no room"}, nil
	}
}

func TestUnderutilizedNodeIsDeletedWhenItsPodsFitElsewhere(t *testing.T) {
	stable := func(c *Candidate) *Candidate { c.StableSince = now.Add(-time.Hour); return c }
	one := stable(candidate("one-pod", "default", "0.1", -1, workloadPod("a")))
	two := stable(candidate("two-pods", "default", "0.4", -1, workloadPod("b"), workloadPod("c")))
	full := stable(candidate("full", "default", "0.2", -1, workloadPod("d"), workloadPod("e"), workloadPod("f")))
	np := nodePool("default", "30s")
	np.Spec.Disruption.ConsolidationPolicy = karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": np}, Candidates: []*Candidate{two, full, one},
		Plan: fitsOn(map[string]int{"node-two-pods": 1, "node-full": 0, "node-one-pod": 1})}
	cmds, _ := Decide(s)
	if got := strings.Join(names(cmds), ","); got != "Underutilized:one-pod" {
		t.Errorf("commands %s, want the node with the fewest pods, whose pod fits elsewhere", got)
	}
	s.Plan = fitsOn(map[string]int{"node-two-pods": 0, "node-full": 0, "node-one-pod": 2})
	if got := strings.Join(names(mustDecide(s)), ","); got != "Underutilized:two-pods" {
		t.Errorf("commands %s, want the two-pod node once only its pods fit elsewhere", got)
	}
	for name, edit := range map[string]func(*Snapshot){
		"a pod is pending": func(s *Snapshot) { s.Pending = true },
		"WhenEmpty": func(s *Snapshot) {
			s.NodePools["default"].Spec.Disruption.ConsolidationPolicy = karpv1.ConsolidationPolicyWhenEmpty
		},
		"pods changed recently":    func(s *Snapshot) { one.StableSince, two.StableSince = now, now },
		"budget for Underutilized": func(s *Snapshot) { s.NodePools["default"].Spec.Disruption.Budgets = []karpv1.Budget{{Nodes: "0"}} },
		"nothing fits":             func(s *Snapshot) { s.Plan = fitsOn(map[string]int{}) },
	} {
		t.Run(name, func(t *testing.T) {
			copied := s
			np := *s.NodePools["default"]
			copied.NodePools = map[string]*karpv1.NodePool{"default": &np}
			saved := []time.Time{one.StableSince, two.StableSince}
			edit(&copied)
			if cmds := mustDecide(copied); len(cmds) != 0 {
				t.Errorf("commands %v, want none", names(cmds))
			}
			one.StableSince, two.StableSince = saved[0], saved[1]
		})
	}
}

func mustDecide(s Snapshot) []Command {
	cmds, _ := Decide(s)
	return cmds
}

// Candidates are tried cheapest to disrupt first: a pod's deletion cost and
// priority raise a node's cost, a node about to expire costs less; those whose
// pods fit nowhere are reported unconsolidatable.
func TestConsolidationTriesTheCheapestToDisruptFirst(t *testing.T) {
	stable := func(c *Candidate) *Candidate { c.StableSince = now.Add(-time.Hour); return c }
	costly := workloadPod("costly")
	costly.Annotations = map[string]string{corev1.PodDeletionCost: "1000000000"}
	important := workloadPod("important")
	important.Spec.Priority = ptr.To[int32](1000000000)
	a := stable(candidate("deletion-cost", "default", "0.4", -1, costly))
	b := stable(candidate("priority", "default", "0.4", -1, important))
	c := stable(candidate("plain-two", "default", "0.1", -1, workloadPod("x"), workloadPod("y")))
	c.Claim.Spec.ExpireAfter = karpv1.MustParseNillableDuration("10h")
	c.Claim.CreationTimestamp = metav1.NewTime(now.Add(-9 * time.Hour)) // a tenth of its life left
	np := nodePool("default", "0s")
	np.Spec.Disruption.ConsolidationPolicy = karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized
	var tried []string
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": np}, Candidates: []*Candidate{a, b, c},
		Plan: func(pods []*corev1.Pod, without []*Candidate) (Placement, error) {
			if len(without) == 1 {
				tried = append(tried, without[0].Claim.Name)
			}
			return Placement{Unplaced: len(pods), Why: "no room"}, nil
		}}
	cmds, blocked := Decide(s)
	if len(cmds) != 0 || strings.Join(tried, ",") != "plain-two,deletion-cost,priority" {
		t.Errorf("tried %v (commands %v), want the expiring two-pod node, then the costlier ones", tried, names(cmds))
	}
	if len(blocked) != 3 || !blocked[0].Unconsolidatable || !strings.Contains(blocked[0].Why, "fit no other node and no NodePool (no room)") {
		t.Errorf("blocked %+v, want the three unconsolidatable with the fit's reason", blocked)
	}
}
