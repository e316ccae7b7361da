package disruption

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// newNode is a planned node whose types are offered in zone a as capacity
// type ct at the given prices, cheapest first.
func newNode(ct string, prices ...float64) *planner.Node {
	n := &planner.Node{Name: "planned", NodePool: "default", Requirements: scheduling.NewRequirements(
		scheduling.NewRequirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, wellknown.CapacityTypeSpot, wellknown.CapacityTypeOnDemand))}
	for i, p := range prices {
		n.InstanceTypes = append(n.InstanceTypes, &cloudprovider.InstanceType{Name: fmt.Sprintf("t%d", i),
			Offerings: cloudprovider.Offerings{{Zone: "a", CapacityType: ct, PricePerHour: p, Available: true}}})
	}
	return n
}

// planned places pods on a new node: a stand-in for the planner.
func planned(n *planner.Node) func([]*corev1.Pod, []*Candidate) (Placement, error) {
	return func(pods []*corev1.Pod, _ []*Candidate) (Placement, error) {
		return Placement{New: []*planner.Node{n}}, nil
	}
}

func stable(c *Candidate) *Candidate { c.StableSince = now.Add(-time.Hour); return c }

func consolidating() *karpv1.NodePool {
	np := nodePool("default", "0s")
	np.Spec.Disruption.ConsolidationPolicy = karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized
	return np
}

// Several underutilized nodes whose pods together fit the others go in one
// command: the longest prefix of the cheapest to disrupt that fits.
func TestMultiNodeConsolidationDeletesTogether(t *testing.T) {
	a := stable(candidate("a", "default", "0.2", -1, workloadPod("a1")))
	b := stable(candidate("b", "default", "0.2", -1, workloadPod("b1")))
	c := stable(candidate("c", "default", "0.2", -1, workloadPod("c1")))
	d := stable(candidate("d", "default", "0.2", -1, workloadPod("d1"), workloadPod("d2"), workloadPod("d3")))
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": consolidating()}, Candidates: []*Candidate{d, a, b, c},
		Plan: fitsOn(map[string]int{"node-d": 3, "node-a": 1})}
	cmds := mustDecide(s)
	if len(cmds) != 1 || cmds[0].Action != ActionDelete || strings.Join(names(cmds), ",") != "Underutilized:a,Underutilized:b,Underutilized:c" {
		t.Fatalf("commands %v, want a, b and c deleted together (their 3 pods fit d)", names(cmds))
	}
	s.NodePools["default"].Spec.Disruption.Budgets = []karpv1.Budget{{Nodes: "2"}}
	if got := strings.Join(names(mustDecide(s)), ","); got != "Underutilized:a,Underutilized:b" {
		t.Errorf("commands %s, want two nodes: the budget allows 2", got)
	}
}

// A node whose pods need a new node is replaced when that node is strictly
// cheaper, restricted to the types that are; otherwise it stays and says why.
func TestConsolidationReplacesWithACheaperNode(t *testing.T) {
	dear := stable(candidate("dear", "default", "0.40", -1, workloadPod("x")))
	dear.Node.Labels = map[string]string{wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeOnDemand}
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": consolidating()}, Candidates: []*Candidate{dear},
		Plan: planned(newNode(wellknown.CapacityTypeOnDemand, 0.10, 0.20, 0.40, 0.80))}
	cmds, _ := Decide(s)
	if len(cmds) != 1 || cmds[0].Action != ActionReplace || len(cmds[0].Replacements) != 1 {
		t.Fatalf("commands %+v, want one replacement", cmds)
	}
	if got := len(cmds[0].Replacements[0].InstanceTypes); got != 2 {
		t.Errorf("replacement may launch %d types, want the 2 cheaper than $0.40/h", got)
	}
	if cmds[0].Deadline.IsZero() || !strings.Contains(cmds[0].Message, "$0.4000/h") {
		t.Errorf("command %+v: want a deadline and a message with both prices", cmds[0])
	}
	s.Plan = planned(newNode(wellknown.CapacityTypeOnDemand, 0.40, 0.80))
	cmds, blocked := Decide(s)
	if len(cmds) != 0 || len(blocked) != 1 || !blocked[0].Unconsolidatable || !strings.Contains(blocked[0].Why, "not cheaper than $0.4000/h") {
		t.Errorf("commands %v, blocked %+v; want it kept: a node at the same price is no saving", names(cmds), blocked)
	}
}

