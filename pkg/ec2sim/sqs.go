package ec2sim

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// sqsMaxWait caps ReceiveMessage's WaitTimeSeconds (SQS allows 20 seconds) so that
// tests polling the queue do not stall.
var sqsMaxWait = 2 * time.Second

const sqsDefaultVisibility = 30 * time.Second

type sqsMessage struct {
	id           string
	body         string
	md5          string
	sent         time.Time
	visibleAt    time.Time
	receives     int
	firstReceive time.Time
}

type sqsQueue struct {
	name     string
	messages []*sqsMessage
	// handles maps every receipt handle given out to its message id.
	handles map[string]string
	// wake is closed (and replaced) when a message is added, to end long polls.
	wake chan struct{}
}

func newSQSQueue(name string) *sqsQueue {
	return &sqsQueue{name: name, handles: map[string]string{}, wake: make(chan struct{})}
}

// CreateQueue creates an empty SQS queue; creating an existing queue does nothing.
func (s *Simulator) CreateQueue(name string) {
	a := s.aux
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.queues[name]; !ok {
		a.queues[name] = newSQSQueue(name)
	}
}

// SendQueueMessage adds a message with body to a queue.
func (s *Simulator) SendQueueMessage(queue, body string) error {
	_, err := s.aux.enqueue(queue, body, 0)
	if err != nil {
		return fmt.Errorf("%s", err.message)
	}
	return nil
}

// QueueDepth is how many messages a queue holds, visible or in flight; -1 when the
// queue does not exist.
func (s *Simulator) QueueDepth(queue string) int {
	a := s.aux
	a.mu.Lock()
	defer a.mu.Unlock()
	q, ok := a.queues[queue]
	if !ok {
		return -1
	}
	return len(q.messages)
}

func (a *auxState) enqueue(queue, body string, delay time.Duration) (*sqsMessage, *jsonError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q, ok := a.queues[queue]
	if !ok {
		return nil, errNoSuchQueue()
	}
	sum := md5.Sum([]byte(body))
	now := a.now()
	m := &sqsMessage{id: auxUUID(), body: body, md5: hex.EncodeToString(sum[:]), sent: now, visibleAt: now.Add(delay)}
	q.messages = append(q.messages, m)
	close(q.wake)
	q.wake = make(chan struct{})
	return m, nil
}

func errNoSuchQueue() *jsonError {
	return &jsonError{status: http.StatusBadRequest, code: "QueueDoesNotExist",
		message: "The specified queue does not exist.", queryCode: "AWS.SimpleQueueService.NonExistentQueue"}
}

func (s *Simulator) serveSQS(w http.ResponseWriter, r *http.Request, action string) {
	s.serveJSON(w, r, sqsProtocol, action, map[string]jsonHandler{
		"GetQueueUrl":    s.sqsGetQueueURL,
		"CreateQueue":    s.sqsCreateQueue,
		"SendMessage":    s.sqsSendMessage,
		"ReceiveMessage": s.sqsReceiveMessage,
		"DeleteMessage":  s.sqsDeleteMessage,
	})
}

// queueURL is the URL of a queue as served to the caller: the simulator's own
// address, the account and the queue name, like https://sqs.<region>.amazonaws.com/<account>/<name>.
func queueURL(r *http.Request, name string) string {
	return "http://" + r.Host + "/" + auxAccountID + "/" + name
}

// queueName takes the queue name out of a queue URL (its last path segment).
func queueName(url string) string {
	return url[strings.LastIndex(url, "/")+1:]
}

func (s *Simulator) sqsGetQueueURL(r *http.Request, body []byte) (any, *jsonError) {
	var in struct {
		QueueName string `json:"QueueName"`
	}
	if err := decodeJSONBody(body, &in); err != nil {
		return nil, err
	}
	s.aux.mu.Lock()
	_, ok := s.aux.queues[in.QueueName]
	s.aux.mu.Unlock()
	if !ok {
		return nil, errNoSuchQueue()
	}
	return map[string]string{"QueueUrl": queueURL(r, in.QueueName)}, nil
}

