// Package schedulertest runs the scheduler binary's code (plugins.Setup, then
// kube-scheduler's app.Run) inside a test process, so that integration tests can
// restart it at chosen moments and register test-only plugins.
package schedulertest

import (
	"context"
	"fmt"
	"os"

	"k8s.io/component-base/configz"
	"k8s.io/kubernetes/cmd/kube-scheduler/app"
	"k8s.io/kubernetes/cmd/kube-scheduler/app/options"

	"github.com/tailor-sh/tailor/plugins"
)

// Start runs the scheduler with the KubeSchedulerConfiguration at configPath
// (secure serving off) until ctx ends or stop is called; stop waits for it. A
// scheduler started after another one stopped starts with nothing of its memory.
func Start(ctx context.Context, configPath string, extra ...app.Option) (stop func(), err error) {
	opts := options.NewOptions()
	if err := opts.ComponentGlobalsRegistry.Set(); err != nil {
		return nil, err
	}
	opts.ConfigFile = configPath
	opts.SecureServing.BindPort = 0
	// The scheduler registers its configuration under a process-wide name.
	configz.Delete("componentconfig")
	ctx, cancel := context.WithCancel(ctx)
	cc, sched, err := plugins.Setup(ctx, opts, extra...)
	if err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := app.Run(ctx, cc, sched); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "scheduler stopped:", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}
