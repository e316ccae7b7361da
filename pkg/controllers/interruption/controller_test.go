package interruption

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

func TestSpotInterruptionReplacesTheNodeBeforeDeletingIt(t *testing.T) {
	id := instanceID("1")
	old := testClaim("spot-a", id, "node-a")
	e := newEnv(t, old.DeepCopy(), testNode("node-a", id))
	handled := testutil.ToFloat64(messagesTotal.WithLabelValues(string(KindSpotInterruption), string(ActionReplace)))

	e.sim.SendSpotInterruption(id)
	e.poll()

	e.expectQueueEmpty()
	if got := testutil.ToFloat64(messagesTotal.WithLabelValues(string(KindSpotInterruption), string(ActionReplace))); got != handled+1 {
		t.Errorf("tailor_interruption_messages_total{spot_interruption,replace} = %v, want %v", got, handled+1)
	}
	if !e.unavailable.IsUnavailable(testType, testZone, wellknown.CapacityTypeSpot) {
		t.Error("the interrupted offering is still available to the next launch")
	}
	node := e.node("node-a")
	if !hasTaint(node, wellknown.DisruptedNoScheduleTaint) || !hasTaint(node, corev1.Taint{Key: "dedicated", Value: "payments", Effect: corev1.TaintEffectNoSchedule}) {
		t.Errorf("node taints = %v, want the disrupted taint added to the existing one", node.Spec.Taints)
	}

	next := e.claim("spot-a-r")
	if diff := cmp.Diff(specJSON(t, old), specJSON(t, next)); diff != "" {
		t.Errorf("replacement spec differs from the interrupted claim's (-old +replacement):\n%s", diff)
	}
	wantLabels := map[string]string{wellknown.NodePoolLabelKey: "default", "team": "payments"}
	if diff := cmp.Diff(wantLabels, next.Labels); diff != "" {
		t.Errorf("replacement labels (-want +got), want none of what the old launch wrote:\n%s", diff)
	}
	if next.Annotations[tailorv1alpha1.ReplacesAnnotationKey] != "spot-a" || next.Annotations[wellknown.NodePoolHashAnnotationKey] != "abc" {
		t.Errorf("replacement annotations = %v, want replaces spot-a and the nodepool hash", next.Annotations)
	}
	if _, ok := next.Annotations[tailorv1alpha1.PricePerHourAnnotationKey]; ok {
		t.Error("replacement carries the old instance's price")
	}
	if diff := cmp.Diff([]string{wellknown.TerminationFinalizer}, next.Finalizers); diff != "" {
		t.Errorf("replacement finalizers: %s", diff)
	}
	if len(next.OwnerReferences) != 1 || next.OwnerReferences[0].Name != "default" {
		t.Errorf("replacement owners = %v, want the NodePool", next.OwnerReferences)
	}
	if got := e.claim("spot-a").Annotations[tailorv1alpha1.ReplacedByAnnotationKey]; got != "spot-a-r" {
		t.Errorf("old claim replaced-by = %q, want spot-a-r", got)
	}
	events := e.events()
	ev := expectEvent(t, events, corev1.EventTypeWarning, ReasonSpotInterrupted)
	if !strings.Contains(ev, id) || !strings.Contains(ev, "spot-a-r") {
		t.Errorf("event %q does not name the instance and the replacement", ev)
	}
	if len(events) != 2 {
		t.Errorf("events = %q, want one on the claim and one on the node", events)
	}

	// The old node keeps serving until its replacement is up.
	e.clk.Step(30 * time.Second)
	e.poll()
	e.expectNotDeleted("spot-a")

	e.setCondition("spot-a-r", karpv1.ConditionTypeInitialized, metav1.ConditionTrue, "Initialized")
	e.poll()
	e.expectDeleted("spot-a")
	e.expectNotDeleted("spot-a-r")
	expectEvent(t, e.events(), corev1.EventTypeNormal, ReasonReplaced)
}

