package nodeclass

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
)

func subnetIDs(subnets []ec2v1.Subnet) []string {
	var out []string
	for _, s := range subnets {
		out = append(out, s.ID)
	}
	return out
}

func TestSubnetSelection(t *testing.T) {
	e := newEnv(t)
	zones := e.sim.Zones()
	extra := e.sim.AddSubnet(zones[1], map[string]string{"team": "blue", "tier": "private"})
	var tagged, untagged []string
	for _, s := range e.sim.Subnets() {
		if s.Tags["karpenter.sh/discovery"] == clusterName {
			tagged = append(tagged, s.ID)
		} else if len(s.Tags) == 0 {
			untagged = append(untagged, s.ID)
		}
	}
	for _, tc := range []struct {
		name  string
		terms []ec2v1.SubnetSelectorTerm
		want  []string
	}{
		{"by tag", []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": clusterName}}}, tagged},
		{"by wildcard tag", []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": "*"}}}, tagged},
		{"by all tags of a term", []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"team": "blue", "tier": "*"}}}, []string{extra}},
		{"by id", []ec2v1.SubnetSelectorTerm{{ID: untagged[0]}}, untagged},
		{"by any term", []ec2v1.SubnetSelectorTerm{{ID: untagged[0]}, {Tags: map[string]string{"team": "blue"}}}, []string{untagged[0], extra}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := nodeClass()
			nc.Spec.SubnetSelectorTerms = tc.terms
			status := e.expectResolved(t, nc)
			if got := subnetIDs(status.Subnets); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("subnets = %v, want %v", got, tc.want)
			}
			for _, s := range status.Subnets {
				if s.Zone == "" || s.ZoneID != e.sim.ZoneID(s.Zone) {
					t.Errorf("subnet %s has zone %q and zone id %q, want the zone's id %q", s.ID, s.Zone, s.ZoneID, e.sim.ZoneID(s.Zone))
				}
			}
		})
	}
}

func TestSubnetSelectorMatchingNothing(t *testing.T) {
	e := newEnv(t)
	nc := nodeClass()
	nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": "other-cluster"}}, {ID: "subnet-0000000000000dead"}}
	status, err := e.expectFailed(t, nc)
	want := "no subnet matches subnetSelectorTerms [{tags: {karpenter.sh/discovery: other-cluster}}, {id: subnet-0000000000000dead}]"
	expectCondition(t, status, ec2v1.ConditionTypeSubnetsReady, metav1.ConditionFalse, want)
	expectCondition(t, status, ec2v1.ConditionTypeReady, metav1.ConditionFalse, want)
	// The other parts still resolve.
	expectCondition(t, status, ec2v1.ConditionTypeSecurityGroupsReady, metav1.ConditionTrue, "")
	expectCondition(t, status, ec2v1.ConditionTypeAMIsReady, metav1.ConditionTrue, "")
	expectCondition(t, status, ec2v1.ConditionTypeInstanceProfileReady, metav1.ConditionTrue, "")
	if len(status.Subnets) != 0 || len(status.SecurityGroups) == 0 || len(status.AMIs) == 0 || status.InstanceProfile == "" {
		t.Errorf("status = %+v, want no subnets but the other parts resolved", status)
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to say %q", err, want)
	}
}

func TestSecurityGroupSelection(t *testing.T) {
	e := newEnv(t)
	var node, def string
	for _, g := range e.sim.SecurityGroups() {
		switch g.Name {
		case "default":
			def = g.ID
		case clusterName + "-node":
			node = g.ID
		}
	}
	for _, tc := range []struct {
		name  string
		terms []ec2v1.SecurityGroupSelectorTerm
		want  []ec2v1.SecurityGroup
	}{
		{"by tag", []ec2v1.SecurityGroupSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": clusterName}}}, []ec2v1.SecurityGroup{{ID: node, Name: clusterName + "-node"}}},
		{"by id", []ec2v1.SecurityGroupSelectorTerm{{ID: def}}, []ec2v1.SecurityGroup{{ID: def, Name: "default"}}},
		{"by name", []ec2v1.SecurityGroupSelectorTerm{{Name: "default"}}, []ec2v1.SecurityGroup{{ID: def, Name: "default"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := nodeClass()
			nc.Spec.SecurityGroupSelectorTerms = tc.terms
			if got := e.expectResolved(t, nc).SecurityGroups; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("security groups = %+v, want %+v", got, tc.want)
			}
		})
	}
	nc := nodeClass()
	nc.Spec.SecurityGroupSelectorTerms = []ec2v1.SecurityGroupSelectorTerm{{Name: "missing"}}
	status, _ := e.expectFailed(t, nc)
	expectCondition(t, status, ec2v1.ConditionTypeSecurityGroupsReady, metav1.ConditionFalse, "no security group matches securityGroupSelectorTerms [{name: missing}]")
}

// subnetsEC2 answers DescribeSubnets with fixed subnets.
type subnetsEC2 struct {
	sdk.EC2API
	subnets []ec2types.Subnet
}

func (f subnetsEC2) DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	return &ec2.DescribeSubnetsOutput{Subnets: f.subnets}, nil
}

func TestSubnetsAreOrderedByZoneThenFreeAddresses(t *testing.T) {
	subnet := func(id, zone string, free int32) ec2types.Subnet {
		return ec2types.Subnet{SubnetId: aws.String(id), AvailabilityZone: aws.String(zone), AvailableIpAddressCount: aws.Int32(free)}
	}
	r := &Resolver{ec2: subnetsEC2{subnets: []ec2types.Subnet{
		subnet("subnet-b2", "zone-b", 10), subnet("subnet-a1", "zone-a", 5), subnet("subnet-b1", "zone-b", 100),
		subnet("subnet-a3", "zone-a", 50), subnet("subnet-a2", "zone-a", 50),
	}}}
	got, err := r.subnets(context.Background(), []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"k": "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"subnet-a2", "subnet-a3", "subnet-a1", "subnet-b1", "subnet-b2"}
	if ids := subnetIDs(got); !reflect.DeepEqual(ids, want) {
		t.Errorf("subnets = %v, want %v", ids, want)
	}
}

func TestEmptyTermsSelectNothing(t *testing.T) {
	e := newEnv(t)
	nc := nodeClass()
	nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{}}
	nc.Spec.SecurityGroupSelectorTerms = []ec2v1.SecurityGroupSelectorTerm{{}}
	nc.Spec.AMISelectorTerms = []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}, {ID: "ami-1"}}
	status, _ := e.expectFailed(t, nc)
	expectCondition(t, status, ec2v1.ConditionTypeSubnetsReady, metav1.ConditionFalse, "sets neither tags nor id")
	expectCondition(t, status, ec2v1.ConditionTypeSecurityGroupsReady, metav1.ConditionFalse, "sets none of tags, id and name")
	expectCondition(t, status, ec2v1.ConditionTypeAMIsReady, metav1.ConditionFalse, "alias al2023@latest must be the only amiSelectorTerm")
	if n := e.sim.Calls("DescribeSubnets") + e.sim.Calls("DescribeSecurityGroups") + e.sim.Calls("DescribeImages"); n != 0 {
		t.Errorf("made %d Describe calls for terms that select nothing, want 0", n)
	}
}
