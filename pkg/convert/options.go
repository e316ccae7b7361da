package convert

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// Options supply what manifests of the APIs before v1 could leave out and v1
// requires, the way Karpenter's getting-started guide sets a cluster up: one
// EC2NodeClass named "default", the node role KarpenterNodeRole-CLUSTER, and subnets
// and security groups tagged karpenter.sh/discovery: CLUSTER. The zero Options supply
// nothing, and such manifests are refused; each refusal names the kubectl tailor
// convert flag that supplies the value (the flags are named after these fields).
type Options struct {
	// NodeClass names the EC2NodeClass of a NodePool or Provisioner that names none
	// (--node-class). It need not be among the inputs: it may exist in the cluster.
	NodeClass string
	// Role is the node IAM role of a node class with neither role nor instance
	// profile (--role).
	Role string
	// InstanceProfile is the instance profile of a node class with neither
	// (--instance-profile). Given with Role, an AWSNodeTemplate takes it (it stands
	// for v1alpha5's aws.defaultInstanceProfile setting) and a v1beta1 EC2NodeClass
	// takes Role.
	InstanceProfile string
	// ClusterName selects, for a node class without subnet or security group
	// selectors, those tagged karpenter.sh/discovery: ClusterName (--cluster-name).
	ClusterName string
}

// discoveryTag is the tag Karpenter's getting-started guide puts on the cluster's
// subnets and security groups, with the cluster's name as its value.
const discoveryTag = wellknown.Group + "/discovery"

var (
	// iamName is what IAM allows in role and instance profile names.
	iamName = regexp.MustCompile(`^[\w+=,.@-]+$`)
	// tagValue is what EC2 allows in tag values.
	tagValue = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// Validate reports each option that v1 or AWS would not take, by its flag.
func (o Options) Validate() error {
	var errs []error
	if o.NodeClass != "" {
		if msgs := validation.IsDNS1123Subdomain(o.NodeClass); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("--node-class %q is not an EC2NodeClass name: %s", o.NodeClass, strings.Join(msgs, "; ")))
		}
	}
	for _, name := range []struct {
		flag, value string
		max         int
	}{{"--role", o.Role, 64}, {"--instance-profile", o.InstanceProfile, 128}} {
		if name.value != "" && (len(name.value) > name.max || !iamName.MatchString(name.value)) {
			errs = append(errs, fmt.Errorf("%s %q is not an IAM name: want at most %d of letters, digits and +=,.@_-", name.flag, name.value, name.max))
		}
	}
	if o.ClusterName != "" && (len(o.ClusterName) > 256 || !tagValue.MatchString(o.ClusterName)) {
		errs = append(errs, fmt.Errorf("--cluster-name %q cannot be an EC2 tag value: want at most 256 of letters, digits, spaces and _.:/=+-@", o.ClusterName))
	}
	return errors.Join(errs...)
}

// missingNodeClass returns the EC2NodeClass of a NodePool whose document names none
// at path, from --node-class, or "" after saying what is missing.
func (c *docConv) missingNodeClass(path *field.Path, np *Object, required string) string {
	name := c.opts.NodeClass
	if name == "" {
		c.fail(path, "required: %s: name it, or pass --node-class NAME", required)
		return ""
	}
	np.change("no %s -> spec.template.spec.nodeClassRef: {group: %s, kind: EC2NodeClass, name: %s} (from --node-class)", path, wellknown.AWSGroup, name)
	return name
}

// missingIdentity sets the role or instance profile of a node class whose document
// has neither, from --role or --instance-profile, or says what is missing at path.
// An AWSNodeTemplate prefers the instance profile, as v1alpha5 did.
func (c *docConv) missingIdentity(path *field.Path, legacy bool, out map[string]any, class *Object, required string) {
	role, profile := c.opts.Role, c.opts.InstanceProfile
	switch {
	case profile != "" && (legacy || role == ""):
		out["instanceProfile"] = profile
		class.change("no %s -> spec.instanceProfile: %s (from --instance-profile)", path, profile)
	case role != "":
		out["role"] = role
		class.change("no %s -> spec.role: %s (from --role; Karpenter makes the instance profile for it)", path, role)
	case legacy:
		c.fail(path, "required: %s: add it, or pass --instance-profile NAME (the value of that setting) or --role NAME", required)
	default:
		c.fail(path, "required: %s: add it, or pass --role NAME or --instance-profile NAME", required)
	}
}

// missingSelector sets the selector terms of a node class whose document selects no
// subnets (or security groups) at path: those tagged karpenter.sh/discovery with
// the name of --cluster-name, or it says what is missing.
func (c *docConv) missingSelector(path *field.Path, key, what string, out map[string]any, class *Object) {
	cluster := c.opts.ClusterName
	if cluster == "" {
		c.fail(path, "required: select the nodes' %s, or pass --cluster-name NAME to select those tagged %s: NAME, as Karpenter's getting-started guide tags them",
			what, discoveryTag)
		return
	}
	out[key] = []any{map[string]any{"tags": map[string]any{discoveryTag: cluster}}}
	class.change("no %s -> spec.%s: [{tags: {%s: %s}}] (from --cluster-name: the %s Karpenter's getting-started guide tags)",
		path, key, discoveryTag, cluster, what)
}

// checkPlaceholder refuses an AWS name or tag value holding < or >, which AWS allows
// in neither: tutorials write "<cluster-name>" where the reader's own name belongs.
func (c *docConv) checkPlaceholder(path *field.Path, value, what string) {
	if strings.ContainsAny(value, "<>") {
		c.fail(path, "%q is not a valid %s: AWS allows no < or > in it (is it a placeholder? put your own name here)", value, what)
	}
}
