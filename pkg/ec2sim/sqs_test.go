package ec2sim

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// event is the part of an EventBridge event a provider reads.
type event struct {
	Version    string         `json:"version"`
	ID         string         `json:"id"`
	DetailType string         `json:"detail-type"`
	Source     string         `json:"source"`
	Account    string         `json:"account"`
	Time       string         `json:"time"`
	Region     string         `json:"region"`
	Resources  []string       `json:"resources"`
	Detail     map[string]any `json:"detail"`
}

func queueURLOf(t *testing.T, client *sqs.Client, name string) string {
	t.Helper()
	out, err := client.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatalf("GetQueueUrl(%s): %v", name, err)
	}
	return aws.ToString(out.QueueUrl)
}

// receiveOne receives with the parameters a provider uses and expects one message.
func receiveOne(t *testing.T, client *sqs.Client, url string) sqstypes.Message {
	t.Helper()
	out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 20, WaitTimeSeconds: 20,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameSentTimestamp},
	})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("received %d messages, want 1", len(out.Messages))
	}
	return out.Messages[0]
}

func decodeEvent(t *testing.T, msg sqstypes.Message) event {
	t.Helper()
	var e event
	if err := json.Unmarshal([]byte(aws.ToString(msg.Body)), &e); err != nil {
		t.Fatalf("message body %q: %v", aws.ToString(msg.Body), err)
	}
	return e
}

func TestSQSSpotInterruptionIsReceivedAndDeleted(t *testing.T) {
	sim, c := startAux(t, Options{ClusterName: "demo"})
	url := queueURLOf(t, c.sqs, "demo")
	if !strings.HasSuffix(url, "/123456789012/demo") {
		t.Fatalf("queue URL = %s", url)
	}
	sim.SendSpotInterruption("i-0123456789abcdef0")
	msg := receiveOne(t, c.sqs, url)
	e := decodeEvent(t, msg)
	if e.DetailType != "EC2 Spot Instance Interruption Warning" || e.Source != "aws.ec2" || e.Region != "us-west-2" ||
		e.Version != "0" || e.Account != "123456789012" || e.ID == "" ||
		e.Detail["instance-id"] != "i-0123456789abcdef0" || e.Detail["instance-action"] != "terminate" ||
		len(e.Resources) != 1 || e.Resources[0] != "arn:aws:ec2:us-west-2:123456789012:instance/i-0123456789abcdef0" {
		t.Fatalf("event = %+v", e)
	}
	if _, err := time.Parse(time.RFC3339, e.Time); err != nil {
		t.Fatalf("time %q: %v", e.Time, err)
	}
	if msg.Attributes["SentTimestamp"] == "" {
		t.Fatalf("attributes = %v, want SentTimestamp", msg.Attributes)
	}
	if _, err := c.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: msg.ReceiptHandle}); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if n := sim.QueueDepth("demo"); n != 0 {
		t.Fatalf("queue depth = %d after delete, want 0", n)
	}
}

func TestSQSOtherEvents(t *testing.T) {
	sim, c := startAux(t, Options{})
	url := queueURLOf(t, c.sqs, "sim-cluster")
	tests := []struct {
		send       func()
		source     string
		detailType string
		check      func(d map[string]any) bool
	}{
		{func() { sim.SendRebalanceRecommendation("i-1") }, "aws.ec2", "EC2 Instance Rebalance Recommendation",
			func(d map[string]any) bool { return d["instance-id"] == "i-1" }},
		{func() { sim.SendStateChange("i-2", "stopping") }, "aws.ec2", "EC2 Instance State-change Notification",
			func(d map[string]any) bool { return d["instance-id"] == "i-2" && d["state"] == "stopping" }},
		{func() { sim.SendScheduledChange("i-3") }, "aws.health", "AWS Health Event", func(d map[string]any) bool {
			entities, _ := d["affectedEntities"].([]any)
			first, _ := entities[0].(map[string]any)
			return d["service"] == "EC2" && d["eventTypeCategory"] == "scheduledChange" && first["entityValue"] == "i-3"
		}},
	}
	for _, tt := range tests {
		tt.send()
		msg := receiveOne(t, c.sqs, url)
		e := decodeEvent(t, msg)
		if e.Source != tt.source || e.DetailType != tt.detailType || !tt.check(e.Detail) {
			t.Fatalf("event = %+v", e)
		}
		_, _ = c.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: msg.ReceiptHandle})
	}
}

