// Package explain answers, from a live cluster and without writing to it, what
// the Provisioner would launch for pods (plan) and why a pod runs where it runs
// or waits (why). Both read the cluster as the Provisioner reads it and judge
// fit as it does: the planner, and the scheduler profile's own PreFilter and
// Filter plugins on virtual nodes (pkg/whatif). The kubectl plugin
// (cmd/kubectl-tailor) parses flags and calls RunPlan and RunWhy.
package explain

import (
	"context"
	"fmt"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tailor-sh/tailor/pkg/apis"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/whatif"
	"github.com/tailor-sh/tailor/plugins"
	"github.com/tailor-sh/tailor/plugins/provisioner"
)

// session is one command's view of the cluster: read once, judged by the
// plugins of one scheduler profile.
type session struct {
	cfg     *rest.Config
	cluster *whatif.Cluster
	fit     *whatif.Fit
	planner *planner.Planner
	// stop ends the plugins' informers.
	stop context.CancelFunc
}

// open reads the cluster through cfg, made read-only.
func open(ctx context.Context, cfg *rest.Config) (*session, context.Context, error) {
	cfg = whatif.ReadOnly(cfg)
	kube, err := client.New(cfg, client.Options{Scheme: apis.NewScheme()})
	if err != nil {
		return nil, nil, fmt.Errorf("building the API client, %w", err)
	}
	cluster, err := whatif.Read(ctx, kube)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	return &session{cfg: cfg, cluster: cluster, stop: cancel}, ctx, nil
}

// judgeWith builds the fit of the profile named schedulerName, from the
// KubeSchedulerConfiguration file configFile ("" for the default profile),
// with the plugins the scheduler binary registers.
func (s *session) judgeWith(configFile, schedulerName string) error {
	profile, err := whatif.Profile(configFile, schedulerName)
	if err != nil {
		return err
	}
	s.fit, err = whatif.NewFit(s.cfg, profile, plugins.Registry(), provisioner.Name)
	return err
}

// close stops the plugins' informers and waits for them.
func (s *session) close() {
	s.stop()
	if s.fit != nil {
		s.fit.Shutdown()
	}
}
