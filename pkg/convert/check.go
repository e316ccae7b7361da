package convert

import (
	"bytes"
	"encoding/json"

	"k8s.io/apimachinery/pkg/util/validation/field"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// Validate checks that obj, a karpenter.sh/v1 NodePool or karpenter.k8s.aws/v1
// EC2NodeClass, decodes into the project's v1 Go types with no field they lack, and
// has the fields v1 requires. The CRDs' patterns and CEL rules are the API server's
// to check.
func Validate(obj map[string]any) error {
	var probs problems
	c := &docConv{doc: describeDoc(Doc{Source: "converted", Index: 1}, obj), probs: &probs}
	switch c.doc.APIVersion + " " + c.doc.Kind {
	case nodePoolGVK:
		np, _ := decodeAs[karpv1.NodePool](c, field.NewPath(""), obj)
		requireNodePool(c, np)
	case nodeClassGVK:
		class, _ := decodeAs[ec2v1.EC2NodeClass](c, field.NewPath(""), obj)
		requireNodeClass(c, class)
	default:
		c.fail(nil, "not a %s or a %s", nodePoolGVK, nodeClassGVK)
	}
	return probs.err()
}

func requireNodePool(c *docConv, np karpv1.NodePool) {
	spec := field.NewPath("spec", "template", "spec")
	ref := np.Spec.Template.Spec.NodeClassRef
	if ref == nil || ref.Group == "" || ref.Kind == "" || ref.Name == "" {
		c.fail(spec.Child("nodeClassRef"), "required: group, kind and name")
	}
	if np.Spec.Template.Spec.Requirements == nil {
		c.fail(spec.Child("requirements"), "required")
	}
}

func requireNodeClass(c *docConv, class ec2v1.EC2NodeClass) {
	spec := field.NewPath("spec")
	if len(class.Spec.SubnetSelectorTerms) == 0 {
		c.fail(spec.Child("subnetSelectorTerms"), "required")
	}
	if len(class.Spec.SecurityGroupSelectorTerms) == 0 {
		c.fail(spec.Child("securityGroupSelectorTerms"), "required")
	}
	if len(class.Spec.AMISelectorTerms) == 0 {
		c.fail(spec.Child("amiSelectorTerms"), "required")
	}
	if (class.Spec.Role == "") == (class.Spec.InstanceProfile == nil) {
		c.fail(spec, "want exactly one of role and instanceProfile")
	}
}

// checkV1 validates every converted object, which catches conversions that went
// wrong here, and makes its values plain JSON ones.
func (cv *conversion) checkV1() {
	for _, o := range cv.objects {
		if o.Unchanged != "" {
			continue
		}
		o.Object = plainJSON(o.Object)
		if err := Validate(o.Object); err != nil {
			for _, fe := range FieldErrors(err) {
				cv.probs.add(o.From, nil, "the converted %s does not fit v1 (%s: %s); please report this", o.Object["kind"], fe.Field, fe.Detail)
			}
		}
	}
}

// plainJSON returns obj with only the types JSON decoding makes.
func plainJSON(obj map[string]any) map[string]any {
	b, err := json.Marshal(obj)
	if err != nil {
		return obj
	}
	out := map[string]any{}
	if err := useNumber(json.NewDecoder(bytes.NewReader(b))).Decode(&out); err != nil {
		return obj
	}
	return out
}
