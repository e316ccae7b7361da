package instance

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tailor-sh/tailor/pkg/batcher"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
)

// Batch windows: short enough to add little latency to a launch, long enough to
// gather the claims of one scheduling burst.
const (
	batchIdle = 35 * time.Millisecond
	batchMax  = time.Second
	// maxDescribeIDs stays under EC2's limit of instance ids per DescribeInstances.
	maxDescribeIDs = 500
)

// UnavailableMarker records offerings that lack capacity so the next plan avoids them.
type UnavailableMarker interface {
	MarkUnavailable(reason, instanceType, zone, capacityType string)
}

// Provider launches, finds and terminates instances.
type Provider struct {
	ec2         sdk.EC2API
	unavailable UnavailableMarker
	clusterName string
	fleet       *batcher.Batcher[fleetRequest, *Instance]
	describe    *batcher.Batcher[string, *Instance]
	terminate   *batcher.Batcher[string, struct{}]
}

// NewProvider returns a Provider whose batches run until ctx ends.
func NewProvider(ctx context.Context, ec2API sdk.EC2API, unavailable UnavailableMarker, clusterName string) *Provider {
	p := &Provider{ec2: ec2API, unavailable: unavailable, clusterName: clusterName}
	p.fleet = batcher.New(ctx, batcher.Options[fleetRequest, *Instance]{
		Name: "create_fleet", IdleTimeout: batchIdle, MaxTimeout: batchMax, Key: fleetRequest.key, Executor: p.executeFleet,
	})
	p.describe = batcher.New(ctx, batcher.Options[string, *Instance]{
		Name: "describe_instances", IdleTimeout: batchIdle, MaxTimeout: batchMax, MaxItems: maxDescribeIDs, Executor: p.executeDescribe,
	})
	p.terminate = batcher.New(ctx, batcher.Options[string, struct{}]{
		Name: "terminate_instances", IdleTimeout: batchIdle, MaxTimeout: batchMax, MaxItems: maxDescribeIDs, Executor: p.executeTerminate,
	})
	return p
}

// Create launches one instance for req: spot when allowed and available, else
// on-demand, choosing among the cheapest instance types and zones the claim allows.
func (p *Provider) Create(ctx context.Context, req LaunchRequest) (*Instance, error) {
	ct := req.CapacityType
	if ct == "" {
		ct = CapacityTypeFor(req)
	}
	ovs := overrides(req, ct)
	if len(ovs) == 0 {
		return nil, cloudprovider.NewInsufficientCapacityError(fmt.Errorf("no available offering matches requirements %s", req.Requirements))
	}
	fr := fleetRequest{input: fleetInput(req, ct, ovs, 1), capacityType: ct, zoneOfSubnet: zoneOfSubnet(req)}
	inst, err := p.fleet.Add(ctx, fr)
	if err != nil {
		return nil, err
	}
	if err := p.tag(ctx, inst.ID, req.ClaimTags); err != nil {
		log.FromContext(ctx).Error(err, "tagging launched instance failed; garbage collection will find it by its cluster tag", "instance", inst.ID)
	}
	for k, v := range req.ClaimTags {
		inst.Tags[k] = v
	}
	return inst, nil
}

// Get returns the instance with id; a NodeClaimNotFoundError when it does not exist
// or is terminating.
func (p *Provider) Get(ctx context.Context, id string) (*Instance, error) {
	inst, err := p.describe.Add(ctx, id)
	if err != nil {
		return nil, err
	}
	if inst.gone() {
		return nil, cloudprovider.NewNodeClaimNotFoundError(fmt.Errorf("instance %s is %s", id, inst.State))
	}
	return inst, nil
}

// List returns every instance of this cluster's NodePools that is not terminated.
func (p *Provider) List(ctx context.Context) ([]*Instance, error) {
	in := &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag-key"), Values: []string{"karpenter.sh/nodepool"}},
		{Name: aws.String("tag:kubernetes.io/cluster/" + p.clusterName), Values: []string{"owned"}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}},
	}}
	var out []*Instance
	pages := ec2.NewDescribeInstancesPaginator(p.ec2, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing instances, %w", err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				out = append(out, fromEC2(i))
			}
		}
	}
	return out, nil
}

// Delete terminates the instance. Calling it again while the instance shuts down
// succeeds; once the instance is gone it returns a NodeClaimNotFoundError.
func (p *Provider) Delete(ctx context.Context, id string) error {
	if _, err := p.Get(ctx, id); err != nil {
		return err
	}
	if _, err := p.terminate.Add(ctx, id); err != nil {
		if sdk.IsNotFound(err) {
			return cloudprovider.NewNodeClaimNotFoundError(err)
		}
		return fmt.Errorf("terminating instance %s, %w", id, err)
	}
	return nil
}

func (p *Provider) tag(ctx context.Context, id string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	_, err := p.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: tagSpec("", tags).Tags})
	return err
}

// fleetRequest is one claim's CreateFleet; identical requests are launched together.
type fleetRequest struct {
	input        *ec2.CreateFleetInput
	capacityType string
	zoneOfSubnet map[string]string
}

func (r fleetRequest) key() string {
	b, _ := json.Marshal(r.input)
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func zoneOfSubnet(req LaunchRequest) map[string]string {
	out := map[string]string{}
	for _, s := range req.Subnets {
		out[s.ID] = s.Zone
	}
	return out
}
