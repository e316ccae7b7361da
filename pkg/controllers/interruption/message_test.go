package interruption

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    Message
		wantErr bool
	}{
		{name: "spot interruption warning",
			body: `{"version":"0","id":"1e5527d7","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2","account":"123456789012","time":"2025-03-01T12:00:00Z","region":"us-east-2","resources":["arn:aws:ec2:us-east-2:123456789012:instance/i-1234567890abcdef0"],"detail":{"instance-id":"i-1234567890abcdef0","instance-action":"terminate"}}`,
			want: Message{Kind: KindSpotInterruption, InstanceIDs: []string{"i-1234567890abcdef0"}, Time: testStart}},
		{name: "rebalance recommendation",
			body: `{"version":"0","id":"2","detail-type":"EC2 Instance Rebalance Recommendation","source":"aws.ec2","time":"2025-03-01T12:00:00Z","detail":{"instance-id":"i-1"}}`,
			want: Message{Kind: KindRebalanceRecommendation, InstanceIDs: []string{"i-1"}, Time: testStart}},
		{name: "state change",
			body: `{"version":"0","id":"3","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"instance-id":"i-2","state":"shutting-down"}}`,
			want: Message{Kind: KindStateChange, InstanceIDs: []string{"i-2"}, State: "shutting-down"}},
		{name: "scheduled retirement of two instances and a volume",
			body: `{"version":"0","id":"4","detail-type":"AWS Health Event","source":"aws.health","detail":{"service":"EC2","eventTypeCode":"AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED","eventTypeCategory":"scheduledChange","affectedEntities":[{"entityValue":"i-3"},{"entityValue":"vol-1"},{"entityValue":"i-4"}]}}`,
			want: Message{Kind: KindScheduledChange, InstanceIDs: []string{"i-3", "i-4"}, EventTypeCode: "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED"}},
		{name: "health issue, not a scheduled change",
			body: `{"id":"5","detail-type":"AWS Health Event","source":"aws.health","detail":{"service":"EC2","eventTypeCategory":"issue","affectedEntities":[{"entityValue":"i-3"}]}}`,
			want: Message{Kind: KindUnknown}},
		{name: "other detail type",
			body: `{"id":"6","detail-type":"EC2 AMI State Change","source":"aws.ec2","detail":{}}`,
			want: Message{Kind: KindUnknown}},
		{name: "not json", body: `hello`, wantErr: true},
		{name: "json, not an event", body: `{"hello":"world"}`, wantErr: true},
		{name: "spot warning without an instance",
			body: `{"detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2","detail":{}}`, wantErr: true},
		{name: "state change without a state",
			body: `{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"instance-id":"i-1"}}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.body)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if got.Kind != KindUnparsable {
					t.Errorf("kind = %s, want %s", got.Kind, KindUnparsable)
				}
				return
			}
			if got.Kind != tt.want.Kind || !slices.Equal(got.InstanceIDs, tt.want.InstanceIDs) || got.State != tt.want.State ||
				got.EventTypeCode != tt.want.EventTypeCode || !got.Time.Equal(tt.want.Time) {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
		})
	}
}