// An oversized node whose pods need two new nodes is replaced by them when
// they are cheaper together, each restricted to the types that keep the total
// below the node's price with the other at its cheapest; several nodes go
// together for fewer new nodes cheaper than them (a fragmented cluster), not
// for as many (a reshuffle for little), nor for more than one command may
// launch.
func TestConsolidationReplacesAnOversizedNodeBySeveral(t *testing.T) {
	dear := stable(candidate("dear", "default", "0.40", -1, workloadPod("x"), workloadPod("y")))
	dear.Node.Labels = map[string]string{wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeOnDemand}
	two := func(prices ...float64) func([]*corev1.Pod, []*Candidate) (Placement, error) {
		return func([]*corev1.Pod, []*Candidate) (Placement, error) {
			return Placement{New: []*planner.Node{newNode(wellknown.CapacityTypeOnDemand, prices...), newNode(wellknown.CapacityTypeOnDemand, prices...)}}, nil
		}
	}
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": consolidating()}, Candidates: []*Candidate{dear}, Plan: two(0.10, 0.25, 0.35)}
	cmds, _ := Decide(s)
	if len(cmds) != 1 || cmds[0].Action != ActionReplace || len(cmds[0].Replacements) != 2 {
		t.Fatalf("commands %+v, want dear replaced by two nodes ($0.20/h together)", cmds)
	}
	for _, n := range cmds[0].Replacements {
		if got := len(n.InstanceTypes); got != 2 {
			t.Errorf("a replacement may launch %d types, want 2: at $0.35/h it and the other at $0.10/h would cost $0.45/h", got)
		}
	}
	if !strings.Contains(cmds[0].Message, "2 nodes") || !strings.Contains(cmds[0].Message, "$0.2000/h together") {
		t.Errorf("message %q, want both nodes and their price together", cmds[0].Message)
	}
	s.Plan = two(0.20, 0.30)
	if cmds, blocked := Decide(s); len(cmds) != 0 || len(blocked) != 1 || !strings.Contains(blocked[0].Why, "would need 2 new nodes ($0.4000/h at best), not cheaper than $0.4000/h") {
		t.Errorf("commands %v, blocked %+v; want it kept: two nodes at $0.40/h together are no saving", names(cmds), blocked)
	}
	other := stable(candidate("other", "default", "0.40", -1, workloadPod("z")))
	other.Node.Labels = dear.Node.Labels
	s.Candidates, s.Plan = []*Candidate{dear, other}, two(0.01)
	if cmds := mustDecide(s); len(cmds) != 1 || len(cmds[0].Candidates) != 1 || len(cmds[0].Replacements) != 2 {
		t.Errorf("commands %v; want one node replaced by two, not two by two", names(cmds))
	}
	third := stable(candidate("third", "default", "0.40", -1, workloadPod("w")))
	third.Node.Labels = dear.Node.Labels
	s.Candidates = []*Candidate{dear, other, third}
	cmds = mustDecide(s)
	if len(cmds) != 1 || len(cmds[0].Candidates) != 3 || len(cmds[0].Replacements) != 2 {
		t.Errorf("commands %v, want the three nodes ($1.20/h) replaced by two ($0.02/h)", names(cmds))
	}
	s.Plan = func([]*corev1.Pod, []*Candidate) (Placement, error) {
		nodes := make([]*planner.Node, maxReplacementNodes+1)
		for i := range nodes {
			nodes[i] = newNode(wellknown.CapacityTypeOnDemand, 0.001)
		}
		return Placement{New: nodes}, nil
	}
	if cmds, blocked := Decide(s); len(cmds) != 0 || len(blocked) != 3 || !strings.Contains(blocked[0].Why, "need 11 new nodes") {
		t.Errorf("commands %v, blocked %+v; want all kept: 11 new nodes are more than one command launches", names(cmds), blocked)
	}
}

