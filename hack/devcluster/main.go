// Command devcluster runs the test control plane (kube-apiserver and etcd, CRDs
// installed) until interrupted, and writes an admin kubeconfig for kubectl. With
// --publish-catalog it also publishes the project's instance types for an
// EC2NodeClass, as the launcher will, so that the scheduler can plan. The demo and
// local experiments use it; tests start their own.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/tailor-sh/tailor/pkg/catalog"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

func main() {
	kubeconfig := flag.String("write-kubeconfig", "out/kubeconfig", "where to write the admin kubeconfig")
	nodeClass := flag.String("publish-catalog", "", "publish the project's instance types (us-west-2a,b,c, on-demand and spot) for this EC2NodeClass")
	flag.Parse()
	if err := run(*kubeconfig, *nodeClass); err != nil {
		fmt.Fprintln(os.Stderr, "devcluster:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, nodeClass string) error {
	if err := os.MkdirAll(filepath.Dir(kubeconfig), 0o755); err != nil {
		return err
	}
	env, err := harness.Start()
	if err != nil {
		return err
	}
	defer func() { _ = env.Stop() }()
	if nodeClass != "" {
		types, err := planio.LoadCatalog("", []string{"us-west-2a", "us-west-2b", "us-west-2c"}, 0.35)
		if err != nil {
			return err
		}
		if err := catalog.Publish(context.Background(), env.Client, nodeClass, types); err != nil {
			return fmt.Errorf("publishing instance types for %s: %w", nodeClass, err)
		}
	}
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "devcluster: control plane up; export KUBECONFIG=%s\n", kubeconfig)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	return nil
}
