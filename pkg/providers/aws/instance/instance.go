// Package instance launches, finds and terminates EC2 instances for NodeClaims:
// one CreateFleet (type instant) per claim with the price-ordered instance types as
// overrides, with concurrent calls batched.
package instance

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// Instance is what the provider knows of an EC2 instance.
type Instance struct {
	ID           string
	Type         string
	Zone         string
	CapacityType string
	ImageID      string
	SubnetID     string
	State        string
	LaunchTime   time.Time
	Tags         map[string]string
}

// ProviderID is the Kubernetes providerID of the instance's node.
func (i *Instance) ProviderID() string { return fmt.Sprintf("aws:///%s/%s", i.Zone, i.ID) }

// ParseProviderID returns the instance id of aws:///<zone>/<id>.
func ParseProviderID(providerID string) (string, error) {
	rest, ok := strings.CutPrefix(providerID, "aws:///")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 2 || !strings.HasPrefix(parts[1], "i-") {
		return "", fmt.Errorf("parsing providerID %q, want aws:///<zone>/<instance-id>", providerID)
	}
	return parts[1], nil
}

// gone reports whether the instance is terminated or about to be.
func (i *Instance) gone() bool {
	return i.State == string(ec2types.InstanceStateNameTerminated) || i.State == string(ec2types.InstanceStateNameShuttingDown)
}

func fromEC2(in ec2types.Instance) *Instance {
	out := &Instance{
		ID:           aws.ToString(in.InstanceId),
		Type:         string(in.InstanceType),
		ImageID:      aws.ToString(in.ImageId),
		SubnetID:     aws.ToString(in.SubnetId),
		LaunchTime:   aws.ToTime(in.LaunchTime),
		Tags:         map[string]string{},
		CapacityType: wellknown.CapacityTypeOnDemand,
	}
	if in.Placement != nil {
		out.Zone = aws.ToString(in.Placement.AvailabilityZone)
	}
	if in.State != nil {
		out.State = string(in.State.Name)
	}
	if in.InstanceLifecycle == ec2types.InstanceLifecycleTypeSpot {
		out.CapacityType = wellknown.CapacityTypeSpot
	}
	for _, t := range in.Tags {
		out.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}
