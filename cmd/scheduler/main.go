// Command scheduler is kube-scheduler with the plugins this project ships registered.
// Profiles in a standard KubeSchedulerConfiguration (--config) decide which run.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // build version metric
	"k8s.io/kubernetes/cmd/kube-scheduler/app"

	"github.com/tailor-sh/tailor/plugins"
)

func main() {
	os.Exit(cli.Run(app.NewSchedulerCommand(plugins.Options()...)))
}
