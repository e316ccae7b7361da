package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/operator"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

const clusterName = "sim-cluster"

// stack is one test's cloud and launcher over the shared control plane,
// scheduler, kube-controller-manager and kwok.
type stack struct {
	t    *testing.T
	sim  *ec2sim.Simulator
	opts operator.Options
	kube client.Client
	// cfg is how the launcher reaches the API server: directly, or through proxy.
	cfg   *rest.Config
	proxy *harness.Proxy

	mu       sync.Mutex
	launcher *launcher
	logFile  *os.File
}

type launcher struct {
	cancel context.CancelFunc
	done   chan error
}

// newStack starts a simulated region and a launcher for the test, and, when the
// test ends, removes what it created (NodePools, workloads, NodeClaims: the
// launcher drains and terminates them) and fails on any instance left running.
func newStack(t *testing.T, simOpts ec2sim.Options, tune func(*operator.Options)) *stack {
	t.Helper()
	simOpts.ClusterName = clusterName
	sim := ec2sim.New(simOpts)
	opts := operator.Options{
		ClusterName: clusterName, ClusterEndpoint: "https://127.0.0.1:6443", Region: sim.Region(),
		Cloud: operator.CloudSimulated, MetricsAddr: "0", HealthAddr: "0",
		LeaderElect: true, LeaderElectionNamespace: "kube-system",
		LaunchTTL: 5 * time.Minute, RegistrationTTL: 15 * time.Minute,
		GCInterval: 2 * time.Second, LeakGracePeriod: 5 * time.Second,
		Restartable: true, KubeQPS: 200, KubeBurst: 300,
		SchedulerConfig: filepath.Join(logDir, "scheduler-config.yaml"), // the profile the scheduler runs
	}
	if tune != nil {
		tune(&opts)
	}
	logPath := filepath.Join(logDir, strings.ReplaceAll(t.Name(), "/", "_")+"-launcher.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, sim: sim, opts: opts, kube: env.Client, cfg: env.Config, logFile: logFile}
	env.ExpectApplied(t, nodeClass())
	s.startLauncher()
	t.Cleanup(func() {
		if s.proxy != nil {
			s.proxy.SetDown(false)
		}
		s.tearDown()
		s.stopLauncher()
		if s.proxy != nil {
			s.proxy.Close()
		}
		sim.Close()
		_ = logFile.Close()
		if t.Failed() {
			t.Logf("launcher log: %s", logPath)
		}
	})
	return s
}

// startLauncher starts a launcher (a new process's worth of state: a fresh
// manager, cache and cloud provider) over the test's simulator.
func (s *stack) startLauncher() {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ctx = ctrl.LoggerInto(ctx, s.logger())
	op, err := operator.New(ctx, s.cfg, s.opts, s.sim)
	if err != nil {
		cancel()
		s.t.Fatalf("building the launcher: %v", err)
	}
	l := &launcher{cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- op.Start(ctx) }()
	s.mu.Lock()
	s.launcher = l
	s.mu.Unlock()
}

// stopLauncher stops the launcher, as a crash or a rollout would: whatever it
// was doing stops half-way.
func (s *stack) stopLauncher() {
	s.mu.Lock()
	l := s.launcher
	s.launcher = nil
	s.mu.Unlock()
	if l == nil {
		return
	}
	l.cancel()
	select {
	case <-l.done:
	case <-time.After(30 * time.Second):
		s.t.Errorf("launcher did not stop within 30s")
	}
}

// throughProxy restarts the launcher with its API server connection through a
// proxy the test can take down.
func (s *stack) throughProxy() {
	s.t.Helper()
	u, err := url.Parse(env.Config.Host)
	if err != nil {
		s.t.Fatal(err)
	}
	if s.proxy, err = harness.NewProxy(u.Host); err != nil {
		s.t.Fatal(err)
	}
	s.cfg = rest.CopyConfig(env.Config)
	s.cfg.Host = "https://" + s.proxy.Addr()
	s.restartLauncher()
}

func (s *stack) restartLauncher() {
	s.stopLauncher()
	s.startLauncher()
}

func (s *stack) logger() logr.Logger {
	var mu sync.Mutex
	return funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(s.logFile, "%s %s %s\n", time.Now().Format("15:04:05.000"), prefix, args)
	}, funcr.Options{Verbosity: 1})
}

// tearDown deletes the test's objects and waits for the launcher to finish every
// NodeClaim; then no instance may be left.
func (s *stack) tearDown() {
	t, ctx := s.t, context.Background()
	var namespaces corev1.NamespaceList
	_ = s.kube.List(ctx, &namespaces, client.MatchingLabels{"e2e": "true"})
	for i := range namespaces.Items {
		_ = s.kube.Delete(ctx, &namespaces.Items[i])
	}
	_ = s.kube.DeleteAllOf(ctx, &karpv1.NodePool{})
	harness.Eventually(t, 2*time.Minute, "every nodeclaim to be terminated", func() error {
		var list karpv1.NodeClaimList
		if err := s.kube.List(ctx, &list); err != nil {
			return err
		}
		for i := range list.Items {
			if list.Items[i].DeletionTimestamp.IsZero() {
				_ = s.kube.Delete(ctx, &list.Items[i])
			}
		}
		if len(list.Items) > 0 {
			return fmt.Errorf("%d nodeclaims left", len(list.Items))
		}
		return nil
	})
	harness.Eventually(t, time.Minute, "the test's namespaces to be gone", func() error {
		var left corev1.NamespaceList
		if err := s.kube.List(ctx, &left, client.MatchingLabels{"e2e": "true"}); err != nil {
			return err
		}
		if len(left.Items) > 0 {
			return fmt.Errorf("%d namespaces left", len(left.Items))
		}
		return nil
	})
	if running := s.running(); len(running) > 0 {
		t.Errorf("leaked instances after the test: %v", running)
	}
	var nodes corev1.NodeList
	_ = s.kube.List(ctx, &nodes)
	for i := range nodes.Items {
		t.Errorf("node %s left after its nodeclaim was terminated", nodes.Items[i].Name)
		_ = s.kube.Delete(ctx, &nodes.Items[i])
	}
	_ = s.kube.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace("default"))
}

// running are the simulator's instances that are not terminated.
func (s *stack) running() []string {
	var out []string
	for _, inst := range s.sim.Instances() {
		if inst.State != ec2sim.StateTerminated && inst.State != ec2sim.StateShuttingDown {
			out = append(out, inst.ID+" ("+inst.InstanceType+", "+string(inst.State)+")")
		}
	}
	return out
}

// launched is how many instances the simulator ever launched.
func (s *stack) launched() int { return len(s.sim.Instances()) }

// nodeClass is the EC2NodeClass every test's NodePools use: it resolves in the
// simulator (subnets and security groups tagged for the cluster).
func nodeClass() *ec2v1.EC2NodeClass { return harness.SimulatedNodeClass(clusterName) }

// namespace creates a namespace for the test's workloads, removed at the end.
func (s *stack) namespace(name string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"e2e": "true"}}}
	harness.Eventually(s.t, time.Minute, "namespace "+name+" to be creatable", func() error {
		err := s.kube.Create(context.Background(), ns)
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("namespace %s still terminating", name)
		}
		return err
	})
	return name
}
