package parity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/cmd/kube-scheduler/app"
	"k8s.io/kubernetes/pkg/scheduler/framework"

	"github.com/tailor-sh/tailor/test/integration/schedulertest"
)

// Both ways people run the scheduler, in one binary: pods that select it with
// schedulerName, and pods with none when its profile is default-scheduler.
const (
	secondScheduler  = "tailor-scheduler"
	defaultScheduler = "default-scheduler"
)

// profileConfig is one profile: the default plugins, Coscheduling (for gangs; it
// also sorts the queue, which every profile must share), the Provisioner at Filter,
// Score and PostFilter, and the test's failedAttempts recorder first among the
// PostFilter plugins.
const profileConfig = `
- schedulerName: %s
  plugins:
    multiPoint:
      enabled:
      - name: Coscheduling
      disabled:
      - name: PrioritySort
    filter:
      enabled:
      - name: Provisioner
    score:
      enabled:
      - name: Provisioner
        weight: 10
    postFilter:
      enabled:
      - name: FailedAttempts
      - name: Coscheduling
      - name: Provisioner
  pluginConfig:
  - name: Coscheduling
    args:
      permitWaitingTimeSeconds: 30
  - name: Provisioner
    args:
      batchIdleDuration: 300ms
      batchMaxDuration: 3s
      maxPodsPerBatch: 1000
      maxNewNodesPerBatch: 100
`

// running is the scheduler in this process.
var running struct {
	ctx             context.Context
	kubeconfig, dir string
	stop            func()
}

// startScheduler runs the scheduler binary's code (plugins.Setup, app.Run) in this
// process until ctx ends or restartScheduler stops it.
func startScheduler(ctx context.Context, kubeconfig, dir string, failed *failedAttempts) error {
	config := fmt.Sprintf(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %s
leaderElection:
  leaderElect: false
profiles:`, kubeconfig) + fmt.Sprintf(profileConfig, secondScheduler) + fmt.Sprintf(profileConfig, defaultScheduler)
	path := filepath.Join(dir, "scheduler-config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return err
	}
	stop, err := schedulertest.Start(ctx, path, app.WithPlugin(failedAttemptsName, failed.factory))
	if err != nil {
		return err
	}
	running.ctx, running.kubeconfig, running.dir = ctx, kubeconfig, dir
	running.stop = stop
	return nil
}

// restartScheduler stops the scheduler and starts a new one in its place, with
// nothing of the old one's memory: what it knows comes from the API server.
func restartScheduler(t *testing.T) {
	running.stop()
	if err := startScheduler(running.ctx, running.kubeconfig, running.dir, failed); err != nil {
		t.Fatalf("restarting the scheduler: %v", err)
	}
}

const failedAttemptsName = "FailedAttempts"

// failedAttempts is TEST INSTRUMENTATION: a PostFilter plugin, first in the chain,
// that records for every failed scheduling attempt of a pod which nodes the
// scheduler's snapshot held. A pod that "binds on its first retry after its node
// appears" has no failed attempt whose snapshot held the node it is bound to.
type failedAttempts struct {
	mu       sync.Mutex
	handle   framework.Handle
	attempts map[types.UID][]map[string]bool
}

func newFailedAttempts() *failedAttempts {
	return &failedAttempts{attempts: map[types.UID][]map[string]bool{}}
}

func (f *failedAttempts) factory(_ context.Context, _ runtime.Object, h framework.Handle) (framework.Plugin, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handle = h // both profiles share one snapshot
	return f, nil
}

func (f *failedAttempts) Name() string { return failedAttemptsName }

func (f *failedAttempts) PostFilter(_ context.Context, _ fwk.CycleState, pod *corev1.Pod, _ framework.NodeToStatusReader) (*framework.PostFilterResult, *fwk.Status) {
	infos, err := f.handle.SnapshotSharedLister().NodeInfos().List()
	if err != nil {
		return nil, fwk.AsStatus(err)
	}
	nodes := make(map[string]bool, len(infos))
	for _, info := range infos {
		nodes[info.Node().Name] = true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts[pod.UID] = append(f.attempts[pod.UID], nodes)
	return nil, fwk.NewStatus(fwk.Unschedulable)
}

// afterNode counts the pod's failed attempts whose snapshot held node, and all.
func (f *failedAttempts) afterNode(uid types.UID, node string) (after, all int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, nodes := range f.attempts[uid] {
		if nodes[node] {
			after++
		}
	}
	return after, len(f.attempts[uid])
}

var _ framework.PostFilterPlugin = (*failedAttempts)(nil)

// Guard against a config that silently drops the recorder (the checks would then
// pass vacuously): at least one failed attempt must have been recorded per pod
// that needed a new node.
func requireRecorded(t *testing.T, f *failedAttempts, uid types.UID, pod string) {
	t.Helper()
	if _, all := f.afterNode(uid, ""); all == 0 {
		t.Errorf("pod %s: no failed attempt was recorded, yet it needed a new node", pod)
	}
}
