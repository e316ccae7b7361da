// Package aws is the AWS cloud provider: it composes instance type discovery,
// pricing, EC2NodeClass resolution, launch templates and CreateFleet launches behind
// the cloudprovider.CloudProvider interface.
package aws

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/providers/aws/instance"
	"github.com/tailor-sh/tailor/pkg/providers/aws/instancetype"
	"github.com/tailor-sh/tailor/pkg/providers/aws/launchtemplate"
	"github.com/tailor-sh/tailor/pkg/providers/aws/nodeclass"
	"github.com/tailor-sh/tailor/pkg/providers/aws/pricing"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
	"github.com/tailor-sh/tailor/pkg/providers/aws/unavailable"
)

// Clients are the AWS SDK clients the provider calls.
type Clients struct {
	EC2     sdk.EC2API
	SSM     sdk.SSMAPI
	Pricing sdk.PricingAPI
	IAM     sdk.IAMAPI
}

// CloudProvider launches and removes EC2 instances for NodeClaims.
type CloudProvider struct {
	kube            client.Reader
	settings        settings.Settings
	Unavailable     *unavailable.Cache
	Pricing         *pricing.Provider
	InstanceTypes   *instancetype.Provider
	NodeClasses     *nodeclass.Resolver
	LaunchTemplates *launchtemplate.Provider
	Instances       *instance.Provider
}

var _ cloudprovider.CloudProvider = (*CloudProvider)(nil)

// New builds the provider; kube reads EC2NodeClasses. Batched calls run until ctx
// ends. Call Run (once per process) to discover instance types and prices.
func New(ctx context.Context, kube client.Reader, clients Clients, s settings.Settings) (*CloudProvider, error) {
	s = s.Defaults()
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("validating aws settings, %w", err)
	}
	clk := clock.RealClock{}
	p := &CloudProvider{kube: kube, settings: s, Unavailable: unavailable.New(clk)}
	p.Pricing = pricing.NewProvider(clients.Pricing, clients.EC2, s.Region, clk)
	p.InstanceTypes = instancetype.NewProvider(clients.EC2, p.Pricing, p.Unavailable, s)
	p.NodeClasses = nodeclass.NewResolver(clients.EC2, clients.SSM, clients.IAM, s, clk)
	p.LaunchTemplates = launchtemplate.NewProvider(clients.EC2, s)
	p.Instances = instance.NewProvider(ctx, clients.EC2, p.Unavailable, s.ClusterName)
	return p, nil
}

// Refresh discovers instance types, offerings and prices now. A failed on-demand
// price update is not an error: the provider falls back to the embedded price table
// and says so in Pricing.Status (and a log line).
func (p *CloudProvider) Refresh(ctx context.Context) error {
	_ = p.Pricing.UpdateOnDemandPricing(ctx)
	return errors.Join(p.Pricing.UpdateSpotPricing(ctx), p.InstanceTypes.Refresh(ctx))
}

// Run keeps instance types and prices fresh until ctx ends; one per process.
func (p *CloudProvider) Run(ctx context.Context) {
	go p.Pricing.Run(ctx)
	p.InstanceTypes.Run(ctx, clock.RealClock{})
}

// Name is "aws".
func (p *CloudProvider) Name() string { return "aws" }

// GetInstanceTypes returns the instance types the NodePool's EC2NodeClass can launch.
func (p *CloudProvider) GetInstanceTypes(ctx context.Context, nodePool *karpv1.NodePool) ([]*cloudprovider.InstanceType, error) {
	nodeClass, err := p.nodeClass(ctx, nodePool.Spec.Template.Spec.NodeClassRef)
	if err != nil {
		return nil, err
	}
	types, err := p.InstanceTypes.List(nodeClass)
	if err != nil {
		return nil, fmt.Errorf("listing instance types of ec2nodeclass %s, %w", nodeClass.Name, err)
	}
	return types, nil
}

// nodeClass reads the EC2NodeClass a claim or NodePool refers to.
func (p *CloudProvider) nodeClass(ctx context.Context, ref *karpv1.NodeClassReference) (*ec2v1.EC2NodeClass, error) {
	if ref == nil {
		return nil, cloudprovider.NewNodeClassNotReadyError(fmt.Errorf("nodeClassRef is not set"))
	}
	if ref.Group != ec2v1.GroupVersion.Group || ref.Kind != "EC2NodeClass" {
		return nil, cloudprovider.NewNodeClassNotReadyError(fmt.Errorf("nodeClassRef %s/%s %s is not an EC2NodeClass (group %s)", ref.Group, ref.Kind, ref.Name, ec2v1.GroupVersion.Group))
	}
	nodeClass := &ec2v1.EC2NodeClass{}
	if err := p.kube.Get(ctx, client.ObjectKey{Name: ref.Name}, nodeClass); err != nil {
		return nil, cloudprovider.NewNodeClassNotReadyError(fmt.Errorf("getting ec2nodeclass %s, %w", ref.Name, err))
	}
	return nodeClass, nil
}

// resolved returns the node class with its status freshly resolved (subnets,
// security groups, AMIs, instance profile).
func (p *CloudProvider) resolved(ctx context.Context, ref *karpv1.NodeClassReference) (*ec2v1.EC2NodeClass, error) {
	nodeClass, err := p.nodeClass(ctx, ref)
	if err != nil {
		return nil, err
	}
	status, err := p.NodeClasses.Resolve(ctx, nodeClass)
	if err != nil {
		return nil, cloudprovider.NewNodeClassNotReadyError(fmt.Errorf("resolving ec2nodeclass %s, %w", nodeClass.Name, err))
	}
	nodeClass = nodeClass.DeepCopy()
	nodeClass.Status = status
	return nodeClass, nil
}
