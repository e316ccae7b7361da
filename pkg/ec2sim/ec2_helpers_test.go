package ec2sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// startEC2 starts a simulator for the test and returns it with a real SDK EC2
// client pointed at it.
func startEC2(t *testing.T, opts Options) (*Simulator, *ec2.Client) {
	t.Helper()
	sim := New(opts)
	t.Cleanup(sim.Close)
	return sim, newEC2Client(sim, 3)
}

func newEC2Client(sim *Simulator, attempts int) *ec2.Client {
	cfg := aws.Config{
		Region:           sim.Region(),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: attempts,
	}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(sim.URL()) })
}

// ec2Clock is a settable clock for Options.Now.
type ec2Clock struct {
	mu  sync.Mutex
	now time.Time
}

func newEC2Clock() *ec2Clock {
	return &ec2Clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *ec2Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *ec2Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ec2SyntheticTypes returns n made-up x86_64 instance types "syn<i>.large", the
// i-th costing 0.01*(i+1) per hour.
func ec2SyntheticTypes(n int) []catalog.InstanceType {
	out := make([]catalog.InstanceType, 0, n)
	for i := range n {
		out = append(out, catalog.InstanceType{
			Name: fmt.Sprintf("syn%d.large", i), CurrentGeneration: true, Hypervisor: "nitro",
			Architectures: []string{"x86_64"}, ProcessorManufacturer: "Intel", VCPUs: 2, MemoryMiB: 8192,
			MaximumNetworkInterfaces: 3, IPv4AddressesPerInterface: 10, NetworkPerformance: "Up to 10 Gigabit",
			NetworkBandwidthMbps: 750, EBSBandwidthMbps: 650, SupportedUsageClasses: []string{"on-demand", "spot"},
			OnDemandPricePerHour: 0.01 * float64(i+1),
		})
	}
	return out
}

// ec2ErrCode is the AWS error code of err, "" when it is not an API error.
func ec2ErrCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// ec2CreateTemplate creates a launch template with the image and user data.
func ec2CreateTemplate(t *testing.T, client *ec2.Client, name, imageID string) string {
	t.Helper()
	out, err := client.CreateLaunchTemplate(context.Background(), &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(name),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
			ImageId:  aws.String(imageID),
			UserData: aws.String("IyEvYmluL2Jhc2gKZWNobyBoZWxsbwo="), // "#!/bin/bash\necho hello\n"
		},
	})
	if err != nil {
		t.Fatalf("CreateLaunchTemplate: %v", err)
	}
	return aws.ToString(out.LaunchTemplate.LaunchTemplateId)
}

// ec2TaggedSubnet returns the id of the discovery-tagged subnet of zone.
func ec2TaggedSubnet(t *testing.T, sim *Simulator, zone string) string {
	t.Helper()
	for _, sn := range sim.Subnets() {
		if sn.Zone == zone && sn.Tags["karpenter.sh/discovery"] != "" {
			return sn.ID
		}
	}
	t.Fatalf("no tagged subnet in %s", zone)
	return ""
}

// ec2AL2023Image returns the id of the current AL2023 standard image of arch.
func ec2AL2023Image(t *testing.T, sim *Simulator, arch string) string {
	t.Helper()
	for _, img := range sim.DefaultImages() {
		if img.Family == FamilyAL2023 && img.Variant == VariantStandard && img.Architecture == arch {
			return img.ID
		}
	}
	t.Fatalf("no AL2023 image for %s", arch)
	return ""
}
