// Command devcluster runs the test control plane (kube-apiserver and etcd, CRDs
// installed) until interrupted, and writes an admin kubeconfig for kubectl. The demo
// and local experiments use it; tests start their own.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/tailor-sh/tailor/test/integration/harness"
)

func main() {
	kubeconfig := flag.String("write-kubeconfig", "out/kubeconfig", "where to write the admin kubeconfig")
	flag.Parse()
	if err := run(*kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, "devcluster:", err)
		os.Exit(1)
	}
}

func run(kubeconfig string) error {
	if err := os.MkdirAll(filepath.Dir(kubeconfig), 0o755); err != nil {
		return err
	}
	env, err := harness.Start()
	if err != nil {
		return err
	}
	defer func() { _ = env.Stop() }()
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "devcluster: control plane up; export KUBECONFIG=%s\n", kubeconfig)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	return nil
}