func TestSpotInterruptionDeletesTheClaimAtTheDeadline(t *testing.T) {
	tests := []struct {
		name        string
		replacement func(e *env)
		want        string
	}{
		{"replacement still launching", func(*env) {}, "did not initialize"},
		{"replacement out of capacity", func(e *env) {
			e.setCondition("spot-a-r", karpv1.ConditionTypeLaunched, metav1.ConditionFalse, tailorv1alpha1.ReasonInsufficientCapacity)
		}, "failed to launch (InsufficientCapacity"},
		{"replacement deleted", func(e *env) {
			if err := e.kube.Delete(e.ctx, e.claim("spot-a-r")); err != nil {
				t.Fatal(err)
			}
			next := e.claim("spot-a-r")
			next.Finalizers = nil
			if err := e.kube.Update(e.ctx, next); err != nil {
				t.Fatal(err)
			}
		}, "is gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := instanceID("1")
			e := newEnv(t, testClaim("spot-a", id, "node-a"), testNode("node-a", id))
			e.sim.SendSpotInterruption(id)
			e.poll()
			tt.replacement(e)
			e.events()

			e.clk.Step(SpotDeadline - time.Second)
			e.poll()
			e.expectNotDeleted("spot-a")

			e.clk.Step(time.Second)
			e.poll()
			e.expectDeleted("spot-a")
			if ev := expectEvent(t, e.events(), corev1.EventTypeWarning, ReasonDeadline); !strings.Contains(ev, tt.want) {
				t.Errorf("event %q, want it to say the replacement %s", ev, tt.want)
			}
		})
	}
}

func TestScheduledChangeReplacesWithoutMarkingTheOffering(t *testing.T) {
	id := instanceID("2")
	e := newEnv(t, testClaim("retiring", id, "node-r"), testNode("node-r", id))

	e.sim.SendScheduledChange(id)
	e.poll()

	e.expectQueueEmpty()
	if e.unavailable.IsUnavailable(testType, testZone, wellknown.CapacityTypeSpot) {
		t.Error("a scheduled change marked the offering unavailable")
	}
	if !hasTaint(e.node("node-r"), wellknown.DisruptedNoScheduleTaint) {
		t.Error("node not cordoned")
	}
	if next := e.claim("retiring-r"); next.Annotations[tailorv1alpha1.ReplacesAnnotationKey] != "retiring" {
		t.Errorf("replacement annotations = %v", next.Annotations)
	}
	ev := expectEvent(t, e.events(), corev1.EventTypeWarning, ReasonScheduledChange)
	if !strings.Contains(ev, "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED") {
		t.Errorf("event %q does not say what is scheduled", ev)
	}

	e.clk.Step(ScheduledChangeDeadline - time.Second)
	e.poll()
	e.expectNotDeleted("retiring")
	e.clk.Step(time.Second)
	e.poll()
	e.expectDeleted("retiring")
}

func TestStateChangeDeletesTheClaimAtOnce(t *testing.T) {
	tests := []struct {
		state  string
		reason string // "" when the claim is kept
	}{
		{"stopping", ReasonStopping},
		{"stopped", ReasonStopping},
		{"shutting-down", ReasonTerminating},
		{"terminated", ReasonTerminating},
		{"running", ""},
		{"pending", ""},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			id := instanceID("3")
			e := newEnv(t, testClaim("gone", id, "node-g"), testNode("node-g", id))

			e.sim.SendStateChange(id, tt.state)
			e.poll()

			e.expectQueueEmpty()
			if len(e.claims()) != 1 {
				t.Errorf("claims = %d, want no replacement", len(e.claims()))
			}
			events := e.events()
			if tt.reason == "" {
				e.expectNotDeleted("gone")
				if len(events) != 0 {
					t.Errorf("events = %q, want none", events)
				}
				return
			}
			e.expectDeleted("gone")
			if ev := expectEvent(t, events, corev1.EventTypeWarning, tt.reason); !strings.Contains(ev, tt.state) {
				t.Errorf("event %q does not name the state", ev)
			}
		})
	}
}

func TestRebalanceRecommendationOnlyRecordsAnEvent(t *testing.T) {
	id := instanceID("4")
	e := newEnv(t, testClaim("spot-b", id, "node-b"), testNode("node-b", id))

	e.sim.SendRebalanceRecommendation(id)
	e.poll()

	e.expectQueueEmpty()
	expectEvent(t, e.events(), corev1.EventTypeNormal, ReasonRebalanceRecommendation)
	expectUntouched(t, e, "spot-b", "node-b")
}

