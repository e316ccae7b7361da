// Command kubectl-tailor is the kubectl plugin of the Tailor autoscaler: run as
// "kubectl tailor". Its subcommands work on manifests; convert rewrites Karpenter
// manifests of the APIs before v1 into v1.
package main

import (
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		os.Exit(1)
	}
}

// newRootCommand builds the plugin's command tree; each subcommand comes from a
// constructor of its own file.
func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-tailor",
		Short: "Work with the manifests of the Tailor node autoscaler",
		Long: "kubectl tailor works with the NodePools and EC2NodeClasses of the Tailor node autoscaler,\n" +
			"which speaks Karpenter's v1 API.",
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl tailor"},
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newConvertCommand())
	root.AddCommand(newPlanCommand())
	root.AddCommand(newWhyCommand())
	return root
}
