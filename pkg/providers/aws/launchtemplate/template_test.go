package launchtemplate

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
)

func TestClusterNetwork(t *testing.T) {
	for _, tc := range []struct{ setting, cidr, dns string }{
		{"10.100.0.0/16", "10.100.0.0/16", "10.100.0.10"},
		{"172.20.0.0/16", "172.20.0.0/16", "172.20.0.10"},
		{"10.100.0.10", "10.100.0.0/16", "10.100.0.10"},
		{"fd00::a", "", "fd00::a"},
		{"", "", ""},
		{"not an address", "", ""},
	} {
		if cidr, dns := clusterNetwork(tc.setting); cidr != tc.cidr || dns != tc.dns {
			t.Errorf("clusterNetwork(%q) = %q, %q; want %q, %q", tc.setting, cidr, dns, tc.cidr, tc.dns)
		}
	}
}

func TestVolumeGiB(t *testing.T) {
	for _, tc := range []struct {
		size string
		want int32
	}{
		{"20Gi", 20}, {"1Ti", 1024}, {"100G", 94}, {"1T", 932},
	} {
		if got := volumeGiB(aws.String(tc.size)); got == nil || *got != tc.want {
			t.Errorf("volumeGiB(%s) = %v, want %d", tc.size, got, tc.want)
		}
	}
	if volumeGiB(nil) != nil {
		t.Error("volumeGiB(nil) is not nil")
	}
}

func TestGroupByAMIPrefersTheFirstSuitableAMI(t *testing.T) {
	amd := corev1.NodeSelectorRequirement{Key: wellknown.ArchLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}
	amis := []ec2v1.AMI{{ID: "ami-newer", Requirements: []corev1.NodeSelectorRequirement{amd}}, {ID: "ami-older", Requirements: []corev1.NodeSelectorRequirement{amd}}}
	groups, err := groupByAMI(amis, []*cloudprovider.InstanceType{m5Large, c5Large}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].ami.ID != "ami-newer" || len(groups[0].types) != 2 || *groups[0].maxPods != 29 {
		t.Errorf("groups = %+v, want both types on ami-newer with 29 pods", groups)
	}
}

// racingEC2 answers as EC2 does when another launcher created the template between
// our describe and our create.
type racingEC2 struct {
	sdk.EC2API
	creates int
}

func (f *racingEC2) DescribeLaunchTemplates(context.Context, *ec2.DescribeLaunchTemplatesInput, ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplatesOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "InvalidLaunchTemplateName.NotFoundException", Message: "not found"}
}

func (f *racingEC2) CreateLaunchTemplate(context.Context, *ec2.CreateLaunchTemplateInput, ...func(*ec2.Options)) (*ec2.CreateLaunchTemplateOutput, error) {
	f.creates++
	return nil, &smithy.GenericAPIError{Code: "InvalidLaunchTemplateName.AlreadyExistsException", Message: "exists"}
}

func TestConcurrentCreatorIsTolerated(t *testing.T) {
	fake := &racingEC2{}
	p := NewProvider(fake, settings.Settings{ClusterName: clusterName, Region: "us-west-2"})
	nc := &ec2v1.EC2NodeClass{Spec: ec2v1.EC2NodeClassSpec{AMIFamily: aws.String("AL2023")}}
	nc.Name = "default"
	nc.Status = ec2v1.EC2NodeClassStatus{
		AMIs:            []ec2v1.AMI{{ID: "ami-1", Requirements: []corev1.NodeSelectorRequirement{{Key: wellknown.ArchLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}}}},
		SecurityGroups:  []ec2v1.SecurityGroup{{ID: "sg-1"}},
		InstanceProfile: "profile",
	}
	lts, err := p.EnsureAll(context.Background(), nc, nodeClaim(), []*cloudprovider.InstanceType{m5Large}, "on-demand")
	if err != nil || len(lts) != 1 || fake.creates != 1 {
		t.Fatalf("EnsureAll = %+v, %v after %d creates; want one template and no error", lts, err, fake.creates)
	}
	if _, err := p.EnsureAll(context.Background(), nc, nodeClaim(), []*cloudprovider.InstanceType{m5Large}, "on-demand"); err != nil || fake.creates != 1 {
		t.Errorf("second EnsureAll: %v after %d creates, want the name cached", err, fake.creates)
	}
}

func TestTemplateNameIsDeterministic(t *testing.T) {
	data := func() *ec2types.RequestLaunchTemplateData {
		return &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-1"), SecurityGroupIds: []string{"sg-1"}}
	}
	tags := []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
	a, _ := templateName(clusterName, data(), tags)
	b, _ := templateName(clusterName, data(), tags)
	changed := data()
	changed.SecurityGroupIds = []string{"sg-2"}
	c, _ := templateName(clusterName, changed, tags)
	if a != b || a == c || len(a) > 128 {
		t.Errorf("names %q, %q, %q: want the first two equal, the third different, all at most 128 characters", a, b, c)
	}
}
