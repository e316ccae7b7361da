package convert

import (
	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

// awsNodeTemplate converts a karpenter.k8s.aws/v1alpha1 AWSNodeTemplate.
func (cv *conversion) awsNodeTemplate(c *docConv, root fields) {
	cv.nodeClass(c, root, true)
}

// nodeClassBeta converts a karpenter.k8s.aws/v1beta1 EC2NodeClass.
func (cv *conversion) nodeClassBeta(c *docConv, root fields) {
	cv.nodeClass(c, root, false)
}

func (cv *conversion) nodeClass(c *docConv, root fields, legacy bool) {
	class := cv.newObject(c, root, ec2v1.GroupVersion, "EC2NodeClass")
	spec, ok := root.object("spec")
	rootDone(root, ok)
	if !ok {
		c.fail(root.child("spec"), "required")
		return
	}
	class.Object["spec"] = c.nodeClassSpec(spec, legacy, class)
}

// launchTemplateHint explains why v1 has no place for a launch template of one's own.
const launchTemplateHint = "no v1 form: v1 builds its own launch templates; " +
	"move what yours sets (AMI, user data, block devices, security groups, metadata options) into the fields of the EC2NodeClass and remove this one"

// nodeClassSpec returns the v1 EC2NodeClass spec made from spec: the settings of an
// AWSNodeTemplate or of a Provisioner's spec.provider when legacy, else those of a
// v1beta1 EC2NodeClass.
func (c *docConv) nodeClassSpec(spec fields, legacy bool, class *Object) map[string]any {
	out := map[string]any{}
	if legacy {
		c.legacySelectors(spec, out, class)
	} else {
		c.betaSelectors(spec, out, class)
	}
	c.identity(spec, legacy, out, class)
	c.nodeClassSettings(spec, legacy, out)
	c.metadataOptions(spec, out, class)
	c.amis(spec, legacy, out, class)
	spec.done(map[string]string{"launchTemplate": launchTemplateHint, "launchTemplateName": launchTemplateHint})
	return out
}

// nodeClassSettings copies the fields that kept their name and form.
func (c *docConv) nodeClassSettings(spec fields, legacy bool, out map[string]any) {
	for _, key := range []string{"userData", "context"} {
		if s, ok := spec.str(key); ok {
			out[key] = s
		}
	}
	if tags, ok := spec.stringMap("tags"); ok {
		out["tags"] = tags
	}
	if b, ok := spec.boolean("detailedMonitoring"); ok {
		out["detailedMonitoring"] = b
	}
	if v, ok := spec.take("blockDeviceMappings"); ok {
		decodeAs[[]*ec2v1.BlockDeviceMapping](c, spec.child("blockDeviceMappings"), v)
		out["blockDeviceMappings"] = v
	}
	if legacy {
		return
	}
	if s, ok := spec.str("instanceStorePolicy"); ok {
		out["instanceStorePolicy"] = s
	}
	if b, ok := spec.boolean("associatePublicIPAddress"); ok {
		out["associatePublicIPAddress"] = b
	}
}

// identity sets role or instanceProfile, one of which v1 requires; a document with
// neither takes the one of the options.
func (c *docConv) identity(spec fields, legacy bool, out map[string]any, class *Object) {
	profile, hasProfile := spec.str("instanceProfile")
	if legacy {
		if !hasProfile || profile == "" {
			c.missingIdentity(spec.child("instanceProfile"), legacy, out, class, "v1 needs an instance profile or a role here; "+
				"v1alpha5 fell back to the aws.defaultInstanceProfile setting, which v1 does not have")
			return
		}
		c.checkPlaceholder(spec.child("instanceProfile"), profile, "instance profile name")
		out["instanceProfile"] = profile
		class.change("%s kept (v1 also takes spec.role, for which Karpenter makes the instance profile)", spec.child("instanceProfile"))
		return
	}
	role, hasRole := spec.str("role")
	switch {
	case hasRole && hasProfile:
		c.fail(spec.child("instanceProfile"), "cannot be set with spec.role: keep one")
	case hasRole && role != "":
		c.checkPlaceholder(spec.child("role"), role, "IAM role name")
		out["role"] = role
	case hasProfile && profile != "":
		c.checkPlaceholder(spec.child("instanceProfile"), profile, "instance profile name")
		out["instanceProfile"] = profile
	default:
		c.missingIdentity(spec.child("role"), legacy, out, class, "v1 needs the node IAM role here (or an instance profile in spec.instanceProfile)")
	}
}

// metadataHopLimitBefore is the httpPutResponseHopLimit that v1alpha1 and v1beta1
// defaulted to; v1 defaults to 1, which keeps pods off the instance metadata service.
const metadataHopLimitBefore = 2

func (c *docConv) metadataOptions(spec fields, out map[string]any, class *Object) {
	options := map[string]any{}
	if v, ok := spec.take("metadataOptions"); ok {
		if _, fits := decodeAs[ec2v1.MetadataOptions](c, spec.child("metadataOptions"), v); fits {
			options = v.(map[string]any)
		}
	}
	if _, ok := options["httpPutResponseHopLimit"]; !ok {
		options["httpPutResponseHopLimit"] = numberOf(metadataHopLimitBefore)
		class.change("spec.metadataOptions.httpPutResponseHopLimit unset -> %d, the old default (v1 defaults to 1, "+
			"which keeps pods without hostNetwork from the instance metadata service: remove it to take that)", metadataHopLimitBefore)
	}
	out["metadataOptions"] = options
}
