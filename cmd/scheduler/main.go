// Command scheduler is kube-scheduler with the plugins this project ships registered.
// Profiles in a standard KubeSchedulerConfiguration (--config) decide which run.
// The command itself is built in app.go.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // build version metric
)

func main() {
	os.Exit(cli.Run(newSchedulerCommand()))
}
