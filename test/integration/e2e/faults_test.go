package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/operator"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// onDemand is a NodePool of on-demand instances of the given types only.
func onDemand(name string, types ...string) *karpv1.NodePool {
	return nodePool(name, in(corev1.LabelInstanceTypeStable, types...), in(wellknown.CapacityTypeLabelKey, "on-demand"))
}

// pod is a bare pod requesting cpu and memory.
func pod(ns, name, cpu, memory string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
			}}},
			TerminationGracePeriodSeconds: ptr.To[int64](0),
		},
	}
}

// The cheapest type has no capacity: the same launch falls back to the next
// cheapest, and the pod runs there. One instance, one claim.
func TestCapacityShortageOnCheapestType(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, nil)
	for _, zone := range s.sim.Zones() {
		s.sim.SetInsufficientCapacity("t3.large", zone, "on-demand", true)
	}
	ns := s.namespace("shortage")
	s.apply(onDemand("default", "t3.large", "m5.large"), pod(ns, "app", "1", "2Gi"))
	s.expectRunning(ns, 1, 2*time.Minute)
	c := s.snapshot()
	s.expectOneClaimPerNode(c)
	for _, claim := range c.claims {
		if got := claim.Labels[corev1.LabelInstanceTypeStable]; got != "m5.large" {
			t.Errorf("launched %s, want m5.large (t3.large, cheaper, has no capacity)", got)
		}
	}
	if n := s.launched(); n != 1 {
		t.Errorf("%d instances launched, want 1", n)
	}
}

// A node that never registers: after the registration timeout its claim is
// deleted, its instance terminated, and the pod planned again; once nodes
// register again it runs on one instance.
func TestNodeNeverRegisters(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, func(o *operator.Options) {
		o.RegistrationTTL = 15 * time.Second
		o.SimRegistrationDelay = time.Hour
	})
	ns := s.namespace("noregister")
	s.apply(onDemand("default", "m5.large"), pod(ns, "app", "1", "2Gi"))
	var first string
	harness.Eventually(t, time.Minute, "an instance to launch", func() error {
		for _, inst := range s.sim.Instances() {
			first = inst.ID
			return nil
		}
		return fmt.Errorf("none yet")
	})
	harness.Eventually(t, time.Minute, "the unregistered instance to be terminated", func() error {
		if inst, _ := s.sim.Instance(first); inst.State != ec2sim.StateTerminated && inst.State != ec2sim.StateShuttingDown {
			return fmt.Errorf("instance %s is %s", first, inst.State)
		}
		return nil
	})
	// Nodes register again (a launcher whose simulated kubelets work).
	s.opts.SimRegistrationDelay = 0
	s.opts.RegistrationTTL = 15 * time.Minute
	s.restartLauncher()
	s.expectRunning(ns, 1, 2*time.Minute)
	c := s.snapshot()
	s.expectOneClaimPerNode(c)
	for _, claim := range c.claims {
		if claim.Status.ProviderID == "" || strings.HasSuffix(claim.Status.ProviderID, "/"+first) {
			t.Errorf("the pod runs on claim %s of the abandoned instance", claim.Name)
		}
	}
}

// The launcher is down when the scheduler hands over a request; once it starts
// it launches exactly one instance for it.
func TestLauncherDownBetweenRequestAndLaunch(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, nil)
	s.stopLauncher()
	ns := s.namespace("killed-before-launch")
	s.apply(onDemand("default", "m5.large"), pod(ns, "app", "1", "2Gi"))
	harness.Eventually(t, time.Minute, "a capacity request", func() error {
		var list tailorv1alpha1.CapacityRequestList
		if err := s.kube.List(context.Background(), &list); err != nil || len(list.Items) == 0 {
			return fmt.Errorf("none yet (%v)", err)
		}
		return nil
	})
	s.startLauncher()
	s.expectRunning(ns, 1, 2*time.Minute)
	s.expectOneClaimPerNode(s.snapshot())
	if n := s.launched(); n != 1 {
		t.Errorf("%d instances launched, want 1", n)
	}
}

// The launcher stops after the instance launched and before its node registered;
// the next launcher adopts the instance instead of launching another.
func TestLauncherKilledBetweenLaunchAndRegistration(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, func(o *operator.Options) { o.SimRegistrationDelay = time.Hour })
	ns := s.namespace("killed-before-registration")
	s.apply(onDemand("default", "m5.large"), pod(ns, "app", "1", "2Gi"))
	harness.Eventually(t, time.Minute, "a launched nodeclaim", func() error {
		for _, claim := range s.snapshot().claims {
			if claim.Status.ProviderID != "" {
				return nil
			}
		}
		return fmt.Errorf("none launched yet")
	})
	s.opts.SimRegistrationDelay = 0
	s.restartLauncher()
	s.expectRunning(ns, 1, 2*time.Minute)
	s.expectOneClaimPerNode(s.snapshot())
	if n := s.launched(); n != 1 {
		t.Errorf("%d instances launched, want 1", n)
	}
}

