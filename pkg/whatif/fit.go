package whatif

import (
	"context"
	"fmt"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	frameworkruntime "k8s.io/kubernetes/pkg/scheduler/framework/runtime"

	"github.com/tailor-sh/tailor/pkg/planner"
)

// Fit builds simulation frameworks the way the Provisioner builds its own
// (plugins/provisioner/provision.go): from the scheduler profile and the
// plugins the scheduler binary registers, over a planner Snapshot, with the
// plugins' informers reading the cluster through cfg (make it ReadOnly).
type Fit struct {
	registry  frameworkruntime.Registry
	profile   *config.KubeSchedulerProfile
	informers informers.SharedInformerFactory
	opts      planner.FrameworkOptions
}

// NewFit returns a Fit for profile with the plugins of registry, reading the
// cluster through cfg, leaving out the plugins named in exclude (the
// Provisioner, which must not run inside its own simulation).
func NewFit(cfg *rest.Config, profile *config.KubeSchedulerProfile, registry frameworkruntime.Registry, exclude ...string) (*Fit, error) {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the API client, %w", err)
	}
	return NewFitForClient(client, cfg, profile, registry, exclude...), nil
}

// NewFitForClient is NewFit with the plugins reading through client (cfg,
// for plugins that build clients of their own, may be nil).
func NewFitForClient(client kubernetes.Interface, cfg *rest.Config, profile *config.KubeSchedulerProfile, registry frameworkruntime.Registry, exclude ...string) *Fit {
	factory := informers.NewSharedInformerFactory(client, 0)
	return &Fit{
		registry: registry, profile: profile, informers: factory,
		opts: planner.FrameworkOptions{Client: client, Informers: factory, KubeConfig: cfg, Exclude: exclude},
	}
}

// Profile is the profile whose plugins judge fit.
func (f *Fit) Profile() *config.KubeSchedulerProfile { return f.profile }

// Framework returns a framework whose plugins see snapshot, once the informers
// its plugins asked for are synced. They run until ctx ends.
func (f *Fit) Framework(ctx context.Context, snapshot *planner.Snapshot) (framework.Framework, error) {
	fw, err := planner.NewFramework(ctx, f.registry, f.profile, snapshot, f.opts)
	if err != nil {
		return nil, err
	}
	f.informers.Start(ctx.Done())
	for typ, synced := range f.informers.WaitForCacheSync(ctx.Done()) {
		if !synced {
			return nil, fmt.Errorf("listing %v for the scheduler plugins did not finish", typ)
		}
	}
	return fw, nil
}

// Planner returns a planner with a framework of its own.
func (f *Fit) Planner(ctx context.Context) (*planner.Planner, error) {
	snapshot := planner.NewSnapshot()
	fw, err := f.Framework(ctx, snapshot)
	if err != nil {
		return nil, err
	}
	return planner.NewPlanner(fw, snapshot), nil
}

// Shutdown stops the informers (their context must have ended) and waits for
// them.
func (f *Fit) Shutdown() { f.informers.Shutdown() }
