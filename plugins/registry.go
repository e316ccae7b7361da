// Package plugins registers the scheduler plugins the scheduler binary ships, in
// addition to kube-scheduler's defaults. Registered plugins are off until a profile
// of the KubeSchedulerConfiguration enables them.
package plugins

import (
	"sync"

	"k8s.io/kubernetes/cmd/kube-scheduler/app"
	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	"sigs.k8s.io/scheduler-plugins/pkg/capacityscheduling"
	"sigs.k8s.io/scheduler-plugins/pkg/coscheduling"
	"sigs.k8s.io/scheduler-plugins/pkg/noderesources"
	"sigs.k8s.io/scheduler-plugins/pkg/preemptiontoleration"

	// Register the argument types (our ProvisionerArgs; CoschedulingArgs, ...) with
	// the scheduler's config scheme, so that profiles can configure them.
	_ "github.com/tailor-sh/tailor/pkg/apis/config/scheme"
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

// profiles holds the scheduler's completed profiles by scheduler name.
var profiles struct {
	sync.Mutex
	byName map[string]*config.KubeSchedulerProfile
}

// SetProfiles records the profiles the scheduler runs, as read from its
// KubeSchedulerConfiguration and defaulted. cmd/scheduler calls it once, after the
// scheduler (and so every plugin's New) is built and before it starts scheduling.
func SetProfiles(in []config.KubeSchedulerProfile) {
	byName := make(map[string]*config.KubeSchedulerProfile, len(in))
	for i := range in {
		byName[in[i].SchedulerName] = in[i].DeepCopy()
	}
	profiles.Lock()
	defer profiles.Unlock()
	profiles.byName = byName
}

// Profile returns a copy of the profile named name, so that a plugin can build a
// simulation framework from the same plugins and args as the scheduler. It is
// false until SetProfiles runs, which is after the plugins' New: call it from an
// extension point, not from New.
func Profile(name string) (*config.KubeSchedulerProfile, bool) {
	profiles.Lock()
	defer profiles.Unlock()
	p, ok := profiles.byName[name]
	if !ok {
		return nil, false
	}
	return p.DeepCopy(), true
}
