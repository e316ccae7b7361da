package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tailor-sh/tailor/pkg/explain"
)

// defaultSchedulerName is the profile the project ships for a second scheduler
// (manifests/scheduler/second-scheduler, the chart's scheduler.schedulerName).
const defaultSchedulerName = "tailor-scheduler"

const planExample = `  # What the Provisioner would launch now for the pending pods of every namespace
  kubectl tailor plan -A

  # ... if these Deployments were applied too, as JSON
  kubectl tailor plan -f deployments.yaml -o json

  # For the replaced default scheduler (manifests/scheduler/kubeadm), with its configuration
  kubectl tailor plan -A --scheduler-name default-scheduler --scheduler-config kube-scheduler-config.yaml`

// hideGlobalVersionFlag hides kube-scheduler's --version, which the scheduler
// packages plan and why judge fit with register in pflag's global flag set;
// it says nothing of this plugin. Cobra adds that set's flags, the same
// *Flag values, to every root's persistent flags, so a throwaway root reaches
// them (this keeps pflag an indirect dependency).
func hideGlobalVersionFlag() {
	probe := &cobra.Command{}
	_ = probe.InheritedFlags()
	if f := probe.PersistentFlags().Lookup("version"); f != nil {
		f.Hidden = true
	}
}

// planRunner is explain.RunPlan, or a test's stand-in.
type planRunner func(ctx context.Context, cfg *rest.Config, o explain.PlanOptions, out io.Writer) error

func newPlanCommand() *cobra.Command {
	hideGlobalVersionFlag()
	return planCommand(explain.RunPlan)
}

func planCommand(run planRunner) *cobra.Command {
	var cluster clusterFlags
	var allNamespaces bool
	o := explain.PlanOptions{}
	cmd := &cobra.Command{
		Use:   "plan [-f FILENAME...] [-n NAMESPACE | -A] [-o table|json|yaml]",
		Short: "Print what the Provisioner would launch now, launching nothing",
		Long: `Plan reads the cluster (pending pods, NodePools, EC2NodeClasses, the instance type
catalogs the launcher publishes, nodes, capacity requests and NodeClaims in flight) and
prints the nodes the Provisioner would launch for the pending pods of its scheduler
profile, and for the pods of -f files as if they were created now: per node its
NodePool, the cheapest instance type and offering, the price and the pods, then the
total, the pods that wait for requests in flight, and the pods that cannot be placed
with why. It plans with the Provisioner's planner and judges fit with the profile's own
Filter plugins. Pods of -f files go to existing nodes first where those admit them. It
writes nothing to the cluster.`,
		Example: planExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, namespace, err := cluster.load()
			if err != nil {
				return err
			}
			if o.Namespace = namespace; allNamespaces {
				o.Namespace = ""
			}
			return run(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cluster.add(cmd)
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "plan for the pending pods of every namespace")
	cmd.Flags().StringArrayVarP(&o.Files, "filename", "f", nil, "file of Pods, Deployments, ReplicaSets, StatefulSets or Jobs to plan for as if created now (repeatable)")
	addSchedulerFlags(cmd, &o.SchedulerConfig)
	cmd.Flags().StringVar(&o.SchedulerName, "scheduler-name", defaultSchedulerName, "the scheduler profile whose pending pods are planned for and whose plugins judge fit")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "table", "output format: table, json or yaml")
	return cmd
}

// addSchedulerFlags adds the flag naming the scheduler's configuration.
func addSchedulerFlags(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVar(file, "scheduler-config", "", "the scheduler's KubeSchedulerConfiguration file (default: kube-scheduler's default plugins, as the shipped profiles run)")
}

// clusterFlags are kubectl's flags for reaching a cluster (plan and why).
type clusterFlags struct {
	kubeconfig, context, namespace string
}

func (f *clusterFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	fs.StringVar(&f.context, "context", "", "the kubeconfig context to use")
	fs.StringVarP(&f.namespace, "namespace", "n", "", "the namespace (default: the context's)")
}

// load returns the REST config and namespace the flags and kubeconfig name.
func (f *clusterFlags) load() (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: f.context}
	overrides.Context.Namespace = f.namespace
	config := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := config.ClientConfig()
	if err != nil {
		return nil, "", err
	}
	namespace, _, err := config.Namespace()
	return cfg, namespace, err
}
