package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apiserver/pkg/server"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/cli/globalflag"
	basecompatibility "k8s.io/component-base/compatibility"
	"k8s.io/component-base/featuregate"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/component-base/term"
	"k8s.io/component-base/version/verflag"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/cmd/kube-scheduler/app"
	"k8s.io/kubernetes/cmd/kube-scheduler/app/options"

	"github.com/tailor-sh/tailor/plugins"
)

// subcommands are added under the root command. Other files of this package append
// to it from their init() (plan.go adds `scheduler plan`); the root command is built
// in main, after every init has run. A subcommand inherits the root's
// PersistentPreRunE (it sets the feature gates) but none of the scheduler's flags,
// and gets cobra's own help.
var subcommands []*cobra.Command

// newSchedulerCommand returns the root command: kube-scheduler with its usual flags
// and --config, with this project's plugins registered, and with the profiles
// recorded for plugins.Profile before scheduling starts.
func newSchedulerCommand() *cobra.Command {
	opts := options.NewOptions()
	cmd := &cobra.Command{
		Use: "scheduler",
		Long: `The tailor scheduler is kube-scheduler with this project's plugins registered,
among them Provisioner, which plans and requests new nodes for pods that fit no
existing node. Profiles in the KubeSchedulerConfiguration (--config) choose which
plugins run. See manifests/scheduler for ready-made configurations.`,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			// Feature gates must be set before anything reads them.
			return opts.ComponentGlobalsRegistry.Set()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runScheduler(cmd, opts)
		},
		Args: noArgs,
	}
	cmd.CompletionOptions.DisableDefaultCmd = true
	addFlags(cmd, opts)
	cmd.AddCommand(subcommands...)
	return cmd
}

// addFlags adds kube-scheduler's named flag sets to cmd, with the help and usage
// output that prints them by section.
func addFlags(cmd *cobra.Command, opts *options.Options) {
	nfs := opts.Flags
	verflag.AddFlags(nfs.FlagSet("global"))
	globalflag.AddGlobalFlags(nfs.FlagSet("global"), cmd.Name(), logs.SkipLoggingConfigurationFlags())
	for _, fs := range nfs.FlagSets {
		cmd.Flags().AddFlagSet(fs)
	}
	cols, _, _ := term.TerminalSize(cmd.OutOrStdout())
	cliflag.SetUsageAndHelpFunc(cmd, *nfs, cols)
	scopeHelpToRoot(cmd)
	if err := cmd.MarkFlagFilename("config", "yaml", "yml", "json"); err != nil {
		klog.Background().Error(err, "failed to mark flag filename")
	}
}

// scopeHelpToRoot keeps the sectioned scheduler flags out of the subcommands' help,
// which cobra would otherwise inherit from the root: subcommands get cobra's own.
func scopeHelpToRoot(root *cobra.Command) {
	plain := &cobra.Command{}
	rootHelp, plainHelp := root.HelpFunc(), plain.HelpFunc()
	rootUsage, plainUsage := root.UsageFunc(), plain.UsageFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if c == root {
			rootHelp(c, args)
			return
		}
		plainHelp(c, args)
	})
	root.SetUsageFunc(func(c *cobra.Command) error {
		if c == root {
			return rootUsage(c)
		}
		return plainUsage(c)
	})
}

func noArgs(cmd *cobra.Command, args []string) error {
	for _, arg := range args {
		if arg != "" {
			return fmt.Errorf("%q takes no arguments, got %q", cmd.CommandPath(), args)
		}
	}
	return nil
}

// runScheduler builds the scheduler from opts, records its profiles and runs it
// until SIGTERM or SIGINT.
func runScheduler(cmd *cobra.Command, opts *options.Options) error {
	verflag.PrintAndExitIfRequested()
	fg := opts.ComponentGlobalsRegistry.FeatureGateFor(basecompatibility.DefaultKubeComponent)
	// Apply the logging configuration first, so that what follows logs with it.
	if err := logsapi.ValidateAndApply(opts.Logs, fg); err != nil {
		return fmt.Errorf("applying logging options, %w", err)
	}
	cliflag.PrintFlags(cmd.Flags())

	ctx := server.SetupSignalContext()
	cc, sched, err := plugins.Setup(ctx, opts)
	if err != nil {
		return err
	}
	fg.(featuregate.MutableFeatureGate).AddMetrics()
	opts.ComponentGlobalsRegistry.AddMetrics()
	return app.Run(ctx, cc, sched)
}