// The scheduler restarts while the instance boots: the new scheduler finds the
// request in flight, plans nothing twice, and binds the pod when the node is up.
func TestSchedulerRestartedMidLaunch(t *testing.T) {
	s := newStack(t, ec2sim.Options{PendingDuration: 5 * time.Second}, nil)
	ns := s.namespace("scheduler-restart")
	s.apply(onDemand("default", "m5.large"), pod(ns, "app", "1", "2Gi"))
	harness.Eventually(t, time.Minute, "an instance to launch", func() error {
		if s.launched() == 0 {
			return fmt.Errorf("none yet")
		}
		return nil
	})
	if err := restartScheduler(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.expectRunning(ns, 1, 2*time.Minute)
	s.expectOneClaimPerNode(s.snapshot())
	if n := s.launched(); n != 1 {
		t.Errorf("%d instances launched, want 1", n)
	}
}

// A third of EC2 calls are throttled: launches retry with backoff, every pod
// runs, and no claim gets two instances.
func TestAPIThrottling(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, nil)
	s.sim.SetThrottleRate(0.3)
	ns := s.namespace("throttled")
	s.apply(nodePool("default"), deployment(ns, "web", 30, "1", "2Gi", zoneSpread("web", 1)))
	pods := s.expectRunning(ns, 30, 3*time.Minute)
	s.sim.SetThrottleRate(0)
	c := s.snapshot()
	s.expectOneClaimPerNode(c)
	s.expectNoEmptyNode(c, pods)
	if n := s.launched(); n != len(c.claims) {
		t.Errorf("%d instances launched for %d nodeclaims", n, len(c.claims))
	}
}

// An instance no NodeClaim owns (its claim was force-deleted) is terminated by
// garbage collection, and its Node removed.
func TestLeakedInstanceCollected(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, nil)
	ns := s.namespace("leak")
	s.apply(onDemand("default", "m5.large"), pod(ns, "app", "1", "2Gi"))
	s.expectRunning(ns, 1, 2*time.Minute)
	ctx := context.Background()
	// Lose the claim: delete the pod (so that nothing asks for a new node), and
	// force the claim away without its finalizer, as a broken controller or user
	// might: its instance and Node are left behind.
	if err := s.kube.Delete(ctx, pod(ns, "app", "1", "2Gi")); err != nil {
		t.Fatal(err)
	}
	for _, claim := range s.snapshot().claims {
		patch := client.MergeFrom(claim.DeepCopy())
		claim.Finalizers = nil
		if err := s.kube.Patch(ctx, claim, patch); err != nil {
			t.Fatal(err)
		}
		_ = s.kube.Delete(ctx, claim)
	}
	harness.Eventually(t, time.Minute, "the leaked instance to be terminated", func() error {
		if running := s.running(); len(running) > 0 {
			return fmt.Errorf("still running: %v", running)
		}
		return nil
	})
	harness.Eventually(t, time.Minute, "the leaked instance's node to be removed", func() error {
		if n := len(s.snapshot().nodes); n > 0 {
			return fmt.Errorf("%d nodes left", n)
		}
		return nil
	})
}

// The API server goes away while nodes launch (what the launcher sees while
// kube-apiserver restarts: open connections and watches cut, new ones refused,
// for 10 s): the launcher reconnects, the pods run, and no claim gets two
// instances.
func TestAPIServerRestarted(t *testing.T) {
	s := newStack(t, ec2sim.Options{PendingDuration: 3 * time.Second}, nil)
	s.throughProxy()
	ns := s.namespace("apiserver-restart")
	s.apply(nodePool("default"), deployment(ns, "web", 12, "1", "2Gi", zoneSpread("web", 1)))
	harness.Eventually(t, time.Minute, "instances to launch", func() error {
		if s.launched() == 0 {
			return fmt.Errorf("none yet")
		}
		return nil
	})
	s.proxy.SetDown(true)
	time.Sleep(10 * time.Second) // the outage itself
	s.proxy.SetDown(false)
	pods := s.expectRunning(ns, 12, 3*time.Minute)
	c := s.snapshot()
	s.expectOneClaimPerNode(c)
	s.expectNoEmptyNode(c, pods)
	if n := s.launched(); n != len(c.claims) {
		t.Errorf("%d instances launched for %d nodeclaims", n, len(c.claims))
	}
}
