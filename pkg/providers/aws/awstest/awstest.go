// Package awstest connects the real AWS SDK clients to an ec2sim simulator, for
// provider tests: the same clients the launcher uses, over the wire protocols.
package awstest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
)

// Clients are SDK clients pointed at a simulator.
type Clients struct {
	EC2     *ec2.Client
	SSM     *ssm.Client
	Pricing *pricing.Client
	SQS     *sqs.Client
	IAM     *iam.Client
}

// Config is the SDK configuration for sim: its region, static credentials, and the
// provider's production retryer, so injected throttling is retried as in production.
func Config(sim *ec2sim.Simulator) aws.Config {
	return aws.Config{
		Region:       sim.Region(),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSIMULATOR", "simulator-secret", ""),
		Retryer:      sdk.NewRetryer,
		BaseEndpoint: aws.String(sim.URL()),
	}
}

// NewClients returns SDK clients for sim.
func NewClients(sim *ec2sim.Simulator) Clients { return ClientsFor(Config(sim)) }

// ClientsFor returns SDK clients for cfg, e.g. Config(sim) with a test's own retry
// settings.
func ClientsFor(cfg aws.Config) Clients {
	return Clients{
		EC2:     ec2.NewFromConfig(cfg),
		SSM:     ssm.NewFromConfig(cfg),
		Pricing: pricing.NewFromConfig(cfg),
		SQS:     sqs.NewFromConfig(cfg),
		IAM:     iam.NewFromConfig(cfg),
	}
}

// Start starts a simulator for the test and closes it when the test ends.
func Start(t testing.TB, opts ec2sim.Options) (*ec2sim.Simulator, Clients) {
	t.Helper()
	sim := ec2sim.New(opts)
	t.Cleanup(sim.Close)
	return sim, NewClients(sim)
}
