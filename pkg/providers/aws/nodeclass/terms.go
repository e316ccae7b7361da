package nodeclass

import (
	"maps"
	"slices"
	"strings"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

// This file writes selector terms the way a user reads them in a condition
// message, e.g. [{tags: {karpenter.sh/discovery: my-cluster}}, {id: subnet-0abc}].

// field is one "name: value" of a term; empty values are left out.
type field struct{ name, value string }

func describeTerm(tags map[string]string, fields ...field) string {
	var parts []string
	if len(tags) > 0 {
		pairs := make([]string, 0, len(tags))
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			pairs = append(pairs, k+": "+tags[k])
		}
		parts = append(parts, "tags: {"+strings.Join(pairs, ", ")+"}")
	}
	for _, f := range fields {
		if f.value != "" {
			parts = append(parts, f.name+": "+f.value)
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func describeList(terms []string) string {
	return "[" + strings.Join(terms, ", ") + "]"
}

func describeSubnetTerm(t ec2v1.SubnetSelectorTerm) string {
	return describeTerm(t.Tags, field{"id", t.ID})
}

func describeSubnetTerms(terms []ec2v1.SubnetSelectorTerm) string {
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		out = append(out, describeSubnetTerm(t))
	}
	return describeList(out)
}

func describeSecurityGroupTerm(t ec2v1.SecurityGroupSelectorTerm) string {
	return describeTerm(t.Tags, field{"id", t.ID}, field{"name", t.Name})
}

func describeSecurityGroupTerms(terms []ec2v1.SecurityGroupSelectorTerm) string {
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		out = append(out, describeSecurityGroupTerm(t))
	}
	return describeList(out)
}

func describeAMITerm(t ec2v1.AMISelectorTerm) string {
	return describeTerm(t.Tags, field{"alias", t.Alias}, field{"id", t.ID}, field{"name", t.Name},
		field{"owner", t.Owner}, field{"ssmParameter", t.SSMParameter})
}

func describeAMITerms(terms []ec2v1.AMISelectorTerm) string {
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		out = append(out, describeAMITerm(t))
	}
	return describeList(out)
}