func (s *Simulator) sqsCreateQueue(r *http.Request, body []byte) (any, *jsonError) {
	var in struct {
		QueueName string `json:"QueueName"`
	}
	if err := decodeJSONBody(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, &jsonError{status: http.StatusBadRequest, code: "InvalidParameterValue",
			message: "QueueName is required", queryCode: "InvalidParameterValue"}
	}
	s.CreateQueue(in.QueueName)
	return map[string]string{"QueueUrl": queueURL(r, in.QueueName)}, nil
}

func (s *Simulator) sqsSendMessage(_ *http.Request, body []byte) (any, *jsonError) {
	var in struct {
		QueueURL     string `json:"QueueUrl"`
		MessageBody  string `json:"MessageBody"`
		DelaySeconds int    `json:"DelaySeconds"`
	}
	if err := decodeJSONBody(body, &in); err != nil {
		return nil, err
	}
	m, err := s.aux.enqueue(queueName(in.QueueURL), in.MessageBody, time.Duration(in.DelaySeconds)*time.Second)
	if err != nil {
		return nil, err
	}
	return map[string]string{"MessageId": m.id, "MD5OfMessageBody": m.md5}, nil
}

type receiveMessageInput struct {
	QueueURL                    string   `json:"QueueUrl"`
	MaxNumberOfMessages         int      `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int     `json:"VisibilityTimeout"`
	WaitTimeSeconds             int      `json:"WaitTimeSeconds"`
	AttributeNames              []string `json:"AttributeNames"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
}

// sqsMessageOut is the wire form of types.Message.
type sqsMessageOut struct {
	MessageID     string            `json:"MessageId"`
	ReceiptHandle string            `json:"ReceiptHandle"`
	MD5OfBody     string            `json:"MD5OfBody"`
	Body          string            `json:"Body"`
	Attributes    map[string]string `json:"Attributes,omitempty"`
}

// sqsReceiveMessage long-polls: it waits up to WaitTimeSeconds (capped at
// sqsMaxWait) for a visible message, waking as soon as one is sent.
func (s *Simulator) sqsReceiveMessage(r *http.Request, body []byte) (any, *jsonError) {
	var in receiveMessageInput
	if err := decodeJSONBody(body, &in); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(min(time.Duration(in.WaitTimeSeconds)*time.Second, sqsMaxWait))
	for {
		msgs, wake, err := s.aux.receive(in)
		if err != nil {
			return nil, err
		}
		remaining := time.Until(deadline)
		if len(msgs) > 0 || remaining <= 0 {
			return map[string]any{"Messages": msgs}, nil
		}
		select {
		case <-wake:
		case <-time.After(min(remaining, 50*time.Millisecond)):
		case <-r.Context().Done():
			return map[string]any{"Messages": msgs}, nil
		}
	}
}

// receive takes up to MaxNumberOfMessages visible messages, hiding each for the
// visibility timeout. It also returns the queue's wake channel for long polling.
func (a *auxState) receive(in receiveMessageInput) ([]sqsMessageOut, <-chan struct{}, *jsonError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q, ok := a.queues[queueName(in.QueueURL)]
	if !ok {
		return nil, nil, errNoSuchQueue()
	}
	limit := min(max(in.MaxNumberOfMessages, 1), 10)
	visibility := sqsDefaultVisibility
	if in.VisibilityTimeout != nil {
		visibility = time.Duration(*in.VisibilityTimeout) * time.Second
	}
	names := append(append([]string{}, in.AttributeNames...), in.MessageSystemAttributeNames...)
	now := a.now()
	out := []sqsMessageOut{}
	for _, m := range q.messages {
		if len(out) == limit {
			break
		}
		if m.visibleAt.After(now) {
			continue
		}
		m.receives++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		m.visibleAt = now.Add(visibility)
		handle := fmt.Sprintf("%s#%d#%s", q.name, a.nextSeq(), m.id)
		q.handles[handle] = m.id
		out = append(out, sqsMessageOut{MessageID: m.id, ReceiptHandle: handle, MD5OfBody: m.md5, Body: m.body,
			Attributes: messageAttributes(m, names)})
	}
	return out, q.wake, nil
}

