// Package periodic runs a singleton's passes on a ticker.
package periodic

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Run calls pass every interval until ctx ends, with logger in its context
// (the manager's carries none); a failed pass is logged as what failed, and
// the next one runs on time.
func Run(ctx context.Context, logger logr.Logger, interval time.Duration, what string, pass func(context.Context) error) error {
	return RunPaced(ctx, logger, interval, what, pass, nil)
}

// RunPaced is Run, except that a pass comes sooner when soon (if not nil),
// asked after each pass, says one is due in less than interval.
func RunPaced(ctx context.Context, logger logr.Logger, interval time.Duration, what string, pass func(context.Context) error, soon func() time.Duration) error {
	ctx = log.IntoContext(ctx, logger)
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		start := time.Now()
		if err := pass(ctx); err != nil {
			log.FromContext(ctx).Error(err, what)
		}
		wait := interval - time.Since(start) // on time, as a ticker would be
		if soon != nil {
			wait = min(wait, soon())
		}
		timer.Reset(max(wait, 0))
	}
}
