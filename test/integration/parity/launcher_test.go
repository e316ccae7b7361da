package parity

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// testLauncher stands in for the launcher (not built yet): it turns every
// CapacityRequest into a Ready, initialized Node of the request's cheapest
// instance type, in the zone and capacity type of that type's cheapest offering the
// request allows, with the NodePool's labels and taints, plus one pod per
// DaemonSet, bound to it as the DaemonSet controller would.
type testLauncher struct {
	c     client.Client
	types map[string]*cloudprovider.InstanceType

	mu       sync.Mutex
	launched map[string]launch // by request name
	paused   bool
	// failures is how many of the next requests fail to launch; failed holds
	// when each failed request was marked, to remove it a moment later.
	failures    int
	failed      map[string]time.Time
	failedNames []string
}

type launch struct {
	node     string
	nodePool string
	at       time.Time
	// pods are the UIDs of the pods the request was planned for.
	pods map[types.UID]bool
}

func newTestLauncher(c client.Client, types []*cloudprovider.InstanceType) *testLauncher {
	byName := map[string]*cloudprovider.InstanceType{}
	for _, it := range types {
		byName[it.Name] = it
	}
	return &testLauncher{c: c, types: byName, launched: map[string]launch{}, failed: map[string]time.Time{}}
}

// run launches for new requests every 50ms until ctx ends.
func (l *testLauncher) run(ctx context.Context, report func(error)) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := l.launchNew(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
	}
}

func (l *testLauncher) pause(p bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.paused = p
}

func (l *testLauncher) launchNew(ctx context.Context) error {
	l.mu.Lock()
	paused := l.paused
	l.mu.Unlock()
	if paused {
		return nil
	}
	var requests tailorv1alpha1.CapacityRequestList
	if err := l.c.List(ctx, &requests); err != nil {
		return err
	}
	for i := range requests.Items {
		r := &requests.Items[i]
		l.mu.Lock()
		_, done := l.launched[r.Name]
		failedAt, failed := l.failed[r.Name]
		fail := !done && !failed && l.failures > 0
		if fail {
			l.failures--
		}
		l.mu.Unlock()
		switch {
		case done:
			continue
		case fail:
			if err := l.fail(ctx, r); err != nil {
				return fmt.Errorf("failing %s: %w", r.Name, err)
			}
			continue
		case failed:
			if time.Since(failedAt) > 500*time.Millisecond {
				if err := l.remove(ctx, r); err != nil {
					return fmt.Errorf("removing failed %s: %w", r.Name, err)
				}
			}
			continue
		}
		if err := l.launch(ctx, r); err != nil {
			return fmt.Errorf("launching for %s: %w", r.Name, err)
		}
	}
	return nil
}

// failNext makes the next n requests fail, as when EC2 has no capacity for any
// of their types: the request is marked failed, and removed a moment later.
func (l *testLauncher) failNext(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures = n
}

func (l *testLauncher) fail(ctx context.Context, r *tailorv1alpha1.CapacityRequest) error {
	meta.SetStatusCondition(&r.Status.Conditions, metav1.Condition{
		Type: tailorv1alpha1.ConditionTypeLaunched, Status: metav1.ConditionFalse,
		Reason: tailorv1alpha1.ReasonLaunchFailed, Message: "InsufficientInstanceCapacity for every instance type (test launcher)",
	})
	if err := l.c.Status().Update(ctx, r); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failed[r.Name] = time.Now()
	return nil
}

func (l *testLauncher) remove(ctx context.Context, r *tailorv1alpha1.CapacityRequest) error {
	if err := l.c.Delete(ctx, r); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failed, r.Name)
	l.failedNames = append(l.failedNames, r.Name)
	return nil
}

func (l *testLauncher) launch(ctx context.Context, r *tailorv1alpha1.CapacityRequest) error {
	np := &karpv1.NodePool{}
	if err := l.c.Get(ctx, client.ObjectKey{Name: r.Spec.NodePool}, np); err != nil {
		return err
	}
	reqs, err := scheduling.NewNodeSelectorRequirements(r.Spec.Requirements...)
	if err != nil {
		return err
	}
	it, ok := l.types[r.Spec.InstanceTypes[0]]
	if !ok {
		return fmt.Errorf("request names unknown instance type %s", r.Spec.InstanceTypes[0])
	}
	offering, ok := it.Offerings.Available().Compatible(reqs).Cheapest()
	if !ok {
		return fmt.Errorf("no offering of %s meets %s", it.Name, reqs)
	}
	node := l.node(r, np, it, offering)
	// Recorded first: the scheduler may bind a pod the moment the node exists.
	l.mu.Lock()
	planned := map[types.UID]bool{}
	for _, ref := range r.Spec.Pods {
		planned[ref.UID] = true
	}
	l.launched[r.Name] = launch{node: node.Name, nodePool: np.Name, at: time.Now(), pods: planned}
	l.mu.Unlock()
	if err := l.c.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return l.daemonPods(ctx, node)
}

func (l *testLauncher) node(r *tailorv1alpha1.CapacityRequest, np *karpv1.NodePool, it *cloudprovider.InstanceType, o cloudprovider.Offering) *corev1.Node {
	labels := map[string]string{}
	for k, v := range it.Requirements.Labels() {
		labels[k] = v
	}
	for k, v := range np.Spec.Template.ObjectMeta.Labels {
		labels[k] = v
	}
	labels[corev1.LabelTopologyZone] = o.Zone
	labels[wellknown.CapacityTypeLabelKey] = o.CapacityType
	labels[corev1.LabelInstanceTypeStable] = it.Name
	labels[corev1.LabelHostname] = r.Name
	labels[wellknown.NodePoolLabelKey] = np.Name
	labels[wellknown.NodeRegisteredLabelKey] = "true"
	labels[wellknown.NodeInitializedLabelKey] = "true"
	labels[tailorv1alpha1.CapacityRequestLabelKey] = r.Name
	var taints []corev1.Taint
	for _, t := range np.Spec.Template.Spec.Taints {
		taints = append(taints, t.Core())
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: r.Name, Labels: labels},
		Spec:       corev1.NodeSpec{Taints: taints, ProviderID: "test://" + r.Name},
		Status: corev1.NodeStatus{
			Capacity:    it.Capacity,
			Allocatable: it.Allocatable(),
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
		},
	}
}

// daemonPods binds one pod of every DaemonSet to node.
func (l *testLauncher) daemonPods(ctx context.Context, node *corev1.Node) error {
	var sets appsv1.DaemonSetList
	if err := l.c.List(ctx, &sets); err != nil {
		return err
	}
	for _, ds := range sets.Items {
		pod := &corev1.Pod{ObjectMeta: *ds.Spec.Template.ObjectMeta.DeepCopy(), Spec: *ds.Spec.Template.Spec.DeepCopy()}
		pod.Namespace, pod.Name = ds.Namespace, ds.Name+"-"+node.Name
		pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: ds.Name, UID: ds.UID, Controller: ptrTo(true)}}
		pod.Spec.NodeName = node.Name
		if err := l.c.Create(ctx, pod); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// launches returns what was launched, by request name.
func (l *testLauncher) launches() map[string]launch {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]launch, len(l.launched))
	for k, v := range l.launched {
		out[k] = v
	}
	return out
}

// reset forgets what was launched (between scenarios, once everything is deleted).
func (l *testLauncher) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.launched = map[string]launch{}
	l.failures, l.failed, l.failedNames = 0, map[string]time.Time{}, nil
}

// failedRequests names the requests that failed and were removed.
func (l *testLauncher) failedRequests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.failedNames)
}

func ptrTo[T any](v T) *T { return &v }
