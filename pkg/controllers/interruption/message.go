package interruption

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Kind is what an interruption message announces. The values are metric labels.
type Kind string

// Message kinds.
const (
	KindSpotInterruption        Kind = "spot_interruption"
	KindRebalanceRecommendation Kind = "rebalance_recommendation"
	KindScheduledChange         Kind = "scheduled_change"
	KindStateChange             Kind = "state_change"
	// KindUnknown is a well-formed event this controller does not act on (another
	// detail type, a Health event of another service or category).
	KindUnknown Kind = "unknown"
	// KindUnparsable is a body that is not an EventBridge event.
	KindUnparsable Kind = "unparsable"
)

// EventBridge sources and detail types of the events the queue receives.
const (
	sourceEC2    = "aws.ec2"
	sourceHealth = "aws.health"

	detailSpotInterruption = "EC2 Spot Instance Interruption Warning"
	detailRebalance        = "EC2 Instance Rebalance Recommendation"
	detailStateChange      = "EC2 Instance State-change Notification"
	detailHealth           = "AWS Health Event"

	healthServiceEC2      = "EC2"
	healthScheduledChange = "scheduledChange"
)

// Message is an interruption event, reduced to what the decision needs.
type Message struct {
	Kind Kind
	// InstanceIDs the event is about: one for EC2 events, the affected entities
	// that are instances for a Health event.
	InstanceIDs []string
	// State is the new instance state of a state-change notification.
	State string
	// EventTypeCode of a Health event, e.g. AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED.
	EventTypeCode string
	// Time the event was emitted; zero when the event did not say.
	Time time.Time
	// ID, Source and DetailType of the EventBridge event, for logs.
	ID, Source, DetailType string
}

// event is the EventBridge envelope.
type event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       string          `json:"time"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// ec2Detail is the detail of the EC2 events (spot warning, rebalance, state change).
type ec2Detail struct {
	InstanceID     string `json:"instance-id"`
	InstanceAction string `json:"instance-action"`
	State          string `json:"state"`
}

// healthDetail is the detail of an AWS Health event.
type healthDetail struct {
	Service           string `json:"service"`
	EventTypeCode     string `json:"eventTypeCode"`
	EventTypeCategory string `json:"eventTypeCategory"`
	AffectedEntities  []struct {
		EntityValue string `json:"entityValue"`
	} `json:"affectedEntities"`
}

// Parse reads an SQS message body. It fails when the body is not an EventBridge
// event or an event this controller acts on lacks its instance; a well-formed event
// of another kind is KindUnknown.
func Parse(body string) (Message, error) {
	var e event
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return Message{Kind: KindUnparsable}, fmt.Errorf("decoding eventbridge event, %w", err)
	}
	if e.Source == "" || e.DetailType == "" {
		return Message{Kind: KindUnparsable}, fmt.Errorf("decoding eventbridge event, no source or detail-type")
	}
	msg := Message{Kind: KindUnknown, ID: e.ID, Source: e.Source, DetailType: e.DetailType}
	if t, err := time.Parse(time.RFC3339, e.Time); err == nil {
		msg.Time = t
	}
	switch {
	case e.Source == sourceEC2 && (e.DetailType == detailSpotInterruption || e.DetailType == detailRebalance || e.DetailType == detailStateChange):
		var d ec2Detail
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			return Message{Kind: KindUnparsable}, fmt.Errorf("decoding detail of %q event %s, %w", e.DetailType, e.ID, err)
		}
		if !isInstanceID(d.InstanceID) {
			return Message{Kind: KindUnparsable}, fmt.Errorf("decoding detail of %q event %s, instance-id %q is not an instance id", e.DetailType, e.ID, d.InstanceID)
		}
		msg.InstanceIDs = []string{d.InstanceID}
		switch e.DetailType {
		case detailSpotInterruption:
			msg.Kind = KindSpotInterruption
		case detailRebalance:
			msg.Kind = KindRebalanceRecommendation
		case detailStateChange:
			if d.State == "" {
				return Message{Kind: KindUnparsable}, fmt.Errorf("decoding detail of %q event %s, no state", e.DetailType, e.ID)
			}
			msg.Kind, msg.State = KindStateChange, d.State
		}
	case e.Source == sourceHealth && e.DetailType == detailHealth:
		var d healthDetail
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			return Message{Kind: KindUnparsable}, fmt.Errorf("decoding detail of health event %s, %w", e.ID, err)
		}
		if d.Service != healthServiceEC2 || d.EventTypeCategory != healthScheduledChange {
			return msg, nil
		}
		for _, entity := range d.AffectedEntities {
			if isInstanceID(entity.EntityValue) {
				msg.InstanceIDs = append(msg.InstanceIDs, entity.EntityValue)
			}
		}
		if len(msg.InstanceIDs) == 0 {
			return msg, nil
		}
		msg.Kind, msg.EventTypeCode = KindScheduledChange, d.EventTypeCode
	}
	return msg, nil
}

func isInstanceID(s string) bool { return strings.HasPrefix(s, "i-") && len(s) > 2 }