func TestSQSVisibilityTimeout(t *testing.T) {
	clock := newEC2Clock()
	sim, c := startAux(t, Options{Now: clock.Now})
	sim.CreateQueue("q")
	url := queueURLOf(t, c.sqs, "q")
	if err := sim.SendQueueMessage("q", "hello"); err != nil {
		t.Fatal(err)
	}
	first := receiveOne(t, c.sqs, url)
	out, err := c.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	if err != nil || len(out.Messages) != 0 {
		t.Fatalf("while in flight: %d messages, %v; want none", len(out.Messages), err)
	}
	clock.Advance(21 * time.Second)
	out, err = c.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"},
	})
	if err != nil || len(out.Messages) != 1 || out.Messages[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after the timeout: %+v, %v; want the message received a second time", out, err)
	}
	if aws.ToString(out.Messages[0].ReceiptHandle) == aws.ToString(first.ReceiptHandle) {
		t.Fatal("receipt handle reused")
	}
}

func TestSQSLongPollWakesOnSend(t *testing.T) {
	sim, c := startAux(t, Options{})
	url := queueURLOf(t, c.sqs, "sim-cluster")
	go func() {
		time.Sleep(100 * time.Millisecond)
		sim.SendSpotInterruption("i-9")
	}()
	start := time.Now()
	msg := receiveOne(t, c.sqs, url)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("long poll took %v", elapsed)
	}
	if decodeEvent(t, msg).Detail["instance-id"] != "i-9" {
		t.Fatalf("wrong message %s", aws.ToString(msg.Body))
	}
	empty, err := c.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
	if err != nil || len(empty.Messages) != 0 {
		t.Fatalf("empty poll: %+v, %v", empty, err)
	}
}

func TestSQSErrors(t *testing.T) {
	_, c := startAux(t, Options{})
	_, err := c.sqs.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	var missing *sqstypes.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Fatalf("GetQueueUrl error = %v, want QueueDoesNotExist", err)
	}
	// SQS is query compatible: the legacy code in X-Amzn-Query-Error becomes the
	// error code, as with the real service.
	if code := apiErrorCode(err); code != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Fatalf("error code = %s", code)
	}
	url := queueURLOf(t, c.sqs, "sim-cluster")
	_, err = c.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("bogus")})
	var invalid *sqstypes.ReceiptHandleIsInvalid
	if !errors.As(err, &invalid) {
		t.Fatalf("DeleteMessage error = %v, want ReceiptHandleIsInvalid", err)
	}
}

func TestSQSSendAndCreateThroughTheAPI(t *testing.T) {
	sim, c := startAux(t, Options{})
	created, err := c.sqs.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("other")})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	if _, err := c.sqs.SendMessage(context.Background(), &sqs.SendMessageInput{
		QueueUrl: created.QueueUrl, MessageBody: aws.String(`{"hello":"world"}`),
	}); err != nil {
		t.Fatalf("SendMessage: %v", err) // the SDK checks the body's MD5
	}
	if msg := receiveOne(t, c.sqs, aws.ToString(created.QueueUrl)); aws.ToString(msg.Body) != `{"hello":"world"}` {
		t.Fatalf("body = %s", aws.ToString(msg.Body))
	}
	sim.SetThrottleRate(1)
	_, err = c.sqs.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("other")})
	if apiErrorCode(err) != "ThrottlingException" || sim.Calls("AmazonSQS.GetQueueUrl") != 1 {
		t.Fatalf("error = %v, calls = %d; want ThrottlingException once", err, sim.Calls("AmazonSQS.GetQueueUrl"))
	}
}
