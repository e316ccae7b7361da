package convert_test

import (
	"strings"
	"testing"

	"github.com/tailor-sh/tailor/pkg/convert"
)

// convertWith converts the YAML documents with opts, failing the test on any error;
// every converted object must validate as v1.
func convertWith(t *testing.T, opts convert.Options, yaml string) []convert.Object {
	t.Helper()
	objs, err := opts.Convert(convert.Source{Name: "test.yaml", Data: []byte(yaml)})
	if err != nil {
		t.Fatalf("converting with %+v: %v", opts, err)
	}
	for _, o := range objs {
		if err := convert.Validate(o.Object); o.Unchanged == "" && err != nil {
			t.Fatalf("converted %s does not validate: %v", o.From, err)
		}
	}
	return objs
}

// refusedWith converts with opts, expecting no objects and an error holding every
// one of want.
func refusedWith(t *testing.T, opts convert.Options, yaml string, want ...string) {
	t.Helper()
	objs, err := opts.Convert(convert.Source{Name: "test.yaml", Data: []byte(yaml)})
	if err == nil || objs != nil {
		t.Fatalf("converting with %+v: want no objects and an error with %q, got %d objects and %v", opts, want, len(objs), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n  %v\nwant it to contain %q", err, w)
		}
	}
}

// guide are the flags of Karpenter's getting-started guide.
var guide = convert.Options{NodeClass: "default", Role: "KarpenterNodeRole-demo", ClusterName: "demo"}

const poolWithoutClass = `apiVersion: karpenter.sh/v1beta1
kind: NodePool
metadata: {name: classless}
spec:
  template:
    spec:
      requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [spot]}]
`

func TestNodeClassFlagNamesTheNodeClassOfNodePoolsThatNameNone(t *testing.T) {
	np := only(t, convertWith(t, convert.Options{NodeClass: "default"}, poolWithoutClass), "NodePool")
	expectAt(t, np.Object, map[string]any{"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"}, "spec", "template", "spec", "nodeClassRef")
	expectChange(t, np, "no spec.template.spec.nodeClassRef -> spec.template.spec.nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default} (from --node-class)")

	np = only(t, convertWith(t, convert.Options{NodeClass: "general"}, "apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\nmetadata: {name: bare}\nspec: {}\n"), "NodePool")
	expectAt(t, np.Object, "general", "spec", "template", "spec", "nodeClassRef", "name")
	expectChange(t, np, "no spec.providerRef -> spec.template.spec.nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: general} (from --node-class)")

	refusedWith(t, convert.Options{}, poolWithoutClass, `NodePool "classless"): spec.template.spec.nodeClassRef: required`, "pass --node-class NAME")
}

// A NodePool may name a node class that is not among the inputs: it is in the
// cluster already. Neither that name nor one of the NodePool's own is replaced.
func TestNodeClassFlagLeavesTheNodeClassANodePoolNames(t *testing.T) {
	pool := strings.Replace(poolWithoutClass, "      requirements:", "      nodeClassRef: {name: in-the-cluster}\n      requirements:", 1)
	objs := convertWith(t, convert.Options{NodeClass: "default"}, pool)
	if len(objs) != 1 {
		t.Fatalf("want the NodePool alone, got %d objects", len(objs))
	}
	expectAt(t, objs[0].Object, "in-the-cluster", "spec", "template", "spec", "nodeClassRef", "name")
	for _, c := range objs[0].Changes {
		if strings.Contains(c, "--node-class") || strings.Contains(c, "in-the-cluster") {
			t.Errorf("want no change to the node class named, got %q", c)
		}
	}
	np := only(t, convertWith(t, convert.Options{NodeClass: "default"}, provisioner("")), "NodePool")
	expectAt(t, np.Object, "nodes", "spec", "template", "spec", "nodeClassRef", "name")
}

// A nodeClassRef indented under spec instead of the template is refused as it is,
// not mended with the flag's node class.
func TestNodeClassFlagDoesNotMendAMisplacedNodeClassRef(t *testing.T) {
	refusedWith(t, guide, poolWithoutClass+"  nodeClassRef: {name: gpu}\n",
		"spec.nodeClassRef: unknown field: a NodePool names its node class in spec.template.spec.nodeClassRef: indent it under template.spec")
}

const classWithoutRole = `apiVersion: karpenter.k8s.aws/v1beta1
kind: EC2NodeClass
metadata: {name: nodes}
spec:
  amiFamily: AL2023
  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}]
`

