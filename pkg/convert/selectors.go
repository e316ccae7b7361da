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

// selectorFields are the selectors of subnets and security groups: v1alpha1's maps
// of tags, and the v1beta1 and v1 terms.
var selectorFields = []struct{ legacy, terms, what string }{
	{"subnetSelector", "subnetSelectorTerms", "subnets"},
	{"securityGroupSelector", "securityGroupSelectorTerms", "security groups"},
}

// legacySelectors turns the subnet and security group selectors of v1alpha1 (maps of
// tags) into v1 selector terms.
func (c *docConv) legacySelectors(spec fields, out map[string]any, class *Object) {
	for _, s := range selectorFields {
		selector, ok := spec.stringMap(s.legacy)
		if !ok {
			c.missingSelector(spec.child(s.legacy), s.terms, s.what, out, class)
			continue
		}
		for k, v := range selector {
			c.checkPlaceholder(spec.child(s.legacy).Key(k), k, "tag key")
			c.checkPlaceholder(spec.child(s.legacy).Key(k), v, "tag value")
		}
		terms, how := c.selectorTerms(spec.child(s.legacy), selector)
		out[s.terms] = terms
		class.change("%s -> spec.%s (%s)", spec.child(s.legacy), s.terms, how)
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
func (c *docConv) betaSelectors(spec fields, out map[string]any, class *Object) {
	betaTerms[[]ec2v1.SubnetSelectorTerm](c, spec, selectorFields[0].terms, selectorFields[0].what, out, class)
	betaTerms[[]ec2v1.SecurityGroupSelectorTerm](c, spec, selectorFields[1].terms, selectorFields[1].what, out, class)
}

// betaTerms copies the selector terms under key, of the v1 type T; an empty list is
// as good as none.
func betaTerms[T any](c *docConv, spec fields, key, what string, out map[string]any, class *Object) {
	v, ok := spec.take(key)
	if items, isList := v.([]any); !ok || isList && len(items) == 0 {
		c.missingSelector(spec.child(key), key, what, out, class)
		return
	}
	if !c.tagsBesideTags(spec.child(key), v) {
		decodeAs[T](c, spec.child(key), v)
	}
	items, _ := v.([]any)
	for i, item := range items {
		term, _ := item.(map[string]any)
		tags, _ := term["tags"].(map[string]any)
		for k, tag := range tags {
			c.checkPlaceholder(spec.child(key).Index(i).Child("tags").Key(k), k, "tag key")
			if s, isString := tag.(string); isString {
				c.checkPlaceholder(spec.child(key).Index(i).Child("tags").Key(k), s, "tag value")
			}
		}
	}
	out[key] = v
}

// tagsBesideTags reports the fields of selector terms that sit beside an empty
// "tags", where tutorials lost the indentation of the tags under it, and whether there
// were any.
func (c *docConv) tagsBesideTags(path *field.Path, v any) bool {
	found := false
	items, _ := v.([]any)
	for i, item := range items {
		term, _ := item.(map[string]any)
		if tags, has := term["tags"]; !has || tags != nil {
			continue
		}
		for _, k := range sortedKeys(term) {
			if k != "tags" && k != "id" && k != "name" {
				c.fail(path.Index(i).Child(k), "unknown field beside an empty tags: indent the tag under tags")
				found = true
			}
		}
	}
	return found
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
