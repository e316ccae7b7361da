package operator

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tailor-sh/tailor/pkg/apis"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/ec2sim/kubelet"
	awsprovider "github.com/tailor-sh/tailor/pkg/providers/aws"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
)

// clients are the SDK clients the launcher calls.
type clients struct {
	awsprovider.Clients
	SQS *sqs.Client
}

// awsClients connects the SDK: to AWS through the default credential chain, or,
// in simulated mode, to the simulator (sim, or one started here) with static
// credentials. Simulated mode also starts the simulated kubelets that register
// the Nodes of running instances.
func (o *Operator) awsClients(ctx context.Context, cfg *rest.Config, sim *ec2sim.Simulator) (clients, error) {
	var awsCfg aws.Config
	switch o.opts.Cloud {
	case CloudSimulated:
		var err error
		if sim == nil {
			sim, err = ec2sim.Serve(o.opts.SimulatorAddr, ec2sim.Options{
				ClusterName: o.opts.ClusterName, Region: o.opts.Region, PendingDuration: o.opts.SimBootDelay,
			})
			if err != nil {
				return clients{}, fmt.Errorf("starting the EC2 simulator, %w", err)
			}
			go func() { <-ctx.Done(); sim.Close() }()
		}
		o.Simulator = sim
		if o.opts.InterruptionQueue != "" {
			sim.CreateQueue(o.opts.InterruptionQueue)
		}
		if err := startKubelets(ctx, cfg, sim, o.opts); err != nil {
			return clients{}, err
		}
		awsCfg = aws.Config{
			Region:       sim.Region(),
			Credentials:  credentials.NewStaticCredentialsProvider("AKIDSIMULATOR", "simulator-secret", ""),
			Retryer:      sdk.NewRetryer,
			BaseEndpoint: aws.String(sim.URL()),
		}
		ctrl.LoggerFrom(ctx).Info("serving the EC2 simulator", "endpoint", sim.URL(), "region", sim.Region())
	default:
		var err error
		awsCfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(o.opts.Region), config.WithRetryer(sdk.NewRetryer))
		if err != nil {
			return clients{}, fmt.Errorf("loading AWS configuration, %w", err)
		}
	}
	return clients{
		Clients: awsprovider.Clients{
			EC2: ec2.NewFromConfig(awsCfg), SSM: ssm.NewFromConfig(awsCfg),
			Pricing: pricing.NewFromConfig(awsCfg, func(po *pricing.Options) {
				if o.opts.Cloud == CloudAWS {
					po.Region = "us-east-1" // the Pricing API answers in us-east-1
				}
			}),
			IAM: iam.NewFromConfig(awsCfg),
		},
		SQS: sqs.NewFromConfig(awsCfg),
	}, nil
}

// startKubelets registers the Nodes of the simulator's running instances, as
// their kubelets would, with a client of their own (not the launcher's cache).
func startKubelets(ctx context.Context, cfg *rest.Config, sim *ec2sim.Simulator, opts Options) error {
	kube, err := client.New(cfg, client.Options{Scheme: apis.NewScheme()})
	if err != nil {
		return fmt.Errorf("building the simulated kubelets' client, %w", err)
	}
	kubelet.Register(ctx, sim, kube, kubelet.Options{RegistrationDelay: opts.SimRegistrationDelay})
	return nil
}
