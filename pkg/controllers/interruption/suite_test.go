package interruption

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/providers/aws/awstest"
	"github.com/tailor-sh/tailor/pkg/providers/aws/unavailable"
)

const (
	testCluster = "test-cluster"
	testZone    = "us-west-2a"
	testType    = "m5.large"
)

var testStart = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// env is a cluster (fake client), the simulator's SQS queue, and a controller
// polling it with a fake clock.
type env struct {
	t           *testing.T
	ctx         context.Context
	sim         *ec2sim.Simulator
	clients     awstest.Clients
	kube        client.Client
	clk         *clocktesting.FakeClock
	recorder    *record.FakeRecorder
	unavailable *unavailable.Cache
	ctrl        *Controller
}

func newEnv(t *testing.T, objs ...client.Object) *env {
	t.Helper()
	clk := clocktesting.NewFakeClock(testStart)
	sim, clients := awstest.Start(t, ec2sim.Options{ClusterName: testCluster, Now: clk.Now})
	sim.CreateQueue(testCluster)
	e := &env{
		t:   t,
		ctx: log.IntoContext(t.Context(), logr.Discard()),
		sim: sim, clients: clients, clk: clk,
		kube: fake.NewClientBuilder().WithScheme(apis.NewScheme()).
			WithStatusSubresource(&karpv1.NodeClaim{}).WithObjects(objs...).Build(),
		unavailable: unavailable.New(clk),
	}
	e.restart()
	return e
}

// restart replaces the controller with a new one, as a new leader would start:
// nothing in memory, the same cluster and queue.
func (e *env) restart() {
	e.recorder = record.NewFakeRecorder(100)
	e.ctrl = NewController(e.kube, e.recorder, e.clients.SQS, testCluster, e.unavailable, e.clk, WithWaitTime(0))
}

// poll runs one pass of the controller.
func (e *env) poll() {
	e.t.Helper()
	if err := e.ctrl.Poll(e.ctx); err != nil {
		e.t.Fatalf("Poll: %v", err)
	}
}

func (e *env) expectQueueEmpty() {
	e.t.Helper()
	if n := e.sim.QueueDepth(testCluster); n != 0 {
		e.t.Fatalf("queue holds %d messages, want none (every message deleted)", n)
	}
}

func (e *env) claim(name string) *karpv1.NodeClaim {
	e.t.Helper()
	c := &karpv1.NodeClaim{}
	if err := e.kube.Get(e.ctx, types.NamespacedName{Name: name}, c); err != nil {
		e.t.Fatalf("getting nodeclaim %s: %v", name, err)
	}
	return c
}

func (e *env) claims() []karpv1.NodeClaim {
	e.t.Helper()
	list := &karpv1.NodeClaimList{}
	if err := e.kube.List(e.ctx, list); err != nil {
		e.t.Fatal(err)
	}
	return list.Items
}

// expectDeleted: the claim is gone or being deleted (its finalizer holds it for
// the termination controller).
func (e *env) expectDeleted(name string) {
	e.t.Helper()
	c := &karpv1.NodeClaim{}
	err := e.kube.Get(e.ctx, types.NamespacedName{Name: name}, c)
	if apierrors.IsNotFound(err) {
		return
	}
	if err != nil {
		e.t.Fatal(err)
	}
	if c.DeletionTimestamp == nil {
		e.t.Fatalf("nodeclaim %s is not being deleted", name)
	}
}

func (e *env) expectNotDeleted(name string) {
	e.t.Helper()
	if c := e.claim(name); c.DeletionTimestamp != nil {
		e.t.Fatalf("nodeclaim %s is being deleted, want it kept", name)
	}
}

func (e *env) node(name string) *corev1.Node {
	e.t.Helper()
	n := &corev1.Node{}
	if err := e.kube.Get(e.ctx, types.NamespacedName{Name: name}, n); err != nil {
		e.t.Fatalf("getting node %s: %v", name, err)
	}
	return n
}

// setCondition sets a condition on a claim's status, as the lifecycle controller would.
func (e *env) setCondition(name, condType string, status metav1.ConditionStatus, reason string) {
	e.t.Helper()
	c := e.claim(name)
	meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: condType, Status: status, Reason: reason, Message: "set by test"})
	if err := e.kube.Status().Update(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
}

// events drains the events recorded since the last call.
func (e *env) events() []string {
	var out []string
	for {
		select {
		case ev := <-e.recorder.Events:
			out = append(out, ev)
		default:
			return out
		}
	}
}

// expectEvent: an event with reason was recorded (FakeRecorder formats "Type Reason Message").
func expectEvent(t *testing.T, events []string, eventType, reason string) string {
	t.Helper()
	for _, ev := range events {
		if strings.HasPrefix(ev, eventType+" "+reason+" ") {
			return ev
		}
	}
	t.Fatalf("no %s event %s in %q", eventType, reason, events)
	return ""
}

// fixtures

func instanceID(n string) string { return "i-0000000000000" + n }

func providerID(id string) string { return "aws:///" + testZone + "/" + id }

// testClaim is a launched, initialized spot claim of NodePool default with node nodeName.
func testClaim(name, instance, nodeName string) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			UID:  types.UID("uid-" + name),
			Labels: map[string]string{
				wellknown.NodePoolLabelKey:             "default",
				wellknown.InstanceTypeLabelKey:         testType,
				wellknown.ZoneLabelKey:                 testZone,
				wellknown.CapacityTypeLabelKey:         wellknown.CapacityTypeSpot,
				wellknown.InstanceFamilyLabelKey:       "m5",
				wellknown.ArchLabelKey:                 wellknown.ArchAMD64,
				tailorv1alpha1.CapacityRequestLabelKey: "request-1",
				"team":                                 "payments",
			},
			Annotations: map[string]string{
				wellknown.NodePoolHashAnnotationKey:      "abc",
				tailorv1alpha1.PricePerHourAnnotationKey: "0.031",
			},
			Finalizers: []string{wellknown.TerminationFinalizer},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: karpv1.GroupVersion.String(), Kind: "NodePool", Name: "default", UID: "uid-default",
				BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: karpv1.NodeClaimSpec{
			Taints: karpv1.Taints{{Key: "dedicated", Value: "payments", Effect: corev1.TaintEffectNoSchedule}},
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
				{Key: wellknown.InstanceTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{testType, "m5.xlarge"}},
				{Key: wellknown.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{wellknown.CapacityTypeSpot, wellknown.CapacityTypeOnDemand}},
			},
			Resources: karpv1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("1500m"), corev1.ResourceMemory: resource.MustParse("2Gi"),
			}},
			NodeClassRef:           &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
			ExpireAfter:            karpv1.MustParseNillableDuration("336h"),
			TerminationGracePeriod: &metav1.Duration{Duration: 30 * time.Minute},
		},
		Status: karpv1.NodeClaimStatus{
			NodeName:   nodeName,
			ProviderID: providerID(instance),
			Conditions: []metav1.Condition{
				{Type: karpv1.ConditionTypeLaunched, Status: metav1.ConditionTrue, Reason: "Launched", LastTransitionTime: metav1.NewTime(testStart)},
				{Type: karpv1.ConditionTypeInitialized, Status: metav1.ConditionTrue, Reason: "Initialized", LastTransitionTime: metav1.NewTime(testStart)},
			},
		},
	}
}

func testNode(name, instance string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Spec: corev1.NodeSpec{
			ProviderID: providerID(instance),
			Taints:     []corev1.Taint{{Key: "dedicated", Value: "payments", Effect: corev1.TaintEffectNoSchedule}},
		},
	}
}
