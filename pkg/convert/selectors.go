package convert

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

// Keys of v1alpha1 selectors that were no tags.
const (
	idsKey       = "aws::ids"
	legacyIDsKey = "aws-ids"
	namesKey     = "aws::name"
	ownersKey    = "aws::owners"
)

// legacySelectors turns the subnet and security group selectors of v1alpha1 (maps of
// tags) into v1 selector terms.
func (c *docConv) legacySelectors(spec fields, out map[string]any, class *Object) {
	for _, s := range []struct{ from, to string }{
		{"subnetSelector", "subnetSelectorTerms"},
		{"securityGroupSelector", "securityGroupSelectorTerms"},
	} {
		selector, ok := spec.stringMap(s.from)
		if !ok {
			c.fail(spec.child(s.from), "required")
			continue
		}
		terms, how := c.selectorTerms(spec.child(s.from), selector)
		out[s.to] = terms
		class.change("%s -> spec.%s (%s)", spec.child(s.from), s.to, how)
	}
}

// selectorTerms returns the terms that select what selector did: one per id when it
// lists ids, else one with its tags.
func (c *docConv) selectorTerms(path *field.Path, selector map[string]string) ([]any, string) {
	ids, hasIDs := selectorIDs(selector)
	switch {
	case hasIDs && len(selector) > 1:
		c.fail(path, "ids cannot be combined with tags in v1 (a term with an id stands alone): keep the ids or the tags")
	case hasIDs && len(ids) == 0:
		c.fail(path.Key(idsKey), "lists no ids")
	case hasIDs:
		terms := make([]any, len(ids))
		for i, id := range ids {
			terms[i] = map[string]any{"id": id}
		}
		return terms, "one term per id"
	case len(selector) == 0:
		c.fail(path, "selects nothing: name tags or ids")
	}
	return []any{map[string]any{"tags": selector}}, "the tags as one term"
}

// selectorIDs returns the ids listed under aws::ids (or the older aws-ids).
func selectorIDs(selector map[string]string) ([]string, bool) {
	for _, key := range []string{idsKey, legacyIDsKey} {
		if v, ok := selector[key]; ok {
			return splitList(v), true
		}
	}
	return nil, false
}

// amiTerms returns the terms that select what a v1alpha1 amiSelector did: one per id,
// or one per name and owner, each with the remaining keys as tags.
func (c *docConv) amiTerms(path *field.Path, selector map[string]string) ([]any, string) {
	if _, hasIDs := selectorIDs(selector); hasIDs {
		return c.selectorTerms(path, selector)
	}
	names, owners := splitList(selector[namesKey]), splitList(selector[ownersKey])
	tags := map[string]string{}
	for k, v := range selector {
		if k != namesKey && k != ownersKey {
			tags[k] = v
		}
	}
	if len(names) == 0 && len(tags) == 0 {
		c.fail(path, "selects no AMI: name tags, %s or %s", namesKey, idsKey)
	}
	var terms []any
	for _, owner := range orOne(owners) {
		for _, name := range orOne(names) {
			term := map[string]any{}
			putIf(term, "owner", owner)
			putIf(term, "name", name)
			if len(tags) > 0 {
				term["tags"] = tags
			}
			terms = append(terms, term)
		}
	}
	return terms, "one term per name and owner"
}

// betaSelectors copies the v1beta1 selector terms, which v1 kept.
func (c *docConv) betaSelectors(spec fields, out map[string]any) {
	if v, ok := spec.take("subnetSelectorTerms"); ok {
		decodeAs[[]ec2v1.SubnetSelectorTerm](c, spec.child("subnetSelectorTerms"), v)
		out["subnetSelectorTerms"] = v
	} else {
		c.fail(spec.child("subnetSelectorTerms"), "required")
	}
	if v, ok := spec.take("securityGroupSelectorTerms"); ok {
		decodeAs[[]ec2v1.SecurityGroupSelectorTerm](c, spec.child("securityGroupSelectorTerms"), v)
		out["securityGroupSelectorTerms"] = v
	} else {
		c.fail(spec.child("securityGroupSelectorTerms"), "required")
	}
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func orOne(values []string) []string {
	if len(values) == 0 {
		return []string{""}
	}
	return values
}

func putIf(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}