// A spot node is replaced only by a cheaper spot node, only with the feature
// gate on, and only when enough cheaper spot types exist.
func TestSpotToSpotConsolidation(t *testing.T) {
	spot := stable(candidate("spot", "default", "0.40", -1, workloadPod("x")))
	spot.Node.Labels = map[string]string{wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeSpot}
	many := make([]float64, 20)
	for i := range many {
		many[i] = 0.1 + float64(i)*0.01
	}
	for _, tc := range []struct {
		name   string
		gate   bool
		prices []float64
		want   string
	}{
		{"gate off", false, many, "feature gate SpotToSpotConsolidation"},
		{"too few cheaper spot types", true, many[:5], "only 5 spot types are cheap enough (15 needed)"},
		{"enough cheaper spot types", true, many, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": consolidating()}, Candidates: []*Candidate{spot},
				SpotToSpot: tc.gate, Plan: planned(newNode(wellknown.CapacityTypeSpot, tc.prices...))}
			cmds, blocked := Decide(s)
			if tc.want == "" {
				if len(cmds) != 1 || cmds[0].Action != ActionReplace || !cmds[0].Replacements[0].Requirements.Get(wellknown.CapacityTypeLabelKey).Has(wellknown.CapacityTypeSpot) ||
					cmds[0].Replacements[0].Requirements.Get(wellknown.CapacityTypeLabelKey).Has(wellknown.CapacityTypeOnDemand) {
					t.Fatalf("commands %+v, want a replacement restricted to spot", cmds)
				}
				return
			}
			if len(cmds) != 0 || len(blocked) != 1 || !strings.Contains(blocked[0].Why, tc.want) {
				t.Errorf("commands %v, blocked %+v; want it kept, saying %q", names(cmds), blocked, tc.want)
			}
		})
	}
}

// The 15-type floor holds for one spot node replaced by one: an oversized spot
// node splits into smaller spot nodes, and several spot nodes merge into one,
// with fewer cheaper types.
func TestSpotSplitsAndMergesNeedNoTypeFloor(t *testing.T) {
	big := stable(candidate("big", "default", "0.40", -1, workloadPod("x"), workloadPod("y")))
	big.Node.Labels = map[string]string{wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeSpot}
	split := func([]*corev1.Pod, []*Candidate) (Placement, error) {
		return Placement{New: []*planner.Node{newNode(wellknown.CapacityTypeSpot, 0.1, 0.11), newNode(wellknown.CapacityTypeSpot, 0.1, 0.11)}}, nil
	}
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": consolidating()}, Candidates: []*Candidate{big}, SpotToSpot: true, Plan: split}
	if cmds := mustDecide(s); len(cmds) != 1 || cmds[0].Action != ActionReplace || len(cmds[0].Replacements) != 2 {
		t.Errorf("commands %v, want the spot node split into two spot nodes with 2 types each", names(cmds))
	}
	small := stable(candidate("small", "default", "0.30", -1, workloadPod("z")))
	small.Node.Labels = big.Node.Labels
	s.Candidates, s.Plan = []*Candidate{big, small}, planned(newNode(wellknown.CapacityTypeSpot, 0.2, 0.21))
	if cmds := mustDecide(s); len(cmds) != 1 || len(cmds[0].Candidates) != 2 || len(cmds[0].Replacements) != 1 {
		t.Errorf("commands %v, want both spot nodes replaced by one spot node with 2 types", names(cmds))
	}
}

// An expired node goes at once whatever the budgets and do-not-disrupt say;
// the pods that fit nowhere else get replacements first.
func TestExpiredNodesAreReplacedWhateverTheBudgets(t *testing.T) {
	old := candidate("old", "default", "0.2", -1, workloadPod("x"))
	old.Claim.Spec.ExpireAfter = karpv1.MustParseNillableDuration("24h")
	old.Claim.CreationTimestamp = metav1.NewTime(now.Add(-25 * time.Hour))
	old.Node.Annotations = map[string]string{wellknown.DoNotDisruptAnnotationKey: "true"}
	young := candidate("young", "default", "0.2", -1, workloadPod("y"))
	young.Claim.Spec.ExpireAfter = karpv1.MustParseNillableDuration("24h")
	young.Claim.CreationTimestamp = metav1.NewTime(now.Add(-time.Hour))
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": nodePool("default", "Never", karpv1.Budget{Nodes: "0"})},
		Candidates: []*Candidate{old, young}, Plan: planned(newNode(wellknown.CapacityTypeOnDemand, 0.2))}
	cmds := mustDecide(s)
	if len(cmds) != 1 || cmds[0].Action != ActionReplace || !cmds[0].Immediate || strings.Join(names(cmds), ",") != "Expired:old" {
		t.Fatalf("commands %+v, want the expired node replaced now", cmds)
	}
	if want := now.Add(expireWait); !cmds[0].Deadline.Equal(want) {
		t.Errorf("deadline %s, want %s", cmds[0].Deadline, want)
	}
	s.Plan = fitsOn(map[string]int{"node-young": 5})
	if cmds := mustDecide(s); len(cmds) != 1 || cmds[0].Action != ActionDelete {
		t.Errorf("commands %+v, want the expired node deleted: its pods fit elsewhere", cmds)
	}
}

