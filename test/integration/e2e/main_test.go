// Package e2e runs the whole loop on real components: kube-apiserver and etcd,
// kube-controller-manager (Deployments, ReplicaSets, PDB status, garbage
// collection), kwok (keeps simulated nodes and their pods alive), the scheduler
// binary's code with the shipped default-scheduler configuration, and the launcher
// (pkg/operator, simulated mode) over the EC2 simulator. Pending pods must become
// Running pods on launched nodes, and every fault scenario must end with no leaked
// instance, no duplicate launch and no lost pod.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/klog/v2"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tailor-sh/tailor/test/integration/harness"
	"github.com/tailor-sh/tailor/test/integration/schedulertest"
)

var (
	env *harness.Environment
	// kubeconfig of a cluster admin, for the processes the tests start.
	kubeconfig string
	// logDir keeps every component's log (printed on failure).
	logDir    string
	scheduler struct {
		stop func()
	}
)

func TestMain(m *testing.M) {
	harness.Main(suite{m}, &env)
}

type suite struct{ m *testing.M }

func (s suite) Run() int {
	// Controller-runtime's global logger (its caches' reflectors) writes where
	// the in-process scheduler's klog does; unset, it warns once and drops it.
	ctrllog.SetLogger(klog.NewKlogr())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop, err := setUp(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "setting up:", err)
		return 1
	}
	defer stop()
	return s.m.Run()
}

func setUp(ctx context.Context) (func(), error) {
	var err error
	if logDir, err = os.MkdirTemp("", "tailor-e2e"); err != nil {
		return nil, err
	}
	kubeconfig = filepath.Join(logDir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		return nil, err
	}
	kcm, err := env.StartControllerManager(kubeconfig, filepath.Join(logDir, "kube-controller-manager.log"))
	if err != nil {
		return nil, err
	}
	kwok, err := env.StartKwok(kubeconfig, filepath.Join(logDir, "kwok-home"), filepath.Join(logDir, "kwok.log"))
	if err != nil {
		kcm.Stop()
		return nil, err
	}
	if err := startScheduler(ctx); err != nil {
		kwok.Stop()
		kcm.Stop()
		return nil, err
	}
	return func() {
		scheduler.stop()
		kwok.Stop()
		kcm.Stop()
	}, nil
}

// startScheduler runs the scheduler binary's code in this process with the
// shipped configuration for a self-managed cluster (manifests/scheduler/kubeadm:
// the default-scheduler profile with the Provisioner), pointed at this control
// plane, without leader election.
func startScheduler(ctx context.Context) error {
	shipped, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "manifests", "scheduler", "kubeadm", "kube-scheduler-config.yaml"))
	if err != nil {
		return err
	}
	config := strings.NewReplacer(
		"kubeconfig: /etc/kubernetes/scheduler.conf", "kubeconfig: "+kubeconfig,
		"leaderElect: true", "leaderElect: false",
	).Replace(string(shipped))
	path := filepath.Join(logDir, "scheduler-config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return err
	}
	stop, err := schedulertest.Start(ctx, path)
	if err != nil {
		return err
	}
	scheduler.stop = stop
	return nil
}

// restartScheduler stops the scheduler and starts a new one with nothing of the
// old one's memory.
func restartScheduler(ctx context.Context) error {
	scheduler.stop()
	return startScheduler(ctx)
}
