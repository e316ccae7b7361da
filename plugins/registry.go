// Package plugins registers the scheduler plugins the scheduler binary ships, in
// addition to kube-scheduler's defaults. Registered plugins are off until a profile
// of the KubeSchedulerConfiguration enables them.
package plugins

import (
	"context"
	"sync"

	"k8s.io/kubernetes/cmd/kube-scheduler/app"
	schedulerappconfig "k8s.io/kubernetes/cmd/kube-scheduler/app/config"
	"k8s.io/kubernetes/cmd/kube-scheduler/app/options"
	"k8s.io/kubernetes/pkg/scheduler"
	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	frameworkplugins "k8s.io/kubernetes/pkg/scheduler/framework/plugins"
	frameworkruntime "k8s.io/kubernetes/pkg/scheduler/framework/runtime"
	"sigs.k8s.io/scheduler-plugins/pkg/capacityscheduling"
	"sigs.k8s.io/scheduler-plugins/pkg/coscheduling"
	"sigs.k8s.io/scheduler-plugins/pkg/noderesources"
	"sigs.k8s.io/scheduler-plugins/pkg/preemptiontoleration"

	"github.com/tailor-sh/tailor/plugins/provisioner"

	// Register the argument types (our ProvisionerArgs; CoschedulingArgs, ...) with
	// the scheduler's config scheme, so that profiles can configure them.
	_ "github.com/tailor-sh/tailor/pkg/apis/config/scheme"
	_ "sigs.k8s.io/scheduler-plugins/apis/config/scheme"
)

// outOfTree returns the plugins the binary adds to kube-scheduler's:
//   - Provisioner: plans and requests new nodes for pods no existing node fits.
//   - Coscheduling: all-or-nothing scheduling of a PodGroup (gangs).
//   - CapacityScheduling: ElasticQuota per namespace, with borrowing.
//   - PreemptionToleration: pods that tolerate preemption for a while.
//   - NodeResourcesAllocatable: score nodes by allocatable resources.
func outOfTree() frameworkruntime.Registry {
	return frameworkruntime.Registry{
		provisioner.Name:              provisioner.Factory(provisioner.Deps{Registry: Registry, Profile: Profile}),
		coscheduling.Name:             coscheduling.New,
		capacityscheduling.Name:       capacityscheduling.New,
		preemptiontoleration.Name:     preemptiontoleration.New,
		noderesources.AllocatableName: noderesources.NewAllocatable,
	}
}

// Options returns the app options that register every plugin of outOfTree.
func Options() []app.Option {
	var opts []app.Option
	for name, factory := range outOfTree() {
		opts = append(opts, app.WithPlugin(name, factory))
	}
	return opts
}

// Registry returns every plugin the scheduler binary can run: kube-scheduler's
// in-tree plugins and outOfTree. The Provisioner builds its planning framework
// from it.
func Registry() frameworkruntime.Registry {
	reg := frameworkplugins.NewInTreeRegistry()
	if err := reg.Merge(outOfTree()); err != nil {
		panic(err) // a name clash with an in-tree plugin is a programming error
	}
	return reg
}

// Setup builds the scheduler from opts with every plugin the binary ships (and
// extra ones, for tests), then records its profiles for Profile.
func Setup(ctx context.Context, opts *options.Options, extra ...app.Option) (*schedulerappconfig.CompletedConfig, *scheduler.Scheduler, error) {
	cc, sched, err := app.Setup(ctx, opts, append(Options(), extra...)...)
	if err != nil {
		return nil, nil, err
	}
	SetProfiles(cc.ComponentConfig.Profiles)
	return cc, sched, nil
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
