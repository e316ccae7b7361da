package planner

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	"k8s.io/kubernetes/pkg/scheduler/apis/config/latest"
	frameworkplugins "k8s.io/kubernetes/pkg/scheduler/framework/plugins"
	frameworkruntime "k8s.io/kubernetes/pkg/scheduler/framework/runtime"
)

// DefaultProfile is kube-scheduler's default profile (default-scheduler, the
// default plugins and their default arguments).
func DefaultProfile() (*config.KubeSchedulerProfile, error) {
	cfg, err := latest.Default()
	if err != nil {
		return nil, fmt.Errorf("defaulting scheduler configuration, %w", err)
	}
	return &cfg.Profiles[0], nil
}

// NewStandalone returns a planner that runs profile's plugins (the default profile
// when nil) from registry (the in-tree plugins when nil) against an in-memory API
// holding objects (PVCs, storage classes, namespaces...): for the plan command,
// benchmarks and tests, where no cluster is at hand.
func NewStandalone(ctx context.Context, profile *config.KubeSchedulerProfile, registry frameworkruntime.Registry, objects ...runtime.Object) (*Planner, error) {
	if profile == nil {
		var err error
		if profile, err = DefaultProfile(); err != nil {
			return nil, err
		}
	}
	if registry == nil {
		registry = frameworkplugins.NewInTreeRegistry()
	}
	client := fake.NewClientset(objects...)
	factory := informers.NewSharedInformerFactory(client, 0)
	snapshot := NewSnapshot()
	fw, err := NewFramework(ctx, registry, profile, snapshot, FrameworkOptions{Client: client, Informers: factory})
	if err != nil {
		return nil, err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return NewPlanner(fw, snapshot), nil
}
