// Package provisioner is the Provisioner scheduler plugin. When Filter rejects every
// existing node, its PostFilter records the pod in a batch and returns at once; off
// the scheduling cycle, each closed batch is planned (package planner, with the
// profile's own Filter plugins) onto NodeClaims in flight or onto new nodes, and each
// new node is handed to the launcher as a CapacityRequest. Its Filter keeps a new
// node for the pods it was planned for until they are bound, and its Score prefers
// that node for them. See docs/designs/0005-provisioner-plugin.md.
package provisioner

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	frameworkruntime "k8s.io/kubernetes/pkg/scheduler/framework/runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tailor-sh/tailor/pkg/apis"
	tailorconfig "github.com/tailor-sh/tailor/pkg/apis/config"
	"github.com/tailor-sh/tailor/pkg/apis/config/validation"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
)

// Name is the plugin's name in a KubeSchedulerConfiguration.
const Name = "Provisioner"

// Deps are what the plugin needs from the scheduler binary that registers it.
type Deps struct {
	// Registry returns every plugin the binary registers, to build the planning
	// framework from the same profile.
	Registry func() frameworkruntime.Registry
	// Profile returns the completed profile named by the scheduler name; it is
	// false until the scheduler is built (after every plugin's New).
	Profile func(schedulerName string) (*config.KubeSchedulerProfile, bool)
}

// Provisioner is the plugin.
type Provisioner struct {
	args     tailorconfig.ProvisionerArgs
	deps     Deps
	handle   framework.Handle
	profile  string
	recorder events.EventRecorder
	// objects is a cache of NodePools, CapacityRequests and instance type
	// catalogs; writer creates CapacityRequests.
	objects  cache.Cache
	writer   client.Client
	window   *window
	flight   *flight
	parked   *parked
	held     *held
	nodes    nodeCount
	catalogs catalogs
	planner  *lazyPlanner
	now      func() time.Time
}

var (
	_ framework.PostFilterPlugin  = (*Provisioner)(nil)
	_ framework.FilterPlugin      = (*Provisioner)(nil)
	_ framework.ScorePlugin       = (*Provisioner)(nil)
	_ framework.EnqueueExtensions = (*Provisioner)(nil)
)

// Factory returns the plugin factory the scheduler binary registers.
func Factory(deps Deps) frameworkruntime.PluginFactory {
	return func(ctx context.Context, obj runtime.Object, h framework.Handle) (framework.Plugin, error) {
		return New(ctx, obj, h, deps)
	}
}

// New builds the plugin: it checks its args (bad args stop the scheduler with the
// message), starts the cache of the project's objects and the batch loop.
func New(ctx context.Context, obj runtime.Object, h framework.Handle, deps Deps) (*Provisioner, error) {
	args, err := decodeArgs(obj)
	if err != nil {
		return nil, err
	}
	if err := validation.ValidateProvisionerArgs(nil, args); err != nil {
		return nil, fmt.Errorf("%s args: %w", Name, err)
	}
	named, ok := h.(interface{ ProfileName() string })
	if !ok {
		return nil, fmt.Errorf("%s: the framework handle does not name its profile", Name)
	}
	scheme, mapper := apis.NewScheme(), restMapper()
	// The scheduler talks protobuf; custom resources only speak JSON.
	cfg := rest.CopyConfig(h.KubeConfig())
	cfg.ContentType, cfg.AcceptContentTypes = "application/json", "application/json"
	objects, err := cache.New(cfg, cache.Options{Scheme: scheme, Mapper: mapper})
	if err != nil {
		return nil, fmt.Errorf("%s: building the cache of NodePools and CapacityRequests, %w", Name, err)
	}
	writer, err := client.New(cfg, client.Options{Scheme: scheme, Mapper: mapper})
	if err != nil {
		return nil, fmt.Errorf("%s: building the API client, %w", Name, err)
	}
	p := &Provisioner{
		args:     *args,
		deps:     deps,
		handle:   h,
		profile:  named.ProfileName(),
		recorder: h.EventRecorder(),
		objects:  objects,
		writer:   writer,
		window:   newWindow(args),
		flight:   newFlight(),
		parked:   newParked(),
		held:     newHeld(),
		now:      time.Now,
	}
	p.planner = &lazyPlanner{p: p}
	if err := p.watch(ctx); err != nil {
		return nil, err
	}
	go func() {
		if err := objects.Start(ctx); err != nil {
			klog.FromContext(ctx).Error(err, "Provisioner cache stopped")
		}
	}()
	go p.run(ctx)
	waiting.watch(ctx, p)
	return p, nil
}

// restMapper maps the kinds the plugin reads and writes, all cluster-scoped,
// without asking the API server (no discovery at start-up).
func restMapper() meta.RESTMapper {
	mapper := meta.NewDefaultRESTMapper(nil)
	for _, gvk := range []schema.GroupVersionKind{
		karpv1.GroupVersion.WithKind("NodePool"),
		tailorv1alpha1.GroupVersion.WithKind("CapacityRequest"),
		tailorv1alpha1.GroupVersion.WithKind("InstanceTypeCatalog"),
	} {
		mapper.Add(gvk, meta.RESTScopeRoot)
	}
	return mapper
}

// Name is the plugin's name.
func (p *Provisioner) Name() string { return Name }

func decodeArgs(obj runtime.Object) (*tailorconfig.ProvisionerArgs, error) {
	switch args := obj.(type) {
	case *tailorconfig.ProvisionerArgs:
		return args, nil
	case nil:
		return nil, fmt.Errorf("%s: no args; the scheduler configuration's defaults should have set them", Name)
	default:
		return nil, fmt.Errorf("%s: want args of type ProvisionerArgs, got %T", Name, obj)
	}
}
