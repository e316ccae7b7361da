package explain

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

// PlanOptions say what plan plans for and how it prints.
type PlanOptions struct {
	// Namespace of the pending pods to plan for; "" for every namespace.
	Namespace string
	// Files of Pods and workloads (Deployments, ReplicaSets, StatefulSets,
	// Jobs; replicas expanded) to plan for as if they were created now.
	Files []string
	// SchedulerName names the profile: its pending pods are planned for, and
	// its plugins judge fit.
	SchedulerName string
	// SchedulerConfig is the scheduler's KubeSchedulerConfiguration file; ""
	// for kube-scheduler's default plugins.
	SchedulerConfig string
	// Output is table, json or yaml.
	Output string
}

// RunPlan prints what the Provisioner would launch now, reading the cluster
// through cfg and writing nothing to it.
func RunPlan(ctx context.Context, cfg *rest.Config, o PlanOptions, out io.Writer) error {
	if err := checkFormat(o.Output, "table", "json", "yaml"); err != nil {
		return err
	}
	var added []*corev1.Pod
	for _, file := range o.Files {
		pods, err := planio.LoadPods(file)
		if err != nil {
			return err
		}
		added = append(added, pods...)
	}
	s, ctx, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.judgeWith(o.SchedulerConfig, o.SchedulerName); err != nil {
		return err
	}
	report, err := s.plan(ctx, s.cluster.Pending(o.Namespace, o.SchedulerName), added)
	if err != nil {
		return err
	}
	report.SchedulerName = o.SchedulerName
	return write(out, o.Output, report, report.writeTable)
}

// plan plans for the pending pods and for added ones, which existing nodes
// take first where the Filter plugins admit them (the scheduler binds those
// before the Provisioner is asked).
func (s *session) plan(ctx context.Context, pending, added []*corev1.Pod) (PlanReport, error) {
	var bound []*corev1.Pod
	if len(added) > 0 {
		judge, err := s.fit.Judge(ctx, s.cluster.NodesWithPods(nil))
		if err != nil {
			return PlanReport{}, err
		}
		if bound, added, err = judge.OntoExisting(ctx, added); err != nil {
			return PlanReport{}, fmt.Errorf("placing pods on existing nodes, %w", err)
		}
		s.cluster.Pods = append(s.cluster.Pods, bound...)
	}
	round := s.cluster.Round(append(pending, added...))
	p, err := s.fit.Planner(ctx)
	if err != nil {
		return PlanReport{}, err
	}
	plan, err := p.Plan(ctx, round.Input)
	if err != nil {
		return PlanReport{}, fmt.Errorf("planning %d pods, %w", len(round.Pods), err)
	}
	return newPlanReport(round, plan, bound), nil
}

// planAlone plans pod alone on np, as a batch would: it names what stops the
// planner (limits, DaemonSets) or what it would do.
func (s *session) planAlone(ctx context.Context, pod *corev1.Pod, np *karpv1.NodePool) (string, error) {
	round := s.cluster.Round([]*corev1.Pod{pod})
	round.NodePools = slices.DeleteFunc(round.NodePools, func(in planner.NodePoolInput) bool { return in.NodePool.Name != np.Name })
	if s.planner == nil {
		var err error
		if s.planner, err = s.fit.Planner(ctx); err != nil {
			return "", err
		}
	}
	plan, err := s.planner.Plan(ctx, round.Input)
	if err != nil {
		return "", fmt.Errorf("planning pod %s on nodepool %s, %w", podName(pod), np.Name, err)
	}
	switch {
	case len(plan.Unplaced) > 0:
		return plan.Unplaced[0].Reason, nil
	case len(plan.NewNodes) > 0:
		n := plannedNode(plan.NewNodes[0])
		return fmt.Sprintf("the planner would plan a new node for it: %s in %s, %s, $%.4f/h (%d instance types fit); the Provisioner plans it when the scheduler next tries the pod",
			n.InstanceType, n.Zone, n.CapacityType, n.PricePerHour, len(n.InstanceTypes)), nil
	case len(plan.InFlight) > 0:
		return fmt.Sprintf("it fits capacity request %s, in flight", slices.Sorted(maps.Keys(plan.InFlight))[0]), nil
	}
	return "the planner placed it nowhere", nil
}
