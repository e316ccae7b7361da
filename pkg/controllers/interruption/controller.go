// Package interruption acts on the EC2 events EventBridge delivers to an SQS
// queue: spot interruption warnings and scheduled changes replace the node before
// it goes, instance stops and terminations delete its NodeClaim at once, rebalance
// recommendations are recorded. Decide and DecideWaiting choose the commands from
// a message and a snapshot of the NodeClaims; the Controller polls the queue and
// performs them.
package interruption

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/go-logr/logr"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// Name is the controller's name in logs.
const Name = "interruption"

const (
	// WaitTime is how long a ReceiveMessage waits for a message: SQS's maximum, so
	// an idle queue costs three calls a minute.
	WaitTime = 20 * time.Second
	// RecheckInterval caps the wait while a replacement is awaited, so that the old
	// claim is deleted within seconds of its replacement initializing or its deadline.
	RecheckInterval = 5 * time.Second
	// maxMessages is the most SQS returns per ReceiveMessage.
	maxMessages = 10
	// Backoff after a failed pass starts at minBackoff and doubles up to maxBackoff:
	// a missing queue or lost credentials are not fixed in a second.
	minBackoff = time.Second
	maxBackoff = time.Minute
)

// SQSAPI lists the SQS calls the controller makes; *sqs.Client satisfies it.
type SQSAPI interface {
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// UnavailableMarker remembers offerings that lack capacity; *unavailable.Cache
// satisfies it.
type UnavailableMarker interface {
	MarkUnavailable(reason, instanceType, zone, capacityType string)
}

var (
	_ SQSAPI                         = (*sqs.Client)(nil)
	_ manager.Runnable               = (*Controller)(nil)
	_ manager.LeaderElectionRunnable = (*Controller)(nil)
)

// Option configures a Controller.
type Option func(*Controller)

// WithWaitTime sets how long a ReceiveMessage waits (whole seconds, at most
// WaitTime); 0 makes every receive return at once, for tests.
func WithWaitTime(d time.Duration) Option { return func(c *Controller) { c.wait = d } }

// Controller polls the interruption queue, one replica at a time (it needs leader
// election).
type Controller struct {
	kube        client.Client
	recorder    record.EventRecorder
	sqs         SQSAPI
	queueName   string
	unavailable UnavailableMarker
	clk         clock.Clock
	wait        time.Duration
	logger      logr.Logger

	queueURL string
	// waiting holds the interrupted claims awaiting their replacement, by name. It
	// is rebuilt from the claims' annotations on every pass (so a restart loses
	// nothing) and written by the executor (so a cache that lags loses nothing).
	// Only the Start goroutine uses it.
	waiting map[string]Waiting
}

// NewController builds the controller for the queue named queueName.
func NewController(kube client.Client, recorder record.EventRecorder, sqsAPI SQSAPI, queueName string, unavailable UnavailableMarker, clk clock.Clock, opts ...Option) *Controller {
	c := &Controller{kube: kube, recorder: recorder, sqs: sqsAPI, queueName: queueName, unavailable: unavailable,
		clk: clk, wait: WaitTime, waiting: map[string]Waiting{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Register adds the controller to mgr.
func (c *Controller) Register(mgr manager.Manager) error {
	c.logger = mgr.GetLogger()
	return mgr.Add(c)
}

// NeedLeaderElection is true: two replicas would replace each node twice.
func (c *Controller) NeedLeaderElection() bool { return true }

// Start polls the queue until ctx ends. A failed pass (SQS, or listing the
// claims) is logged and retried with backoff; it never stops the loop.
func (c *Controller) Start(ctx context.Context) error {
	logger := log.FromContext(ctx)
	if c.logger.GetSink() != nil { // the manager's context carries no logger
		logger = c.logger
	}
	logger = logger.WithName(Name).WithValues("queue", c.queueName)
	ctx = log.IntoContext(ctx, logger)
	logger.Info("started polling interruption queue")
	var backoff time.Duration
	for ctx.Err() == nil {
		err := c.Poll(ctx)
		if ctx.Err() != nil {
			break
		}
		if err == nil {
			backoff = 0
			continue
		}
		backoff = min(max(2*backoff, minBackoff), maxBackoff)
		logger.Error(err, "polling interruption queue failed", "retryIn", backoff)
		select {
		case <-ctx.Done():
		case <-c.clk.After(backoff):
		}
	}
	logger.Info("stopped polling interruption queue")
	return nil
}

// Poll is one pass: receive messages, act on each and delete it, then delete the
// interrupted claims that have waited long enough for their replacement.
func (c *Controller) Poll(ctx context.Context) error {
	url, err := c.resolveQueueURL(ctx)
	if err != nil {
		return err
	}
	wait := c.wait
	if len(c.waiting) > 0 {
		wait = min(wait, RecheckInterval)
	}
	out, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(url),
		MaxNumberOfMessages: maxMessages,
		WaitTimeSeconds:     int32(min(wait, WaitTime) / time.Second),
	})
	if err != nil {
		return fmt.Errorf("receiving messages from queue %s, %w", c.queueName, err)
	}
	snap, err := c.snapshot(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range out.Messages {
		if err := c.handle(ctx, url, m, snap); err != nil {
			errs = append(errs, err)
		}
	}
	if len(out.Messages) > 0 {
		if snap, err = c.snapshot(ctx); err != nil {
			return errors.Join(append(errs, err)...)
		}
	}
	if err := c.execute(ctx, DecideWaiting(snap)); err != nil {
		log.FromContext(ctx).Error(err, "deleting replaced nodeclaims failed; retrying on the next pass")
	}
	return errors.Join(errs...)
}

// handle acts on one message and deletes it; it returns only SQS errors. A message
// whose commands fail stays in the queue and is received again after its
// visibility timeout.
func (c *Controller) handle(ctx context.Context, url string, m sqstypes.Message, snap Snapshot) error {
	logger := log.FromContext(ctx).WithValues("messageID", aws.ToString(m.MessageId))
	msg, err := Parse(aws.ToString(m.Body))
	d := Decision{Action: ActionIgnore}
	switch {
	case err != nil:
		logger.Info("deleting unparsable message", "error", err.Error())
	case msg.Kind == KindUnknown:
		logger.Info("deleting message of unhandled kind", "eventID", msg.ID, "source", msg.Source, "detailType", msg.DetailType)
	default:
		d = Decide(msg, snap)
		logger = logger.WithValues("kind", msg.Kind, "instances", msg.InstanceIDs, "action", d.Action)
		if err := c.execute(log.IntoContext(ctx, logger), d.Commands); err != nil {
			messagesTotal.WithLabelValues(string(msg.Kind), string(ActionFailed)).Inc()
			logger.Error(err, "handling interruption message failed; it is received again after its visibility timeout")
			return nil
		}
		if d.Action == ActionIgnore {
			logger.V(1).Info("deleting message about no nodeclaim of ours, or a duplicate")
		} else {
			logger.Info("handled interruption message")
		}
	}
	messagesTotal.WithLabelValues(string(msg.Kind), string(d.Action)).Inc()
	if _, err := c.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
		return fmt.Errorf("deleting message %s from queue %s, %w", aws.ToString(m.MessageId), c.queueName, err)
	}
	return nil
}

// resolveQueueURL looks the queue URL up once.
func (c *Controller) resolveQueueURL(ctx context.Context) (string, error) {
	if c.queueURL != "" {
		return c.queueURL, nil
	}
	out, err := c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(c.queueName)})
	if err != nil {
		return "", fmt.Errorf("getting url of queue %s (does it exist in this account and region?), %w", c.queueName, err)
	}
	c.queueURL = aws.ToString(out.QueueUrl)
	return c.queueURL, nil
}

// snapshot lists the claims and refreshes the waiting claims from them.
func (c *Controller) snapshot(ctx context.Context) (Snapshot, error) {
	list := &karpv1.NodeClaimList{}
	if err := c.kube.List(ctx, list); err != nil {
		return Snapshot{}, fmt.Errorf("listing nodeclaims, %w", err)
	}
	snap := NewSnapshot(c.clk.Now(), list.Items, c.waiting)
	c.waiting = snap.Waiting
	return snap, nil
}
