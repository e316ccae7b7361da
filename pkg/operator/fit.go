package operator

import (
	"context"
	"fmt"

	"k8s.io/client-go/rest"

	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/whatif"
	"github.com/tailor-sh/tailor/plugins"
	"github.com/tailor-sh/tailor/plugins/provisioner"
)

// consolidationPlanner is the planner disruption judges fit with: over the
// scheduler's own profile when --scheduler-config names its configuration
// (the plugins the scheduler binary registers, the Provisioner left out, their
// informers reading the cluster read-only until ctx ends), else nil, for
// kube-scheduler's default profile.
func consolidationPlanner(ctx context.Context, cfg *rest.Config, opts Options) (*planner.Planner, error) {
	if opts.SchedulerConfig == "" {
		return nil, nil
	}
	profile, err := whatif.ProfileRunning(opts.SchedulerConfig, opts.SchedulerName, provisioner.Name)
	if err != nil {
		return nil, fmt.Errorf("--scheduler-config, %w", err)
	}
	fit, err := whatif.NewFit(whatif.ReadOnly(cfg), profile, plugins.Registry(), provisioner.Name)
	if err != nil {
		return nil, err
	}
	p, err := fit.Planner(ctx)
	if err != nil {
		return nil, fmt.Errorf("building the consolidation planner from profile %s of %s, %w", profile.SchedulerName, opts.SchedulerConfig, err)
	}
	return p, nil
}