// A node drifts when its NodePool's template changed or a label of it no
// longer meets a requirement; it is replaced within the Drifted budgets, and
// a label the node lacks is no drift.
func TestDriftedNodesAreReplacedWithinBudgets(t *testing.T) {
	np := nodePool("default", "Never")
	np.Spec.Template.Spec.Requirements = []karpv1.NodeSelectorRequirementWithMinValues{
		{Key: wellknown.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{wellknown.CapacityTypeOnDemand}},
		{Key: "example.com/team", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}},
	}
	node := func(name, ct string) *Candidate {
		c := candidate(name, "default", "0.2", -1, workloadPod(name+"-pod"))
		c.Node.Labels = map[string]string{wellknown.CapacityTypeLabelKey: ct}
		c.Claim.Annotations[wellknown.NodePoolHashAnnotationKey] = claims.Hash(np)
		c.Claim.Annotations[wellknown.NodePoolHashVersionAnnotationKey] = claims.NodePoolHashVersion
		return c
	}
	fine, spot, stale := node("fine", wellknown.CapacityTypeOnDemand), node("spot", wellknown.CapacityTypeSpot), node("stale", wellknown.CapacityTypeOnDemand)
	stale.Claim.Annotations[wellknown.NodePoolHashAnnotationKey] = "0123"
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": np}, Candidates: []*Candidate{fine, spot, stale},
		Plan: planned(newNode(wellknown.CapacityTypeOnDemand, 0.2))}
	cmds := mustDecide(s)
	if len(cmds) != 1 || cmds[0].Action != ActionReplace || strings.Join(names(cmds), ",") != "Drifted:spot,Drifted:stale" {
		t.Fatalf("commands %v, want spot (label) and stale (template) replaced together", names(cmds))
	}
	if !strings.Contains(cmds[0].Message, "label karpenter.sh/capacity-type=spot") || !strings.Contains(cmds[0].Message, "template changed") {
		t.Errorf("message %q does not say why each drifted", cmds[0].Message)
	}
	np.Spec.Disruption.Budgets = []karpv1.Budget{{Nodes: "1", Reasons: []karpv1.DisruptionReason{karpv1.DisruptionReasonDrifted}}}
	stale.Claim.Annotations[wellknown.NodePoolHashAnnotationKey] = claims.Hash(np) // the budget is part of the spec, not the template
	cmds, blocked := Decide(s)
	if len(cmds) != 1 || len(cmds[0].Candidates) != 1 || len(blocked) != 0 {
		t.Errorf("commands %v, blocked %+v; want only spot, one at a time", names(cmds), blocked)
	}
	spot.Replacing = &Replacing{Reason: karpv1.DisruptionReasonDrifted, Deadline: now.Add(time.Minute), Requests: []string{"r"}}
	stale.Claim.Annotations[wellknown.NodePoolHashAnnotationKey] = "0123"
	s.Requests = map[string]RequestState{"r": {}}
	cmds, _ = Decide(s)
	if len(cmds) != 0 {
		t.Errorf("commands %v, want none while a replacement is under way", names(cmds))
	}
}

