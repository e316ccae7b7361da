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
	ctx = log.IntoContext(ctx, logger)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			if err := pass(ctx); err != nil {
				log.FromContext(ctx).Error(err, what)
			}
		}
	}
}
