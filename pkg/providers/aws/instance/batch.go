package instance

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/batcher"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
)

// executeFleet launches identical fleet requests with one CreateFleet of their
// combined capacity. If that call fails, each request is retried on its own, so one
// throttled call does not fail every claim of the batch.
func (p *Provider) executeFleet(ctx context.Context, reqs []fleetRequest) []batcher.Result[*Instance] {
	results, err := p.launch(ctx, reqs)
	if err == nil || len(reqs) == 1 {
		if err != nil {
			return []batcher.Result[*Instance]{{Err: err}}
		}
		return results
	}
	out := make([]batcher.Result[*Instance], len(reqs))
	for i, r := range reqs {
		single, err := p.launch(ctx, []fleetRequest{r})
		if err != nil {
			out[i].Err = err
			continue
		}
		out[i] = single[0]
	}
	return out
}

// launch makes one CreateFleet call for len(reqs) instances of reqs[0]'s request.
func (p *Provider) launch(ctx context.Context, reqs []fleetRequest) ([]batcher.Result[*Instance], error) {
	first := reqs[0]
	in := *first.input
	target := *in.TargetCapacitySpecification
	target.TotalTargetCapacity = aws.Int32(int32(len(reqs)))
	in.TargetCapacitySpecification = &target
	out, err := p.ec2.CreateFleet(ctx, &in)
	if err != nil {
		return nil, fmt.Errorf("creating fleet, %w", err)
	}
	errs := fleetErrors(out, first.zoneOfSubnet, first.capacityType)
	for _, e := range errs {
		if sdk.IsUnfulfillableCapacity(e.code) && e.instanceType != "" && e.zone != "" {
			p.unavailable.MarkUnavailable(e.code, e.instanceType, e.zone, e.capacityType)
			insufficientCapacity.WithLabelValues(e.instanceType, e.zone, e.capacityType, e.code).Inc()
		}
	}
	launched := launchedInstances(out, first)
	results := make([]batcher.Result[*Instance], len(reqs))
	for i := range results {
		if i < len(launched) {
			results[i].Output = launched[i]
			continue
		}
		results[i].Err = cloudprovider.NewInsufficientCapacityError(fmt.Errorf("creating fleet, %s", summarize(errs)))
	}
	return results, nil
}

func launchedInstances(out *ec2.CreateFleetOutput, req fleetRequest) []*Instance {
	tags := map[string]string{}
	for _, spec := range req.input.TagSpecifications {
		if spec.ResourceType == ec2types.ResourceTypeInstance {
			for _, t := range spec.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
	}
	var launched []*Instance
	for _, group := range out.Instances {
		zone, subnet := "", ""
		if lt := group.LaunchTemplateAndOverrides; lt != nil && lt.Overrides != nil {
			subnet = aws.ToString(lt.Overrides.SubnetId)
			zone = aws.ToString(lt.Overrides.AvailabilityZone)
			if zone == "" {
				zone = req.zoneOfSubnet[subnet]
			}
		}
		capacityType := wellknown.CapacityTypeOnDemand
		if group.Lifecycle == ec2types.InstanceLifecycleSpot {
			capacityType = wellknown.CapacityTypeSpot
		}
		for _, id := range group.InstanceIds {
			launched = append(launched, &Instance{
				ID: id, Type: string(group.InstanceType), Zone: zone, SubnetID: subnet,
				CapacityType: capacityType, State: string(ec2types.InstanceStateNamePending), Tags: copyTags(tags),
			})
		}
	}
	return launched
}

// executeDescribe describes many instances in one call; when that fails (EC2 fails
// the whole call if any id is unknown) it describes each on its own.
func (p *Provider) executeDescribe(ctx context.Context, ids []string) []batcher.Result[*Instance] {
	found, err := p.describeIDs(ctx, unique(ids))
	if err != nil && len(unique(ids)) > 1 {
		found = map[string]*Instance{}
		errs := map[string]error{}
		for _, id := range unique(ids) {
			one, err := p.describeIDs(ctx, []string{id})
			if err != nil {
				errs[id] = err
			}
			for k, v := range one {
				found[k] = v
			}
		}
		return describeResults(ids, found, errs)
	}
	errs := map[string]error{}
	if err != nil {
		errs[ids[0]] = err
	}
	return describeResults(ids, found, errs)
}

func (p *Provider) describeIDs(ctx context.Context, ids []string) (map[string]*Instance, error) {
	out, err := p.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		return nil, err
	}
	found := map[string]*Instance{}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			found[aws.ToString(i.InstanceId)] = fromEC2(i)
		}
	}
	return found, nil
}

func describeResults(ids []string, found map[string]*Instance, errs map[string]error) []batcher.Result[*Instance] {
	out := make([]batcher.Result[*Instance], len(ids))
	for i, id := range ids {
		switch err := errs[id]; {
		case err != nil && sdk.IsNotFound(err):
			out[i].Err = cloudprovider.NewNodeClaimNotFoundError(fmt.Errorf("describing instance %s, %w", id, err))
		case err != nil:
			out[i].Err = fmt.Errorf("describing instance %s, %w", id, err)
		case found[id] == nil:
			out[i].Err = cloudprovider.NewNodeClaimNotFoundError(fmt.Errorf("instance %s does not exist", id))
		default:
			out[i].Output = found[id]
		}
	}
	return out
}

// executeTerminate terminates many instances in one call, or each on its own when
// the combined call fails.
func (p *Provider) executeTerminate(ctx context.Context, ids []string) []batcher.Result[struct{}] {
	out := make([]batcher.Result[struct{}], len(ids))
	if _, err := p.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: unique(ids)}); err == nil {
		return out
	}
	for i, id := range ids {
		_, out[i].Err = p.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	}
	return out
}

func unique(ids []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func copyTags(tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		out[k] = v
	}
	return out
}
