package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

func init() { subcommands = append(subcommands, newPlanCommand()) }

// planFlags are the what-if planner's inputs.
type planFlags struct {
	pods, nodePools, catalog, zones string
	spotPriceFactor                 float64
}

func newPlanCommand() *cobra.Command {
	f := &planFlags{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Plan nodes for a set of pods, without a cluster, and print the plan as JSON",
		Long: `plan runs the same planning code, with the same Filter plugins (kube-scheduler's
default profile), as the Provisioner plugin, on pods from a file: it prints the
nodes it would launch (cheapest instance type and offering), their pods and price,
the pods it could not place and why, and how long planning took (loading excluded).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPlan(cmd.Context(), f, cmd.OutOrStdout()) },
	}
	cmd.Flags().StringVar(&f.pods, "pods", "", "YAML/JSON file of Pods, a List of Pods, or Deployments/ReplicaSets/StatefulSets/Jobs (required)")
	cmd.Flags().StringVar(&f.nodePools, "nodepools", "", "YAML file of karpenter.sh/v1 NodePools (default: one on-demand amd64 linux NodePool)")
	cmd.Flags().StringVar(&f.catalog, "catalog", "", "instance type catalog in the ../shared/bench JSON format (default: the project's own catalog)")
	cmd.Flags().StringVar(&f.zones, "zones", "", "comma-separated zones to offer every type in (default: the catalog's region a,b,c)")
	cmd.Flags().Float64Var(&f.spotPriceFactor, "spot-price-factor", 0, "offer spot at this fraction of the on-demand price (0: on-demand only)")
	_ = cmd.MarkFlagRequired("pods")
	return cmd
}

func runPlan(ctx context.Context, f *planFlags, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	in, err := loadPlanInput(f)
	if err != nil {
		return err
	}
	p, err := planner.NewStandalone(ctx, nil, nil)
	if err != nil {
		return fmt.Errorf("building the planner, %w", err)
	}
	start := time.Now()
	plan, err := p.Plan(ctx, in)
	if err != nil {
		return fmt.Errorf("planning, %w", err)
	}
	return planio.WriteJSON(out, planio.NewResult(plan, time.Since(start).Seconds()))
}

func loadPlanInput(f *planFlags) (planner.Input, error) {
	pods, err := planio.LoadPods(f.pods)
	if err != nil {
		return planner.Input{}, err
	}
	nodePools := planio.DefaultNodePools()
	if f.nodePools != "" {
		if nodePools, err = planio.LoadNodePools(f.nodePools); err != nil {
			return planner.Input{}, err
		}
	}
	zones := planio.DefaultZones
	if f.zones != "" {
		zones = strings.Split(f.zones, ",")
	}
	types, err := planio.LoadCatalog(f.catalog, zones, f.spotPriceFactor)
	if err != nil {
		return planner.Input{}, err
	}
	in := planner.Input{Pods: pods}
	for _, np := range nodePools {
		in.NodePools = append(in.NodePools, planner.NodePoolInput{NodePool: np, InstanceTypes: types, Remaining: limits(np)})
	}
	return in, nil
}

// limits are the NodePool's limits as its remaining room (nothing runs yet); nil
// when it has none.
func limits(np *karpv1.NodePool) corev1.ResourceList {
	if len(np.Spec.Limits) == 0 {
		return nil
	}
	return corev1.ResourceList(np.Spec.Limits).DeepCopy()
}
