package api_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

func TestMinimalNodePoolGetsDefaults(t *testing.T) {
	nodePool := &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: "minimal"},
		Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
				{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}},
			},
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
		}}},
	}
	env.ExpectApplied(t, nodePool)
	defer env.ExpectDeleted(t, nodePool)

	got := &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: "minimal"}}
	env.ExpectFetched(t, got)
	if got.Spec.Disruption.ConsolidationPolicy != karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized {
		t.Errorf("consolidationPolicy = %q, want WhenEmptyOrUnderutilized", got.Spec.Disruption.ConsolidationPolicy)
	}
	if s := got.Spec.Disruption.ConsolidateAfter.String(); s != "0s" {
		t.Errorf("consolidateAfter = %q, want 0s", s)
	}
	if want := []karpv1.Budget{{Nodes: "10%"}}; !equality.Semantic.DeepEqual(got.Spec.Disruption.Budgets, want) {
		t.Errorf("budgets = %+v, want %+v", got.Spec.Disruption.Budgets, want)
	}
	if s := got.Spec.Template.Spec.ExpireAfter.String(); s != "720h0m0s" {
		t.Errorf("expireAfter = %q, want 720h", s)
	}
	if got.Spec.Weight != nil {
		t.Errorf("weight = %d, want unset", *got.Spec.Weight)
	}
}

func TestNodePoolExpireAfterNever(t *testing.T) {
	nodePool := edited(t, validNodePool, edit{"spec.template.spec.expireAfter", "Never"}, edit{"spec.disruption.consolidateAfter", "Never"})
	env.ExpectApplied(t, nodePool)
	defer env.ExpectDeleted(t, nodePool)

	got := &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: nodePool.GetName()}}
	env.ExpectFetched(t, got)
	if !got.Spec.Template.Spec.ExpireAfter.IsNever() || !got.Spec.Disruption.ConsolidateAfter.IsNever() {
		t.Errorf("expireAfter = %q, consolidateAfter = %q, want both Never",
			got.Spec.Template.Spec.ExpireAfter, got.Spec.Disruption.ConsolidateAfter)
	}
}

func TestMinimalEC2NodeClassGetsIMDSv2Defaults(t *testing.T) {
	nodeClass := edited(t, validEC2NodeClass)
	env.ExpectApplied(t, nodeClass)
	defer env.ExpectDeleted(t, nodeClass)

	got := &ec2v1.EC2NodeClass{ObjectMeta: metav1.ObjectMeta{Name: nodeClass.GetName()}}
	env.ExpectFetched(t, got)
	want := &ec2v1.MetadataOptions{
		HTTPEndpoint:            ptr.To("enabled"),
		HTTPProtocolIPv6:        ptr.To("disabled"),
		HTTPPutResponseHopLimit: ptr.To[int64](1),
		HTTPTokens:              ptr.To("required"),
	}
	if !equality.Semantic.DeepEqual(got.Spec.MetadataOptions, want) {
		t.Errorf("metadataOptions = %+v, want IMDSv2 required with hop limit 1", got.Spec.MetadataOptions)
	}
}
