// Package plugins registers the scheduler plugins the scheduler binary ships, in
// addition to kube-scheduler's defaults. Registered plugins are off until a profile
// of the KubeSchedulerConfiguration enables them.
package plugins

import (
	"k8s.io/kubernetes/cmd/kube-scheduler/app"
	"sigs.k8s.io/scheduler-plugins/pkg/capacityscheduling"
	"sigs.k8s.io/scheduler-plugins/pkg/coscheduling"
	"sigs.k8s.io/scheduler-plugins/pkg/noderesources"
	"sigs.k8s.io/scheduler-plugins/pkg/preemptiontoleration"

	// Registers the scheduler-plugins argument types (CoschedulingArgs, ...) with the
	// scheduler's config scheme, so that profiles can configure them.
	_ "sigs.k8s.io/scheduler-plugins/apis/config/scheme"
)

// Options returns the app options that register every plugin the binary ships:
//   - Coscheduling: all-or-nothing scheduling of a PodGroup (gangs).
//   - CapacityScheduling: ElasticQuota per namespace, with borrowing.
//   - PreemptionToleration: pods that tolerate preemption for a while.
//   - NodeResourcesAllocatable: score nodes by allocatable resources.
func Options() []app.Option {
	return []app.Option{
		app.WithPlugin(coscheduling.Name, coscheduling.New),
		app.WithPlugin(capacityscheduling.Name, capacityscheduling.New),
		app.WithPlugin(preemptiontoleration.Name, preemptiontoleration.New),
		app.WithPlugin(noderesources.AllocatableName, noderesources.NewAllocatable),
	}
}
