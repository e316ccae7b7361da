package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"

	"github.com/tailor-sh/tailor/pkg/explain"
)

const whyExample = `  # How the node of a running pod was chosen, and which cheaper types were refused
  kubectl tailor why web-6d8f9c7b5-x2k4p -n shop

  # Why a pod is pending, per NodePool, as YAML
  kubectl tailor why big-job-0 -n batch -o yaml`

// whyRunner is explain.RunWhy, or a test's stand-in.
type whyRunner func(ctx context.Context, cfg *rest.Config, o explain.WhyOptions, out io.Writer) error

func newWhyCommand() *cobra.Command { return whyCommand(explain.RunWhy) }

func whyCommand(run whyRunner) *cobra.Command {
	var cluster clusterFlags
	o := explain.WhyOptions{}
	cmd := &cobra.Command{
		Use:   "why POD [-n NAMESPACE] [-o text|json|yaml]",
		Short: "Say why a pod runs on its node, or why it is pending",
		Long: `Why explains a pod from the cluster's objects, writing nothing to the cluster.

For a pod bound to a node the Provisioner asked for: the capacity request its node was
launched for and whether that request was planned for the pod, the NodeClaim, the
instance type, zone, capacity type and price, and every cheaper instance type of the
NodePool with the Filter plugin that refuses it and why. Those verdicts are judged now,
against the current catalog, by the pod's scheduler profile's own plugins on the node
as each cheaper type, with the other pods it runs.

For a pending pod: the capacity request it waits for, or, per NodePool, the plugins that
refuse each instance type (requirements, taints, resources...), and, when some type
admits it, what the planner makes of it (limits, DaemonSets, or the node it would plan).

For a pod on a node the Provisioner did not ask for, it says so.`,
		Example: whyExample,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, namespace, err := cluster.load()
			if err != nil {
				return err
			}
			o.Namespace, o.Pod = namespace, args[0]
			return run(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cluster.add(cmd)
	addSchedulerFlags(cmd, &o.SchedulerConfig)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "output format: text, json or yaml")
	cmd.Flags().IntVar(&o.MaxTypes, "max-types", 15, "list at most this many cheaper instance types, those nearest the node's price, in text (0: all)")
	return cmd
}
