// Package parity runs the scheduler (this project's binary code, in-process)
// against a real API server, with a test launcher that creates the nodes the
// scheduler requests, and checks for each constraint scenario that the plan and
// the scheduler agree: every pod binds on its first retry after its node appears,
// and no planned node stays empty.
package parity

import (
	"context"

	"fmt"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	schedv1alpha1 "sigs.k8s.io/scheduler-plugins/apis/scheduling/v1alpha1"

	"github.com/tailor-sh/tailor/pkg/catalog"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

var (
	env          *harness.Environment
	launcher     *testLauncher
	failed       = newFailedAttempts()
	catalogTypes []*cloudprovider.InstanceType
	zones        = []string{"us-west-2a", "us-west-2b", "us-west-2c"}
	// launcherErrors collects what the test launcher could not do.
	launcherErrors = make(chan error, 100)
)

func TestMain(m *testing.M) {
	harness.Main(runAll{m}, &env, podGroupCRD())
}

// runAll starts the scheduler and the test launcher, then runs the tests.
type runAll struct{ m *testing.M }

func (r runAll) Run() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := setUp(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "setting up:", err)
		return 1
	}
	defer running.stop()
	return r.m.Run()
}

func setUp(ctx context.Context) error {
	if err := schedv1alpha1.AddToScheme(env.Client.Scheme()); err != nil {
		return err
	}
	var err error
	if catalogTypes, err = planio.LoadCatalog("", zones, 0.4); err != nil {
		return err
	}
	// What the launcher will publish: the scheduler plans with it.
	if err := catalog.Publish(ctx, env.Client, "default", catalogTypes); err != nil {
		return err
	}
	// kube-scheduler runs no plugin at all while the cluster has no node: like
	// a real cluster, this one has a control-plane node no workload tolerates.
	if err := env.Client.Create(ctx, controlPlaneNode()); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "parity")
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		return err
	}
	if err := startScheduler(ctx, kubeconfig, dir, failed); err != nil {
		return err
	}
	launcher = newTestLauncher(env.Client, catalogTypes)
	go launcher.run(ctx, func(err error) {
		select {
		case launcherErrors <- err:
		default:
		}
	})
	return nil
}

// podGroupCRD is the PodGroup CRD shipped with the scheduler-plugins module.
func podGroupCRD() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/scheduler-plugins").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "finding sigs.k8s.io/scheduler-plugins:", err)
		os.Exit(1)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "manifests", "coscheduling", "crd.yaml")
}

func controlPlaneNode() *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "control-plane", Labels: map[string]string{corev1.LabelHostname: "control-plane", corev1.LabelTopologyZone: "us-west-2a"}},
		Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
}