func TestMessageAboutAnotherInstanceIsDeletedAndChangesNothing(t *testing.T) {
	e := newEnv(t, testClaim("ours", instanceID("5"), "node-o"), testNode("node-o", instanceID("5")))

	e.sim.SendSpotInterruption(instanceID("6"))
	e.sim.SendStateChange(instanceID("6"), "terminated")
	e.sim.SendScheduledChange(instanceID("6"))
	e.poll()

	e.expectQueueEmpty()
	if events := e.events(); len(events) != 0 {
		t.Errorf("events = %q, want none", events)
	}
	if e.unavailable.Len() != 0 {
		t.Error("an offering was marked unavailable")
	}
	expectUntouched(t, e, "ours", "node-o")
}

func TestUnparsableAndUnknownMessagesAreDeleted(t *testing.T) {
	id := instanceID("7")
	e := newEnv(t, testClaim("spot-c", id, "node-c"), testNode("node-c", id))
	for _, body := range []string{
		"not json",
		`{"source":"aws.ec2","detail-type":"EC2 Spot Instance Interruption Warning","detail":{"instance-id":"not-an-instance"}}`,
		`{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":"a string"}`,
		`{"source":"aws.autoscaling","detail-type":"EC2 Instance-terminate Lifecycle Action","detail":{}}`,
		`{"source":"aws.health","detail-type":"AWS Health Event","detail":{"service":"RDS","eventTypeCategory":"scheduledChange","affectedEntities":[{"entityValue":"` + id + `"}]}}`,
	} {
		if err := e.sim.SendQueueMessage(testCluster, body); err != nil {
			t.Fatal(err)
		}
	}
	// A good message behind the bad ones is still acted on.
	e.sim.SendStateChange(id, "terminated")
	e.poll()

	e.expectQueueEmpty()
	e.expectDeleted("spot-c")
}

func TestRestartDoesNotReplaceTwice(t *testing.T) {
	id := instanceID("8")
	e := newEnv(t, testClaim("spot-d", id, "node-d"), testNode("node-d", id))
	e.sim.SendSpotInterruption(id)

	// The first leader acts but dies before deleting the message.
	e.ctrl.sqs = failingDeletes{e.clients.SQS}
	if err := e.ctrl.Poll(e.ctx); err == nil {
		t.Fatal("Poll succeeded although the message could not be deleted")
	}
	if len(e.claims()) != 2 {
		t.Fatalf("claims = %d after the first leader, want the claim and its replacement", len(e.claims()))
	}

	// The next leader receives the message again once its visibility timeout ends.
	e.restart()
	e.clk.Step(31 * time.Second)
	e.poll()
	e.expectQueueEmpty()
	if names := claimNames(e.claims()); !cmp.Equal(names, []string{"spot-d", "spot-d-r"}) {
		t.Fatalf("claims = %v, want one replacement", names)
	}

	// It knows, from the annotations alone, that spot-d waits for spot-d-r.
	e.setCondition("spot-d-r", karpv1.ConditionTypeInitialized, metav1.ConditionTrue, "Initialized")
	e.restart()
	e.poll()
	e.expectDeleted("spot-d")
}

func TestRestartKeepsTheDeadline(t *testing.T) {
	id := instanceID("9")
	e := newEnv(t, testClaim("spot-e", id, "node-e"), testNode("node-e", id))
	e.sim.SendSpotInterruption(id)
	e.poll()

	e.restart()
	e.clk.Step(SpotDeadline - time.Second)
	e.poll()
	e.expectNotDeleted("spot-e")
	e.restart()
	e.clk.Step(time.Second)
	e.poll()
	e.expectDeleted("spot-e")
}

func TestReplacementLeftByACrashIsAdopted(t *testing.T) {
	// The previous leader created the replacement and died before annotating the
	// interrupted claim or deleting the message.
	id := instanceID("10")
	old := testClaim("spot-f", id, "node-f")
	left := ReplacementFor(old)
	e := newEnv(t, old, testNode("node-f", id), left)
	e.sim.SendSpotInterruption(id)
	e.poll()

	if names := claimNames(e.claims()); !cmp.Equal(names, []string{"spot-f", "spot-f-r"}) {
		t.Fatalf("claims = %v, want one replacement", names)
	}
	if got := e.claim("spot-f").Annotations[tailorv1alpha1.ReplacedByAnnotationKey]; got != "spot-f-r" {
		t.Errorf("replaced-by = %q", got)
	}
}

