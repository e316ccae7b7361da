package convert

import (
	"strings"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

// AMI families.
const (
	familyAL2    = "AL2"
	familyCustom = "Custom"
	familyUbuntu = "Ubuntu"
)

// aliasFamilies are the AMI families v1 can select by alias (family@version).
var aliasFamilies = map[string]bool{familyAL2: true, "AL2023": true, "Bottlerocket": true, "Windows2019": true, "Windows2022": true}

// ubuntuRootVolume is the root volume Karpenter gave Ubuntu nodes, which the AL2
// family (that Ubuntu nodes use in v1) would not.
var ubuntuRootVolume = map[string]any{
	"deviceName": "/dev/sda1",
	"rootVolume": true,
	"ebs":        map[string]any{"encrypted": true, "volumeType": "gp3", "volumeSize": "20Gi"},
}

// amis sets amiSelectorTerms, and amiFamily where v1 cannot infer it: a family alone
// becomes the alias of its latest AMIs; a family with selected AMIs stays as it was.
func (c *docConv) amis(spec fields, legacy bool, out map[string]any, class *Object) {
	terms := c.amiSelection(spec, legacy, class)
	family, ok := spec.str("amiFamily")
	if !ok {
		family = familyAL2
		class.change("%s unset -> %s, the default before v1", spec.child("amiFamily"), familyAL2)
	}
	switch {
	case aliasFamilies[family] && len(terms) == 0:
		alias := strings.ToLower(family) + "@latest"
		out["amiSelectorTerms"] = []any{map[string]any{"alias": alias}}
		class.change("%s: %s -> spec.amiSelectorTerms: [{alias: %s}] (v1 infers the family from the alias; "+
			"pin a version instead of latest to choose when nodes take new AMIs)", spec.child("amiFamily"), family, alias)
	case aliasFamilies[family]:
		out["amiFamily"], out["amiSelectorTerms"] = family, terms
	case family == familyCustom && len(terms) > 0:
		out["amiFamily"], out["amiSelectorTerms"] = family, terms
		class.change("%s: Custom kept; in v1 your user data must register the node with the taint karpenter.sh/unregistered:NoExecute", spec.child("amiFamily"))
	case family == familyUbuntu && len(terms) > 0:
		c.ubuntu(out, terms, class)
	case family == familyCustom || family == familyUbuntu:
		c.fail(spec.child("amiFamily"), "%s needs AMIs selected in amiSelectorTerms, and there are none: v1 has no %s AMIs of its own", family, family)
	default:
		c.fail(spec.child("amiFamily"), "unsupported value %q: want AL2, AL2023, Bottlerocket, Custom, Windows2019 or Windows2022", family)
	}
}

// amiSelection returns the AMI selector terms of spec, converted from v1alpha1's
// amiSelector when legacy.
func (c *docConv) amiSelection(spec fields, legacy bool, class *Object) []any {
	if legacy {
		selector, ok := spec.stringMap("amiSelector")
		if !ok {
			return nil
		}
		terms, how := c.amiTerms(spec.child("amiSelector"), selector)
		class.change("spec.amiSelector -> spec.amiSelectorTerms (%s)", how)
		return terms
	}
	v, ok := spec.take("amiSelectorTerms")
	if !ok {
		return nil
	}
	decodeAs[[]ec2v1.AMISelectorTerm](c, spec.child("amiSelectorTerms"), v)
	terms, _ := v.([]any)
	return terms
}

// ubuntu converts an Ubuntu node class as Karpenter's own conversion did: the AL2
// family, whose user data format Ubuntu shares, and Ubuntu's root volume.
func (c *docConv) ubuntu(out map[string]any, terms []any, class *Object) {
	out["amiFamily"], out["amiSelectorTerms"] = familyAL2, terms
	class.change("spec.amiFamily: Ubuntu -> AL2 (v1 dropped Ubuntu; its nodes share the AL2 user data format)")
	if _, ok := out["blockDeviceMappings"]; !ok {
		out["blockDeviceMappings"] = []any{ubuntuRootVolume}
		class.change("spec.blockDeviceMappings: added Ubuntu's root volume (/dev/sda1, 20Gi gp3, encrypted), which AL2 would not give")
	}
}
