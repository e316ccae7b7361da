package planner

import (
	"context"
	"fmt"

	"k8s.io/client-go/informers"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	frameworkruntime "k8s.io/kubernetes/pkg/scheduler/framework/runtime"
	schedulermetrics "k8s.io/kubernetes/pkg/scheduler/metrics"
)

// FrameworkOptions say what the simulation framework's plugins may read.
type FrameworkOptions struct {
	Client    clientset.Interface
	Informers informers.SharedInformerFactory
	// KubeConfig is for plugins that build their own clients (Coscheduling).
	KubeConfig *rest.Config
	// DRA is the scheduler's DRA manager; without one the DynamicResources plugin is
	// left out of the simulation (pods with resource claims are not planned for).
	DRA framework.SharedDRAManager
	// Exclude names plugins to leave out of the profile: the provisioning plugin
	// itself, which must not run inside its own simulation.
	Exclude []string
}

// dynamicResourcesPlugin is the upstream DRA plugin's name.
const dynamicResourcesPlugin = "DynamicResources"

// NewFramework builds a scheduler framework from profile (the same profile the
// scheduler runs) whose plugins see snapshot instead of the scheduler's cache.
// Only its PreFilter and Filter plugins are run by the planner.
func NewFramework(ctx context.Context, registry frameworkruntime.Registry, profile *config.KubeSchedulerProfile, snapshot *Snapshot, opts FrameworkOptions) (framework.Framework, error) {
	// The framework records plugin metrics; registering is idempotent, and done
	// already inside the scheduler.
	schedulermetrics.Register()
	exclude := append([]string{}, opts.Exclude...)
	if opts.DRA == nil {
		exclude = append(exclude, dynamicResourcesPlugin)
	}
	fopts := []frameworkruntime.Option{
		frameworkruntime.WithSnapshotSharedLister(snapshot),
		frameworkruntime.WithClientSet(opts.Client),
		frameworkruntime.WithInformerFactory(opts.Informers),
		frameworkruntime.WithEventRecorder(&events.FakeRecorder{}),
		frameworkruntime.WithParallelism(1),
	}
	if opts.KubeConfig != nil {
		fopts = append(fopts, frameworkruntime.WithKubeConfig(opts.KubeConfig))
	}
	if opts.DRA != nil {
		fopts = append(fopts, frameworkruntime.WithSharedDRAManager(opts.DRA))
	}
	fw, err := frameworkruntime.NewFramework(ctx, registry, simulationProfile(profile, exclude), fopts...)
	if err != nil {
		return nil, fmt.Errorf("building simulation framework for profile %s, %w", profile.SchedulerName, err)
	}
	return fw, nil
}

// simulationProfile copies profile without the excluded plugins and without
// PostFilter plugins (preemption is the scheduler's business, not the plan's).
func simulationProfile(profile *config.KubeSchedulerProfile, exclude []string) *config.KubeSchedulerProfile {
	out := profile.DeepCopy()
	if out.Plugins == nil {
		return out
	}
	drop := map[string]bool{}
	for _, name := range exclude {
		drop[name] = true
	}
	for _, set := range []*config.PluginSet{
		&out.Plugins.PreEnqueue, &out.Plugins.QueueSort, &out.Plugins.PreFilter, &out.Plugins.Filter,
		&out.Plugins.PostFilter, &out.Plugins.PreScore, &out.Plugins.Score, &out.Plugins.Reserve,
		&out.Plugins.Permit, &out.Plugins.PreBind, &out.Plugins.Bind, &out.Plugins.PostBind, &out.Plugins.MultiPoint,
	} {
		set.Enabled = without(set.Enabled, drop)
	}
	out.Plugins.PostFilter = config.PluginSet{Disabled: []config.Plugin{{Name: "*"}}}
	var pluginConfig []config.PluginConfig
	for _, pc := range out.PluginConfig {
		if !drop[pc.Name] {
			pluginConfig = append(pluginConfig, pc)
		}
	}
	out.PluginConfig = pluginConfig
	return out
}

func without(plugins []config.Plugin, drop map[string]bool) []config.Plugin {
	var out []config.Plugin
	for _, p := range plugins {
		if !drop[p.Name] {
			out = append(out, p)
		}
	}
	return out
}
