package aws

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/providers/aws/instance"
	"github.com/tailor-sh/tailor/pkg/providers/aws/launchtemplate"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// Create launches an instance for the claim: the cheapest offering among the
// instance types its requirements allow that have room for its requests.
func (p *CloudProvider) Create(ctx context.Context, claim *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	nodeClass, err := p.resolved(ctx, claim.Spec.NodeClassRef)
	if err != nil {
		return nil, err
	}
	reqs, err := scheduling.NewNodeSelectorRequirements(claim.Spec.Requirements...)
	if err != nil {
		return nil, fmt.Errorf("reading requirements of nodeclaim %s, %w", claim.Name, err)
	}
	types, err := p.launchableTypes(nodeClass, claim, reqs)
	if err != nil {
		return nil, err
	}
	req := instance.LaunchRequest{
		Requirements: reqs,
		Templates:    []instance.Template{{InstanceTypes: types}},
		Subnets:      nodeClass.Status.Subnets,
		Tags:         p.tags(nodeClass, claim),
		ClaimTags:    map[string]string{"Name": claim.Name, nodeClaimTagKey: claim.Name},
		Context:      nodeClass.Spec.Context,
	}
	// The capacity type is decided before the launch templates: the node's user data
	// carries it as a label.
	if req.CapacityType = instance.CapacityTypeFor(req); req.CapacityType == "" {
		return nil, cloudprovider.NewInsufficientCapacityError(fmt.Errorf("no offering of %d instance types in the node class's subnets' zones matches requirements %s", len(types), reqs))
	}
	templates, err := p.LaunchTemplates.EnsureAll(ctx, nodeClass, claim, types, req.CapacityType)
	if err != nil {
		return nil, fmt.Errorf("ensuring launch templates for nodeclaim %s, %w", claim.Name, err)
	}
	req.Templates = fleetTemplates(templates)
	inst, err := p.Instances.Create(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("launching nodeclaim %s, %w", claim.Name, err)
	}
	return launched(claim, inst, types, templates), nil
}

const nodeClaimTagKey = wellknown.Group + "/nodeclaim"

// launchableTypes are the node class's instance types that the claim's requirements
// allow and that have room for its requests, cheapest first. It tells a
// configuration that no type could ever satisfy apart from a temporary shortage.
func (p *CloudProvider) launchableTypes(nodeClass *ec2v1.EC2NodeClass, claim *karpv1.NodeClaim, reqs scheduling.Requirements) ([]*cloudprovider.InstanceType, error) {
	all, err := p.InstanceTypes.List(nodeClass)
	if err != nil {
		return nil, fmt.Errorf("listing instance types of ec2nodeclass %s, %w", nodeClass.Name, err)
	}
	var allowed, available []*cloudprovider.InstanceType
	for _, it := range all {
		if it.Requirements.Compatible(reqs, wellknown.InstanceTypeLabels) != nil || !fits(it, claim.Spec.Resources.Requests) {
			continue
		}
		allowed = append(allowed, it)
		if len(it.Offerings.Available().Compatible(reqs)) > 0 {
			available = append(available, it)
		}
	}
	if len(allowed) == 0 {
		return nil, fmt.Errorf("no instance type satisfies requirements %s with room for %s; widen the NodePool's requirements", reqs, describe(claim.Spec.Resources.Requests))
	}
	if len(available) == 0 {
		return nil, cloudprovider.NewInsufficientCapacityError(fmt.Errorf("all %d instance types that satisfy requirements %s are unavailable now", len(allowed), reqs))
	}
	cloudprovider.SortByPrice(available, reqs)
	return available, nil
}

func fits(it *cloudprovider.InstanceType, requests corev1.ResourceList) bool {
	allocatable := it.Allocatable()
	for name, want := range requests {
		if have, ok := allocatable[name]; !ok || have.Cmp(want) < 0 {
			return false
		}
	}
	return true
}

func describe(requests corev1.ResourceList) string {
	if len(requests) == 0 {
		return "no requests"
	}
	out := ""
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods} {
		if q, ok := requests[name]; ok {
			out += fmt.Sprintf("%s=%s ", name, q.String())
		}
	}
	return out
}

func fleetTemplates(templates []launchtemplate.LaunchTemplate) []instance.Template {
	out := make([]instance.Template, 0, len(templates))
	for _, t := range templates {
		out = append(out, instance.Template{Name: t.Name, InstanceTypes: t.InstanceTypes})
	}
	return out
}

// tags are the fleet's tags: the node class's, then the ones the system needs.
func (p *CloudProvider) tags(nodeClass *ec2v1.EC2NodeClass, claim *karpv1.NodeClaim) map[string]string {
	tags := map[string]string{}
	for k, v := range nodeClass.Spec.Tags {
		tags[k] = v
	}
	tags["kubernetes.io/cluster/"+p.settings.ClusterName] = "owned"
	tags[launchtemplate.ClusterTagKey] = p.settings.ClusterName
	tags[wellknown.NodePoolLabelKey] = claim.Labels[wellknown.NodePoolLabelKey]
	tags[wellknown.EC2NodeClassLabelKey] = nodeClass.Name
	return tags
}

// launched returns the claim with what the launch decided: labels of the instance
// type, zone and capacity type; status with provider id, image and resources.
func launched(claim *karpv1.NodeClaim, inst *instance.Instance, types []*cloudprovider.InstanceType, templates []launchtemplate.LaunchTemplate) *karpv1.NodeClaim {
	out := claim.DeepCopy()
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	for _, it := range types {
		if it.Name != inst.Type {
			continue
		}
		for k, v := range it.Requirements.Labels() {
			out.Labels[k] = v
		}
		out.Status.Capacity = it.Capacity.DeepCopy()
		out.Status.Allocatable = it.Allocatable().DeepCopy()
	}
	out.Labels[corev1.LabelInstanceTypeStable] = inst.Type
	out.Labels[corev1.LabelTopologyZone] = inst.Zone
	out.Labels[wellknown.CapacityTypeLabelKey] = inst.CapacityType
	out.Status.ProviderID = inst.ProviderID()
	out.Status.ImageID = imageOf(inst.Type, templates)
	return out
}

func imageOf(instanceType string, templates []launchtemplate.LaunchTemplate) string {
	for _, t := range templates {
		for _, it := range t.InstanceTypes {
			if it.Name == instanceType {
				return t.ImageID
			}
		}
	}
	return ""
}