func TestStartRetriesSQSErrorsWithBackoff(t *testing.T) {
	id := instanceID("11")
	e := newEnv(t, testClaim("spot-g", id, "node-g"), testNode("node-g", id))
	counting := &countingSQS{SQSAPI: e.clients.SQS}
	ctrl := NewController(e.kube, e.recorder, counting, "not-yet", e.unavailable, e.clk, WithWaitTime(time.Second))
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- ctrl.Start(ctx) }()

	waitFor(t, "first GetQueueUrl and its backoff", func() bool { return counting.lookups.Load() == 1 && e.clk.HasWaiters() })
	e.clk.Step(time.Second)
	waitFor(t, "second GetQueueUrl and its backoff", func() bool { return counting.lookups.Load() == 2 && e.clk.HasWaiters() })
	e.clk.Step(time.Second) // the backoff doubled: not yet
	time.Sleep(50 * time.Millisecond)
	if n := counting.lookups.Load(); n != 2 {
		t.Fatalf("GetQueueUrl called %d times 1 s into a 2 s backoff", n)
	}
	e.clk.Step(time.Second)
	waitFor(t, "third GetQueueUrl", func() bool { return counting.lookups.Load() == 3 && e.clk.HasWaiters() })

	// The queue appears: the loop finds it and acts on what it holds.
	e.sim.CreateQueue("not-yet")
	if err := e.sim.SendQueueMessage("not-yet", stateChangeBody(id, "terminated")); err != nil {
		t.Fatal(err)
	}
	e.clk.Step(4 * time.Second)
	waitFor(t, "the claim deleted", func() bool {
		c := &karpv1.NodeClaim{}
		return client.IgnoreNotFound(e.kube.Get(ctx, client.ObjectKey{Name: "spot-g"}, c)) == nil && c.DeletionTimestamp != nil
	})

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Start returned %v, want nil on shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Start did not return after its context ended")
	}
}

func TestNeedsLeaderElection(t *testing.T) {
	if !(&Controller{}).NeedLeaderElection() {
		t.Fatal("two replicas polling the queue would replace every node twice")
	}
}

// expectUntouched: the claim has no replacement and is kept, its node is not cordoned.
func expectUntouched(t *testing.T, e *env, claim, node string) {
	t.Helper()
	e.expectNotDeleted(claim)
	if names := claimNames(e.claims()); len(names) != 1 {
		t.Errorf("claims = %v, want no replacement", names)
	}
	if _, ok := e.claim(claim).Annotations[tailorv1alpha1.ReplacedByAnnotationKey]; ok {
		t.Error("claim annotated with a replacement")
	}
	if hasTaint(e.node(node), wellknown.DisruptedNoScheduleTaint) {
		t.Error("node cordoned")
	}
}

func hasTaint(node *corev1.Node, taint corev1.Taint) bool {
	for _, t := range node.Spec.Taints {
		if t.MatchTaint(&taint) && t.Value == taint.Value {
			return true
		}
	}
	return false
}

// specJSON is the spec as the API server stores it.
func specJSON(t *testing.T, c *karpv1.NodeClaim) string {
	t.Helper()
	b, err := json.MarshalIndent(c.Spec, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func claimNames(claims []karpv1.NodeClaim) []string {
	var names []string
	for _, c := range claims {
		names = append(names, c.Name)
	}
	return names
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stateChangeBody is the event the simulator sends, for a queue of another name.
func stateChangeBody(id, state string) string {
	return `{"version":"0","id":"e1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",` +
		`"account":"123456789012","time":"2025-03-01T12:00:00Z","region":"us-west-2",` +
		`"resources":["arn:aws:ec2:us-west-2:123456789012:instance/` + id + `"],` +
		`"detail":{"instance-id":"` + id + `","state":"` + state + `"}}`
}

// failingDeletes is SQS whose DeleteMessage fails, like a process dying after acting.
type failingDeletes struct{ SQSAPI }

func (failingDeletes) DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return nil, errors.New("connection reset")
}

// countingSQS counts GetQueueUrl calls.
type countingSQS struct {
	SQSAPI
	lookups atomic.Int32
}

func (c *countingSQS) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, opts ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	c.lookups.Add(1)
	return c.SQSAPI.GetQueueUrl(ctx, in, opts...)
}
