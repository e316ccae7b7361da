// Command launcher turns the scheduler's CapacityRequests into NodeClaims, EC2
// instances and Ready nodes, tracks them, and removes them when they are done. It
// is a controller-runtime manager with leader election; see pkg/operator for what
// it runs and `launcher --help` for its settings.
package main

import (
	"flag"
	"fmt"
	"os"

	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tailor-sh/tailor/pkg/operator"
)

func main() {
	var opts operator.Options
	opts.AddFlags(flag.CommandLine)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse() // also reads controller-runtime's --kubeconfig
	logger := zap.New(zap.UseFlagOptions(&zapOpts))
	ctrl.SetLogger(logger)
	klog.SetLogger(logger)
	if err := opts.Complete(); err != nil {
		fmt.Fprintln(os.Stderr, "launcher:", err)
		os.Exit(2)
	}
	ctx := ctrl.SetupSignalHandler()
	ctx = ctrl.LoggerInto(ctx, logger)
	cfg, err := ctrl.GetConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "launcher: reading the kubeconfig:", err)
		os.Exit(1)
	}
	op, err := operator.New(ctx, cfg, opts, nil)
	if err == nil {
		err = op.Start(ctx)
	}
	if err != nil {
		logger.Error(err, "launcher stopped")
		os.Exit(1)
	}
}