func TestRoleFlagGivesNodeClassesWithoutOneARole(t *testing.T) {
	class := only(t, convertWith(t, convert.Options{Role: "KarpenterNodeRole-demo"}, classWithoutRole), "EC2NodeClass")
	expectAt(t, class.Object, "KarpenterNodeRole-demo", "spec", "role")
	expectChange(t, class, "no spec.role -> spec.role: KarpenterNodeRole-demo (from --role")

	// An AWSNodeTemplate without instance profile takes the role when it is all there is.
	legacy := strings.Replace(template("  subnetSelector: {a: b}\n  securityGroupSelector: {a: b}\n"), "  instanceProfile: DemoProfile\n", "", 1)
	class = only(t, convertWith(t, convert.Options{Role: "KarpenterNodeRole-demo"}, legacy), "EC2NodeClass")
	expectAt(t, class.Object, "KarpenterNodeRole-demo", "spec", "role")
	expectChange(t, class, "no spec.instanceProfile -> spec.role: KarpenterNodeRole-demo (from --role")

	// A node class's own role or instance profile stays.
	class = only(t, convertWith(t, convert.Options{Role: "KarpenterNodeRole-demo"}, classWithoutRole+"  instanceProfile: Own\n"), "EC2NodeClass")
	expectAt(t, class.Object, "Own", "spec", "instanceProfile")
	if at(class.Object, "spec", "role") != nil {
		t.Errorf("the role of the flag was added beside the node class's own instance profile")
	}

	refusedWith(t, convert.Options{}, classWithoutRole, `EC2NodeClass "nodes"): spec.role: required`, "pass --role NAME or --instance-profile NAME")
}

func TestInstanceProfileFlagGivesNodeClassesWithoutRoleAnInstanceProfile(t *testing.T) {
	legacy := strings.Replace(template("  subnetSelector: {a: b}\n  securityGroupSelector: {a: b}\n"), "  instanceProfile: DemoProfile\n", "", 1)
	both := convert.Options{Role: "KarpenterNodeRole-demo", InstanceProfile: "KarpenterNodeInstanceProfile-demo"}
	// The AWSNodeTemplate takes the instance profile, as v1alpha5's
	// aws.defaultInstanceProfile gave it one; the v1beta1 EC2NodeClass takes the role.
	objs := convertWith(t, both, legacy+"---\n"+strings.Replace(classWithoutRole, "name: nodes", "name: beta", 1))
	expectAt(t, objs[0].Object, "KarpenterNodeInstanceProfile-demo", "spec", "instanceProfile")
	expectChange(t, objs[0], "no spec.instanceProfile -> spec.instanceProfile: KarpenterNodeInstanceProfile-demo (from --instance-profile)")
	expectAt(t, objs[1].Object, "KarpenterNodeRole-demo", "spec", "role")
	if at(objs[0].Object, "spec", "role") != nil || at(objs[1].Object, "spec", "instanceProfile") != nil {
		t.Errorf("want one of role and instance profile per node class, got %v and %v", at(objs[0].Object, "spec"), at(objs[1].Object, "spec"))
	}
	// Given alone, the instance profile goes to both.
	class := only(t, convertWith(t, convert.Options{InstanceProfile: "P"}, classWithoutRole), "EC2NodeClass")
	expectAt(t, class.Object, "P", "spec", "instanceProfile")

	refusedWith(t, convert.Options{}, legacy, `AWSNodeTemplate "nodes"): spec.instanceProfile: required`, "pass --instance-profile NAME (the value of that setting) or --role NAME")
}

func TestClusterNameFlagSelectsTheGuidesDiscoveryTag(t *testing.T) {
	discovery := []any{map[string]any{"tags": map[string]any{"karpenter.sh/discovery": "demo"}}}
	beta := "apiVersion: karpenter.k8s.aws/v1beta1\nkind: EC2NodeClass\nmetadata: {name: nodes}\nspec: {role: R, amiFamily: AL2}\n"
	class := only(t, convertWith(t, convert.Options{ClusterName: "demo"}, beta), "EC2NodeClass")
	expectAt(t, class.Object, discovery, "spec", "subnetSelectorTerms")
	expectAt(t, class.Object, discovery, "spec", "securityGroupSelectorTerms")
	expectChange(t, class, "no spec.subnetSelectorTerms -> spec.subnetSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}] (from --cluster-name")
	expectChange(t, class, "no spec.securityGroupSelectorTerms -> spec.securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}]")

	// An AWSNodeTemplate (or a Provisioner's spec.provider) without selectors, and
	// an empty list of terms, take it too; selectors of one's own stay.
	class = only(t, convertWith(t, convert.Options{ClusterName: "demo"}, template("  securityGroupSelector: {team: a}\n")), "EC2NodeClass")
	expectAt(t, class.Object, discovery, "spec", "subnetSelectorTerms")
	expectAt(t, class.Object, []any{map[string]any{"tags": map[string]any{"team": "a"}}}, "spec", "securityGroupSelectorTerms")
	expectChange(t, class, "no spec.subnetSelector -> spec.subnetSelectorTerms")
	objs := convertWith(t, convert.Options{ClusterName: "demo"},
		"apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\nmetadata: {name: inline}\nspec: {provider: {instanceProfile: P}}\n")
	expectAt(t, only(t, objs, "EC2NodeClass").Object, discovery, "spec", "securityGroupSelectorTerms")
	class = only(t, convertWith(t, convert.Options{ClusterName: "demo"}, nodeClass("  role: R\n")+"  amiSelectorTerms: [{alias: al2023@latest}]\n"), "EC2NodeClass")
	expectAt(t, class.Object, []any{map[string]any{"id": "sg-0123"}}, "spec", "securityGroupSelectorTerms")
	class = only(t, convertWith(t, convert.Options{ClusterName: "demo"}, strings.Replace(beta, "role: R", "role: R, subnetSelectorTerms: []", 1)), "EC2NodeClass")
	expectAt(t, class.Object, discovery, "spec", "subnetSelectorTerms")

	refusedWith(t, convert.Options{}, beta, `EC2NodeClass "nodes"): spec.subnetSelectorTerms: required`,
		"pass --cluster-name NAME to select those tagged karpenter.sh/discovery: NAME", "spec.securityGroupSelectorTerms: required: select the nodes' security groups")
}

