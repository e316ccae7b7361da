package aws

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/providers/aws/instance"
)

// Drift reasons.
const (
	DriftAMI    cloudprovider.DriftReason = "AMIDrift"
	DriftSubnet cloudprovider.DriftReason = "SubnetDrift"
)

// Delete terminates the claim's instance; NodeClaimNotFoundError once it is gone.
func (p *CloudProvider) Delete(ctx context.Context, claim *karpv1.NodeClaim) error {
	id, err := instance.ParseProviderID(claim.Status.ProviderID)
	if err != nil {
		return cloudprovider.NewNodeClaimNotFoundError(fmt.Errorf("deleting nodeclaim %s, %w", claim.Name, err))
	}
	return p.Instances.Delete(ctx, id)
}

// Get returns a claim describing the instance with providerID.
func (p *CloudProvider) Get(ctx context.Context, providerID string) (*karpv1.NodeClaim, error) {
	id, err := instance.ParseProviderID(providerID)
	if err != nil {
		return nil, cloudprovider.NewNodeClaimNotFoundError(err)
	}
	inst, err := p.Instances.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return fromInstance(inst), nil
}

// List returns a claim for every instance of this cluster's NodePools.
func (p *CloudProvider) List(ctx context.Context) ([]*karpv1.NodeClaim, error) {
	insts, err := p.Instances.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*karpv1.NodeClaim, 0, len(insts))
	for _, inst := range insts {
		out = append(out, fromInstance(inst))
	}
	return out, nil
}

// IsDrifted says whether the claim's instance runs an AMI or sits in a subnet its
// EC2NodeClass no longer selects.
func (p *CloudProvider) IsDrifted(ctx context.Context, claim *karpv1.NodeClaim) (cloudprovider.DriftReason, error) {
	id, err := instance.ParseProviderID(claim.Status.ProviderID)
	if err != nil {
		return "", err
	}
	inst, err := p.Instances.Get(ctx, id)
	if err != nil {
		return "", err
	}
	nodeClass, err := p.resolved(ctx, claim.Spec.NodeClassRef)
	if err != nil {
		return "", err
	}
	amis := sets.New[string]()
	for _, ami := range nodeClass.Status.AMIs {
		amis.Insert(ami.ID)
	}
	if inst.ImageID != "" && !amis.Has(inst.ImageID) {
		return DriftAMI, nil
	}
	subnets := sets.New[string]()
	for _, s := range nodeClass.Status.Subnets {
		subnets.Insert(s.ID)
	}
	if inst.SubnetID != "" && !subnets.Has(inst.SubnetID) {
		return DriftSubnet, nil
	}
	return "", nil
}

// fromInstance describes an instance as a claim: its name and labels from the
// instance's tags and placement, its provider id.
func fromInstance(inst *instance.Instance) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name: inst.Tags[nodeClaimTagKey],
			Labels: map[string]string{
				corev1.LabelInstanceTypeStable: inst.Type,
				corev1.LabelTopologyZone:       inst.Zone,
				wellknown.CapacityTypeLabelKey: inst.CapacityType,
				wellknown.NodePoolLabelKey:     inst.Tags[wellknown.NodePoolLabelKey],
			},
			CreationTimestamp: metav1.NewTime(inst.LaunchTime),
		},
		Status: karpv1.NodeClaimStatus{ProviderID: inst.ProviderID(), ImageID: inst.ImageID},
	}
}
