package nodeclass

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

// subnets returns the subnets any term matches, sorted by zone, then by free
// addresses (most first), then by id.
func (r *Resolver) subnets(ctx context.Context, terms []ec2v1.SubnetSelectorTerm) ([]ec2v1.Subnet, error) {
	found := map[string]ec2types.Subnet{}
	for _, term := range terms {
		filters := tagFilters(term.Tags)
		if term.ID != "" {
			filters = append(filters, filter("subnet-id", term.ID))
		}
		if len(filters) == 0 {
			return nil, errors.New("a subnetSelectorTerm sets neither tags nor id; set one")
		}
		pages := ec2.NewDescribeSubnetsPaginator(r.ec2, &ec2.DescribeSubnetsInput{Filters: filters})
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describing subnets of %s, %w", describeSubnetTerm(term), err)
			}
			for _, s := range out.Subnets {
				found[aws.ToString(s.SubnetId)] = s
			}
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("no subnet matches subnetSelectorTerms %s", describeSubnetTerms(terms))
	}
	subnets := make([]ec2types.Subnet, 0, len(found))
	for _, s := range found {
		subnets = append(subnets, s)
	}
	sort.Slice(subnets, func(i, j int) bool {
		a, b := subnets[i], subnets[j]
		if za, zb := aws.ToString(a.AvailabilityZone), aws.ToString(b.AvailabilityZone); za != zb {
			return za < zb
		}
		if ia, ib := aws.ToInt32(a.AvailableIpAddressCount), aws.ToInt32(b.AvailableIpAddressCount); ia != ib {
			return ia > ib
		}
		return aws.ToString(a.SubnetId) < aws.ToString(b.SubnetId)
	})
	out := make([]ec2v1.Subnet, 0, len(subnets))
	for _, s := range subnets {
		out = append(out, ec2v1.Subnet{
			ID:     aws.ToString(s.SubnetId),
			Zone:   aws.ToString(s.AvailabilityZone),
			ZoneID: aws.ToString(s.AvailabilityZoneId),
		})
	}
	return out, nil
}

// securityGroups returns the security groups any term matches, sorted by id.
func (r *Resolver) securityGroups(ctx context.Context, terms []ec2v1.SecurityGroupSelectorTerm) ([]ec2v1.SecurityGroup, error) {
	found := map[string]ec2v1.SecurityGroup{}
	for _, term := range terms {
		filters := tagFilters(term.Tags)
		if term.ID != "" {
			filters = append(filters, filter("group-id", term.ID))
		}
		if term.Name != "" {
			filters = append(filters, filter("group-name", term.Name))
		}
		if len(filters) == 0 {
			return nil, errors.New("a securityGroupSelectorTerm sets none of tags, id and name; set one")
		}
		pages := ec2.NewDescribeSecurityGroupsPaginator(r.ec2, &ec2.DescribeSecurityGroupsInput{Filters: filters})
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describing security groups of %s, %w", describeSecurityGroupTerm(term), err)
			}
			for _, g := range out.SecurityGroups {
				id := aws.ToString(g.GroupId)
				found[id] = ec2v1.SecurityGroup{ID: id, Name: aws.ToString(g.GroupName)}
			}
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("no security group matches securityGroupSelectorTerms %s", describeSecurityGroupTerms(terms))
	}
	out := make([]ec2v1.SecurityGroup, 0, len(found))
	for _, g := range found {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// tagFilters turns selector tags into EC2 filters, sorted by key: a "*" value
// matches any value (a tag-key filter), any other value that value (EC2 filters
// accept * and ? wildcards within values too).
func tagFilters(tags map[string]string) []ec2types.Filter {
	out := make([]ec2types.Filter, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if tags[k] == "*" {
			out = append(out, filter("tag-key", k))
		} else {
			out = append(out, filter("tag:"+k, tags[k]))
		}
	}
	return out
}

func filter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}