// The flags supply what was left out; they mend nothing that is wrong.
func TestFlagsDoNotMendWhatIsWrong(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{poolWithoutClass + "  disruption: {consolidationPolicy: WhenIdle}\n", `spec.disruption.consolidationPolicy: unsupported value "WhenIdle"`},
		{strings.Replace(poolWithoutClass, "values: [spot]", "values: [...]", 1), `spec.template.spec.requirements[0].values[0]: "..." is not a valid label value`},
		{classWithoutRole + "  role: KarpenterNodeRole-<cluster-name>\n", `spec.role: "KarpenterNodeRole-<cluster-name>" is not a valid IAM role name`},
		{strings.Replace(classWithoutRole, "discovery: demo}}]\n  security", "discovery: <cluster-name>}}]\n  security", 1),
			`spec.subnetSelectorTerms[0].tags[karpenter.sh/discovery]: "<cluster-name>" is not a valid tag value`},
		{template("  subnetSelector: {kubernetes.io/cluster/<cluster-name>: '*'}\n"), `"kubernetes.io/cluster/<cluster-name>" is not a valid tag key`},
		{classWithoutRole + "  subnetSelectorTerms:\n  - tags:\n    karpenter.sh/discovery: demo\n",
			"spec.subnetSelectorTerms[0].karpenter.sh/discovery: unknown field beside an empty tags: indent the tag under tags"},
		{classWithoutRole + "  kubelte: {maxPods: 10}\n", "spec.kubelte: unknown field"},
	} {
		refusedWith(t, guide, tc.yaml, tc.want)
	}
}

func TestOptionsThatAWSWouldNotTakeRefused(t *testing.T) {
	for _, tc := range []struct {
		opts convert.Options
		want string
	}{
		{convert.Options{NodeClass: "My_Class"}, `--node-class "My_Class" is not an EC2NodeClass name`},
		{convert.Options{Role: "KarpenterNodeRole-<cluster-name>"}, `--role "KarpenterNodeRole-<cluster-name>" is not an IAM name`},
		{convert.Options{InstanceProfile: strings.Repeat("p", 129)}, "--instance-profile"},
		{convert.Options{ClusterName: "<cluster-name>"}, `--cluster-name "<cluster-name>" cannot be an EC2 tag value`},
	} {
		if err := tc.opts.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: want an error with %q, got %v", tc.opts, tc.want, err)
		}
		if objs, err := tc.opts.Convert(convert.Source{Name: "test.yaml", Data: []byte(poolWithoutClass)}); err == nil || objs != nil {
			t.Errorf("%+v: want Convert to refuse the options, got %v", tc.opts, err)
		}
	}
	if err := guide.Validate(); err != nil {
		t.Errorf("the guide's flags refused: %v", err)
	}
}

// A document that is no YAML is refused with the line, counted in its file, where
// reading it failed.
func TestYAMLErrorsGiveTheLineOfTheFile(t *testing.T) {
	flattened := "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata:\nname: flat\nspec:\n  template: {}\n template: x\n"
	refusedWith(t, convert.Options{}, poolWithoutClass+"---\n# the second\n"+flattened,
		"test.yaml, document 2 (document): reading the document, line 15: did not find expected key")
	refusedWith(t, convert.Options{}, poolWithoutClass+"---\n- a list\n", "document 2 (document): reading the document (from line 9), want an object, got a list")
}