// A replacement under way deletes the old node once every replacement is
// initialized; one that failed or is late is rolled back, unless the node
// expired, which goes anyway.
func TestReplacementsUnderWay(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reason   karpv1.DisruptionReason
		states   map[string]RequestState
		deadline time.Duration
		want     Action
		says     string
	}{
		{"initialized", karpv1.DisruptionReasonDrifted, map[string]RequestState{"r1": {Initialized: true}, "r2": {Initialized: true}}, time.Minute, ActionMarkMoves, ""},
		{"initialized, moves marked", karpv1.DisruptionReasonDrifted, map[string]RequestState{"r1": {Initialized: true}, "r2": {Initialized: true}}, time.Minute, ActionDelete, "is initialized"},
		{"one launching", karpv1.DisruptionReasonDrifted, map[string]RequestState{"r1": {Initialized: true}, "r2": {}}, time.Minute, "", ""},
		{"one failed", karpv1.DisruptionReasonUnderutilized, map[string]RequestState{"r1": {Initialized: true}, "r2": {Failed: "no capacity"}}, time.Minute, ActionRollBack, "r2 failed: no capacity"},
		{"one gone", karpv1.DisruptionReasonDrifted, map[string]RequestState{"r1": {}}, time.Minute, ActionRollBack, "r2 is gone"},
		{"late", karpv1.DisruptionReasonDrifted, map[string]RequestState{"r1": {}, "r2": {}}, -time.Second, ActionRollBack, "did not initialize by"},
		{"expired and late", ReasonExpired, map[string]RequestState{"r1": {}, "r2": {}}, -time.Second, ActionDelete, "anyway"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := candidate("old", "default", "0.2", -1, workloadPod("x"))
			c.Replacing = &Replacing{Reason: tc.reason, Requests: []string{"r1", "r2"}, Deadline: now.Add(tc.deadline), MovesMarked: strings.Contains(tc.name, "marked")}
			s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": nodePool("default", "0s", karpv1.Budget{Nodes: "0"})},
				Candidates: []*Candidate{c}, Requests: tc.states}
			cmds := mustDecide(s)
			if tc.want == "" {
				if len(cmds) != 0 {
					t.Errorf("commands %+v, want none while a replacement launches", cmds)
				}
				return
			}
			if len(cmds) != 1 || cmds[0].Action != tc.want || !cmds[0].Immediate || !strings.Contains(cmds[0].Message, tc.says) {
				t.Fatalf("commands %+v, want %s now, saying %q", cmds, tc.want, tc.says)
			}
		})
	}
}

// Once its replacement is initialized, the replacement's node is told which
// pods come to it (the ones its request was planned for), and only in a
// later pass does the old node go: evicted at once, the pods found the new
// node before the scheduler saw the record.
func TestFinishingAReplacementSendsItsPodsToTheNewNode(t *testing.T) {
	x, y := workloadPod("x"), workloadPod("y")
	x.UID, y.UID = "uid-x", "uid-y"
	c := candidate("old", "default", "0.2", -1, x, y)
	c.Replacing = &Replacing{Reason: karpv1.DisruptionReasonUnderutilized, Requests: []string{"r1"}, Deadline: now.Add(time.Minute)}
	s := Snapshot{Now: now, NodePools: map[string]*karpv1.NodePool{"default": nodePool("default", "0s")}, Candidates: []*Candidate{c},
		Requests: map[string]RequestState{"r1": {Initialized: true, Node: "new-node", Pods: []types.UID{x.UID}}}}
	cmds := mustDecide(s)
	if len(cmds) != 1 || cmds[0].Action != ActionMarkMoves || len(cmds[0].Moves["new-node"]) != 1 || cmds[0].Moves["new-node"][0] != x {
		t.Fatalf("commands %+v, want x (not y, planned elsewhere) sent to new-node, old kept for now", cmds)
	}
	c.Replacing.MovesMarked = true
	if cmds := mustDecide(s); len(cmds) != 1 || cmds[0].Action != ActionDelete || len(cmds[0].Moves) != 0 {
		t.Fatalf("commands %+v, want old deleted, the moves not told again", cmds)
	}
}

// The annotations are the whole state of a replacement: they read back.
func TestReplacingReadsTheClaimsAnnotations(t *testing.T) {
	claim := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
		tailorv1alpha1.DisruptionReasonAnnotationKey:       "Drifted",
		tailorv1alpha1.DisruptionReplacementsAnnotationKey: "a,b",
		tailorv1alpha1.DisruptionDeadlineAnnotationKey:     now.Format(time.RFC3339),
	}}}
	r := replacingOf(claim)
	if r == nil || r.Reason != karpv1.DisruptionReasonDrifted || strings.Join(r.Requests, ",") != "a,b" || !r.Deadline.Equal(now) || r.MovesMarked {
		t.Errorf("read %+v", r)
	}
	claim.Annotations[tailorv1alpha1.DisruptionMovesMarkedAnnotationKey] = "true"
	if r := replacingOf(claim); r == nil || !r.MovesMarked {
		t.Errorf("read %+v, want the moves marked", r)
	}
	if replacingOf(&karpv1.NodeClaim{}) != nil {
		t.Error("a claim without the annotations is no replacement")
	}
}
