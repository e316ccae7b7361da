// Command devcluster runs the whole local stack until interrupted: the test control
// plane (kube-apiserver and etcd, CRDs installed), kube-controller-manager, kwok,
// the scheduler binary as the cluster's default-scheduler (the shipped kubeadm
// configuration) and the launcher binary in simulated mode (the EC2 simulator in
// its process). It applies an EC2NodeClass named "default" that resolves in the
// simulator, writes an admin kubeconfig, and writes the ready file once the
// launcher has published that node class's instance types. `make cluster` starts
// it in the background; `make demo` and the README use it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// clusterName is the simulated cluster's name: its subnets and security groups
// carry karpenter.sh/discovery: sim-cluster.
const clusterName = "sim-cluster"

type config struct {
	kubeconfig, readyFile, logDir, bin       string
	simulatorAddr, metricsAddr, featureGates string
	schedulerPort                            int
	bootDelay                                time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.kubeconfig, "write-kubeconfig", "out/kubeconfig", "where to write the admin kubeconfig")
	flag.StringVar(&c.readyFile, "ready-file", "out/cluster.ready", "written once the stack is ready")
	flag.StringVar(&c.logDir, "log-dir", "out/logs", "component logs")
	flag.StringVar(&c.bin, "bin", "bin", "folder of the scheduler and launcher binaries")
	flag.StringVar(&c.simulatorAddr, "simulator-addr", "127.0.0.1:4566", "address of the EC2 simulator (AWS_ENDPOINT_URL=http://ADDR)")
	flag.StringVar(&c.metricsAddr, "launcher-metrics-addr", "127.0.0.1:8080", "address of the launcher's Prometheus metrics")
	flag.IntVar(&c.schedulerPort, "scheduler-secure-port", 10259, "the scheduler's HTTPS port on 127.0.0.1 (its /metrics needs no credentials here)")
	flag.DurationVar(&c.bootDelay, "boot-delay", 0, "how long a simulated instance stays pending")
	flag.StringVar(&c.featureGates, "launcher-feature-gates", "SpotToSpotConsolidation=true",
		"the launcher's --feature-gates (spot-to-spot consolidation on, as the demo's NodePool is mostly spot)")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "devcluster:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	_ = os.Remove(c.readyFile)
	for _, dir := range []string{filepath.Dir(c.kubeconfig), c.logDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	env, err := harness.Start()
	if err != nil {
		return err
	}
	var procs []*harness.Process
	defer func() {
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].Stop()
		}
		_ = env.Stop()
		_ = os.Remove(c.readyFile)
	}()
	if err := env.WriteKubeconfig(c.kubeconfig); err != nil {
		return err
	}
	kubeconfig, _ := filepath.Abs(c.kubeconfig)
	start := []func() (*harness.Process, error){
		func() (*harness.Process, error) {
			return env.StartControllerManager(kubeconfig, filepath.Join(c.logDir, "kube-controller-manager.log"))
		},
		func() (*harness.Process, error) {
			return env.StartKwok(kubeconfig, filepath.Join(c.logDir, "kwok-home"), filepath.Join(c.logDir, "kwok.log"))
		},
		func() (*harness.Process, error) { return startScheduler(c, kubeconfig) },
		func() (*harness.Process, error) { return startLauncher(c, kubeconfig) },
	}
	for _, s := range start {
		p, err := s()
		if err != nil {
			return err
		}
		procs = append(procs, p)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	if err := ready(ctx, env.Client, procs); err != nil {
		return err
	}
	if err := os.WriteFile(c.readyFile, []byte(kubeconfig+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "devcluster: ready; export KUBECONFIG=%s\n", kubeconfig)
	return watch(ctx, procs)
}

// ready applies the default EC2NodeClass and waits for its catalog.
func ready(ctx context.Context, c client.Client, procs []*harness.Process) error {
	nodeClass := harness.SimulatedNodeClass(clusterName)
	if err := c.Create(ctx, nodeClass); client.IgnoreAlreadyExists(err) != nil {
		return fmt.Errorf("applying ec2nodeclass default, %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return harness.WaitFor(ctx, func() error {
		for _, p := range procs {
			if exited, err := p.Exited(); exited {
				return fmt.Errorf("%s exited (%v); see its log", p.Name, err)
			}
		}
		var catalogs tailorv1alpha1.InstanceTypeCatalogList
		if err := c.List(ctx, &catalogs, client.MatchingLabels{tailorv1alpha1.NodeClassLabelKey: "default"}); err != nil {
			return err
		}
		if len(catalogs.Items) == 0 {
			return fmt.Errorf("the launcher has not published the instance types of ec2nodeclass default yet")
		}
		return nil
	})
}

// watch waits for a signal, or fails when a component exits.
func watch(ctx context.Context, procs []*harness.Process) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			for _, p := range procs {
				if exited, err := p.Exited(); exited {
					return fmt.Errorf("%s exited (%v)", p.Name, err)
				}
			}
		}
	}
}

// startScheduler runs bin/scheduler with the shipped kubeadm configuration: every
// pod without a schedulerName is scheduled, and provisioned for, by it.
func startScheduler(c config, kubeconfig string) (*harness.Process, error) {
	shipped, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "manifests", "scheduler", "kubeadm", "kube-scheduler-config.yaml"))
	if err != nil {
		return nil, err
	}
	cfg := strings.NewReplacer(
		"kubeconfig: /etc/kubernetes/scheduler.conf", "kubeconfig: "+kubeconfig,
		"leaderElect: true", "leaderElect: false",
	).Replace(string(shipped))
	path := filepath.Join(c.logDir, "scheduler-config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	return harness.StartProcess("scheduler", filepath.Join(c.bin, "scheduler"),
		[]string{"--config=" + path, "--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", c.schedulerPort),
			"--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig,
			"--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics"},
		nil, filepath.Join(c.logDir, "scheduler.log"))
}

// startLauncher runs bin/launcher in simulated mode.
func startLauncher(c config, kubeconfig string) (*harness.Process, error) {
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--cloud=simulated",
		"--cluster-name=" + clusterName,
		"--simulator-addr=" + c.simulatorAddr,
		"--simulator-boot-delay=" + c.bootDelay.String(),
		"--interruption-queue=" + clusterName, // the simulator's queue is named after the cluster
		"--metrics-bind-address=" + c.metricsAddr,
		"--health-probe-bind-address=127.0.0.1:0",
		"--feature-gates=" + c.featureGates,
		"--scheduler-config=" + filepath.Join(c.logDir, "scheduler-config.yaml"), // consolidation judges fit as the scheduler does
	}
	return harness.StartProcess("launcher", filepath.Join(c.bin, "launcher"), args, nil, filepath.Join(c.logDir, "launcher.log"))
}
