package explain

import (
	"context"
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/whatif"
)

// Waiting is the capacity request a pending pod was planned onto.
type Waiting struct {
	CapacityRequest string `json:"capacityRequest"`
	NodePool        string `json:"nodePool"`
	// InstanceType is the cheapest type of the request.
	InstanceType string `json:"instanceType"`
	NodeClaim    string `json:"nodeClaim,omitempty"`
	// State is in flight, node initialized, or failed with why.
	State string `json:"state"`
}

// NodePoolVerdict is what one NodePool makes of a pending pod.
type NodePoolVerdict struct {
	NodePool string `json:"nodePool"`
	Weight   int32  `json:"weight"`
	// Problem is why the NodePool can launch nothing at all.
	Problem string `json:"problem,omitempty"`
	// Types is how many instance types were judged, Admitted how many of
	// them the plugins admit the pod on, Cheapest the cheapest of those.
	Types    int    `json:"types"`
	Admitted int    `json:"admitted"`
	Cheapest string `json:"cheapest,omitempty"`
	// Refusals group the other types by the plugin and reason that refused
	// them.
	Refusals []Refusal `json:"refusals,omitempty"`
	// Planner is what planning the pod on this NodePool alone gives, when
	// some type admits it: limits, DaemonSets, or the node it would plan.
	Planner string `json:"planner,omitempty"`
}

// Refusal is one plugin's reason, for how many types; Example is the
// cheapest of them.
type Refusal struct {
	Plugin  string `json:"plugin"`
	Reason  string `json:"reason"`
	Types   int    `json:"types"`
	Example string `json:"example"`
}

// explainPending fills r for a pod no node holds: the request it waits for,
// else each NodePool's verdict.
func (s *session) explainPending(ctx context.Context, pod *corev1.Pod, r *WhyReport) error {
	if req := waitedFor(s.cluster, pod); req != nil {
		r.Waiting = s.waiting(req)
		if whatif.Failure(req) == "" {
			return nil
		}
	}
	judge, err := s.fit.Judge(ctx, s.cluster.NodesWithPods(pod))
	if err != nil {
		return err
	}
	daemons := make([]*whatif.Cycle, 0, len(s.cluster.DaemonSetPods))
	for _, d := range s.cluster.DaemonSetPods {
		daemons = append(daemons, judge.Cycle(ctx, d))
	}
	j := poolJudge{cycle: judge.Cycle(ctx, pod), daemons: daemons}
	for _, np := range whatif.SortedPools(s.cluster.NodePools) {
		v, err := s.judgePool(ctx, j, pod, np)
		if err != nil {
			return err
		}
		r.NodePools = append(r.NodePools, v)
	}
	r.Judged = s.judged(", on nodes each NodePool could launch (with the DaemonSet pods they would run)")
	return nil
}

// judgePool is np's verdict on pod: the plugins' on each of its types and,
// when some type admits the pod, what stops the planner (limits first).
func (s *session) judgePool(ctx context.Context, j poolJudge, pod *corev1.Pod, np *karpv1.NodePool) (NodePoolVerdict, error) {
	v, admitted := s.poolVerdict(ctx, j, np)
	if len(admitted) == 0 {
		return v, nil
	}
	if v.Planner = s.overLimits(np, admitted); v.Planner != "" {
		return v, nil
	}
	var err error
	v.Planner, err = s.planAlone(ctx, pod, np)
	return v, err
}

// waiting describes the request a pending pod was planned onto.
func (s *session) waiting(req *tailorv1alpha1.CapacityRequest) *Waiting {
	w := &Waiting{CapacityRequest: req.Name, NodePool: req.Spec.NodePool, NodeClaim: req.Status.NodeClaim, State: "in flight"}
	if len(req.Spec.InstanceTypes) > 0 {
		w.InstanceType = req.Spec.InstanceTypes[0]
	}
	if why := whatif.Failure(req); why != "" {
		w.State = "failed: " + why
	} else if !s.cluster.InFlight(req) {
		w.State = "node initialized; the pod binds once the scheduler retries it"
	}
	return w
}

// poolJudge judges a pod, and the DaemonSet pods beside it, on nodes that do
// not exist yet.
type poolJudge struct {
	cycle   *whatif.Cycle
	daemons []*whatif.Cycle
}

// on judges the pod on node, with the DaemonSet pods the plugins admit there.
func (j poolJudge) on(ctx context.Context, node *corev1.Node) whatif.Verdict {
	ni := whatif.NodeInfo(node)
	for _, d := range j.daemons {
		if d.On(ctx, ni).Fits {
			ni.AddPod(d.Pod())
		}
	}
	return j.cycle.On(ctx, ni)
}

// poolVerdict judges the pod on a node of each instance type np allows, each
// bought as any offering np allows; it returns the types that admit it too.
func (s *session) poolVerdict(ctx context.Context, j poolJudge, np *karpv1.NodePool) (NodePoolVerdict, []*cloudprovider.InstanceType) {
	v := NodePoolVerdict{NodePool: np.Name, Weight: weight(np)}
	if v.Problem = s.cluster.NoTypes(np); v.Problem != "" {
		return v, nil
	}
	reqs, err := whatif.NodePoolRequirements(np)
	if err != nil {
		v.Problem = err.Error()
		return v, nil
	}
	types := cloudprovider.Compatible(s.cluster.TypesOf(np), reqs, wellknown.InstanceTypeLabels)
	if len(types) == 0 {
		v.Problem = fmt.Sprintf("no instance type with an available offering satisfies its requirements %s", reqs)
		return v, nil
	}
	name := np.Name + "-candidate"
	verdicts := make([]TypeVerdict, 0, len(types))
	for _, it := range types {
		verdicts = append(verdicts, best(it, cheaperThan(whatif.Offerings(it, reqs), math.Inf(1)), func(o cloudprovider.Offering) whatif.Verdict {
			return j.on(ctx, whatif.LaunchedNode(name, np, reqs, it, o))
		}))
	}
	tally(&v, verdicts)
	var admitted []*cloudprovider.InstanceType
	for i, tv := range verdicts {
		if tv.Fits {
			admitted = append(admitted, types[i])
		}
	}
	return v, admitted
}

// tally counts verdicts (cheapest type first) into v.
func tally(v *NodePoolVerdict, verdicts []TypeVerdict) {
	v.Types = len(verdicts)
	index := map[[2]string]int{}
	for _, tv := range verdicts {
		if tv.Fits {
			if v.Admitted++; v.Cheapest == "" {
				v.Cheapest = tv.InstanceType
			}
			continue
		}
		key := [2]string{tv.Plugin, tv.Reason}
		i, ok := index[key]
		if !ok {
			i = len(v.Refusals)
			index[key] = i
			v.Refusals = append(v.Refusals, Refusal{Plugin: tv.Plugin, Reason: tv.Reason, Example: tv.InstanceType})
		}
		v.Refusals[i].Types++
	}
}

func weight(np *karpv1.NodePool) int32 {
	if np.Spec.Weight != nil {
		return *np.Spec.Weight
	}
	return 0
}