// messageAttributes are the system attributes asked for ("All" or by name).
func messageAttributes(m *sqsMessage, names []string) map[string]string {
	all := map[string]string{
		"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
		"ApproximateReceiveCount":          strconv.Itoa(m.receives),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
		"SenderId":                         auxAccountID,
	}
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all
		}
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (s *Simulator) sqsDeleteMessage(_ *http.Request, body []byte) (any, *jsonError) {
	var in struct {
		QueueURL      string `json:"QueueUrl"`
		ReceiptHandle string `json:"ReceiptHandle"`
	}
	if err := decodeJSONBody(body, &in); err != nil {
		return nil, err
	}
	a := s.aux
	a.mu.Lock()
	defer a.mu.Unlock()
	q, ok := a.queues[queueName(in.QueueURL)]
	if !ok {
		return nil, errNoSuchQueue()
	}
	id, ok := q.handles[in.ReceiptHandle]
	if !ok {
		return nil, &jsonError{status: http.StatusNotFound, code: "ReceiptHandleIsInvalid",
			message: "The input receipt handle is invalid.", queryCode: "ReceiptHandleIsInvalid"}
	}
	// Deleting a message already deleted (through another handle) succeeds, as in SQS.
	for i, m := range q.messages {
		if m.id == id {
			q.messages = append(q.messages[:i], q.messages[i+1:]...)
			break
		}
	}
	return struct{}{}, nil
}

// Interruption events, as EventBridge delivers them to the interruption queue.

// SendSpotInterruption enqueues on the cluster's queue the two-minute warning EC2
// sends before reclaiming a spot instance.
func (s *Simulator) SendSpotInterruption(instanceID string) {
	s.sendEvent("aws.ec2", "EC2 Spot Instance Interruption Warning", []string{s.instanceARN(instanceID)},
		map[string]any{"instance-id": instanceID, "instance-action": "terminate"})
}

// SendRebalanceRecommendation enqueues an EC2 Instance Rebalance Recommendation.
func (s *Simulator) SendRebalanceRecommendation(instanceID string) {
	s.sendEvent("aws.ec2", "EC2 Instance Rebalance Recommendation", []string{s.instanceARN(instanceID)},
		map[string]any{"instance-id": instanceID})
}

// SendStateChange enqueues an EC2 Instance State-change Notification, state being
// "pending", "running", "stopping", "stopped", "shutting-down" or "terminated".
func (s *Simulator) SendStateChange(instanceID, state string) {
	s.sendEvent("aws.ec2", "EC2 Instance State-change Notification", []string{s.instanceARN(instanceID)},
		map[string]any{"instance-id": instanceID, "state": state})
}

// SendScheduledChange enqueues an AWS Health event announcing the scheduled
// retirement of an instance (category scheduledChange, service EC2).
func (s *Simulator) SendScheduledChange(instanceID string) {
	now := s.aux.now().UTC()
	code := "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED"
	detail := map[string]any{
		"eventArn":          "arn:aws:health:" + s.aux.region + "::event/EC2/" + code + "/" + code + "_" + auxUUID(),
		"service":           "EC2",
		"eventTypeCode":     code,
		"eventTypeCategory": "scheduledChange",
		"startTime":         now.Add(72 * time.Hour).Format(http.TimeFormat),
		"endTime":           now.Add(96 * time.Hour).Format(http.TimeFormat),
		"eventDescription": []map[string]string{{
			"language":          "en_US",
			"latestDescription": "EC2 has detected degradation of the underlying hardware hosting your instance and it is scheduled for retirement.",
		}},
		"affectedEntities": []map[string]string{{"entityValue": instanceID}},
	}
	s.sendEvent("aws.health", "AWS Health Event", []string{instanceID}, detail)
}

func (s *Simulator) instanceARN(instanceID string) string {
	return "arn:aws:ec2:" + s.aux.region + ":" + auxAccountID + ":instance/" + instanceID
}

// sendEvent enqueues an EventBridge event on the cluster's queue.
func (s *Simulator) sendEvent(source, detailType string, resources []string, detail any) {
	event := map[string]any{
		"version":     "0",
		"id":          auxUUID(),
		"detail-type": detailType,
		"source":      source,
		"account":     auxAccountID,
		"time":        s.aux.now().UTC().Format(time.RFC3339),
		"region":      s.aux.region,
		"resources":   resources,
		"detail":      detail,
	}
	body, _ := json.Marshal(event)
	s.CreateQueue(s.aux.clusterName)
	_, _ = s.aux.enqueue(s.aux.clusterName, string(body), 0)
}
