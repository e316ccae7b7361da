// Package operator is the launcher's composition root: it builds the manager, the
// cloud provider (AWS, or the simulator in simulated mode) and every controller,
// in one place (docs/designs/0006).
package operator

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/tailor-sh/tailor/pkg/apis"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	cpmetrics "github.com/tailor-sh/tailor/pkg/cloudprovider/metrics"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	awsprovider "github.com/tailor-sh/tailor/pkg/providers/aws"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
)

// LeaderElectionID names the launcher's leader election Lease.
const LeaderElectionID = "tailor-launcher"

// Operator is a built launcher, ready to Start.
type Operator struct {
	Manager manager.Manager
	Cloud   cloudprovider.CloudProvider
	AWS     *awsprovider.CloudProvider
	// Simulator is the simulated region in simulated mode, else nil.
	Simulator *ec2sim.Simulator
	opts      Options
	ready     atomic.Bool
	// restConfig reaches the cluster, for the scheduler plugins' informers.
	restConfig *rest.Config
}

// New builds the launcher for cfg. In simulated mode it serves sim when given
// (tests inject faults into it) or starts a simulator of its own. The simulator
// and the AWS provider's batchers live until ctx ends.
func New(ctx context.Context, cfg *rest.Config, opts Options, sim *ec2sim.Simulator) (*Operator, error) {
	cfg = rest.CopyConfig(cfg)
	if opts.KubeQPS > 0 {
		cfg.QPS, cfg.Burst = float32(opts.KubeQPS), max(opts.KubeBurst, 1)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        apis.NewScheme(),
		Logger:                        ctrl.LoggerFrom(ctx),
		Metrics:                       metricsserver.Options{BindAddress: opts.MetricsAddr},
		HealthProbeBindAddress:        opts.HealthAddr,
		LeaderElection:                opts.LeaderElect,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       opts.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Controller:                    ctrlconfig.Controller{SkipNameValidation: ptr.To(opts.Restartable)},
	})
	if err != nil {
		return nil, fmt.Errorf("building manager, %w", err)
	}
	o := &Operator{Manager: mgr, opts: opts, restConfig: cfg}
	clients, err := o.awsClients(ctx, cfg, sim)
	if err != nil {
		return nil, err
	}
	o.AWS, err = awsprovider.New(ctx, mgr.GetClient(), clients.Clients, settings.Settings{
		ClusterName: opts.ClusterName, ClusterEndpoint: opts.ClusterEndpoint, ClusterCABundle: opts.ClusterCABundle,
		ClusterDNS: opts.ClusterDNS, Region: opts.Region, InterruptionQueue: opts.InterruptionQueue,
	})
	if err != nil {
		return nil, err
	}
	o.Cloud = cpmetrics.Decorate(o.AWS)
	if err := o.registerControllers(ctx, clients); err != nil {
		return nil, err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("discovery", func(*http.Request) error {
		if !o.ready.Load() {
			return fmt.Errorf("instance types not discovered yet")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return o, nil
}

// Start discovers instance types and prices, then runs the manager until ctx
// ends. Discovery is retried until it succeeds: nothing can launch without it.
func (o *Operator) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("launcher")
	for attempt := 0; ; attempt++ {
		err := o.AWS.Refresh(ctx)
		if err == nil {
			break
		}
		log.Error(err, "discovering instance types and prices; retrying", "attempt", attempt)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(time.Second<<attempt, time.Minute)):
		}
	}
	o.ready.Store(true)
	go o.AWS.Run(ctx)
	log.Info("starting", "cloud", o.opts.Cloud, "cluster", o.opts.ClusterName, "region", o.opts.Region)
	return o.Manager.Start(ctx)
}
