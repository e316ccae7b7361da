package convert_test

import (
	"strings"
	"testing"
)

// nodeClass is a v1beta1 EC2NodeClass with spec lines added to a role and selectors.
func nodeClass(specLines string) string {
	return `apiVersion: karpenter.k8s.aws/v1beta1
kind: EC2NodeClass
metadata: {name: nodes}
spec:
  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}]
  securityGroupSelectorTerms: [{id: sg-0123}]
` + specLines
}

// template is an AWSNodeTemplate with spec lines added to its instance profile.
func template(specLines string) string {
	return `apiVersion: karpenter.k8s.aws/v1alpha1
kind: AWSNodeTemplate
metadata: {name: nodes}
spec:
  instanceProfile: DemoProfile
` + specLines
}

func TestAMIFamilyBecomesAnAlias(t *testing.T) {
	for family, alias := range map[string]string{
		"AL2": "al2@latest", "AL2023": "al2023@latest", "Bottlerocket": "bottlerocket@latest",
		"Windows2019": "windows2019@latest", "Windows2022": "windows2022@latest",
	} {
		class := only(t, convertOK(t, nodeClass("  role: R\n  amiFamily: "+family+"\n")), "EC2NodeClass")
		expectAt(t, class.Object, []any{map[string]any{"alias": alias}}, "spec", "amiSelectorTerms")
		if at(class.Object, "spec", "amiFamily") != nil {
			t.Errorf("%s: amiFamily kept beside the alias it is inferred from", family)
		}
		expectChange(t, class, "spec.amiFamily: "+family+" -> spec.amiSelectorTerms: [{alias: "+alias+"}]")
	}
}

func TestAMIFamilyWithSelectedAMIsStays(t *testing.T) {
	class := only(t, convertOK(t, nodeClass("  role: R\n  amiFamily: Bottlerocket\n  amiSelectorTerms: [{id: ami-0123}, {id: ami-0456}]\n")), "EC2NodeClass").Object
	expectAt(t, class, "Bottlerocket", "spec", "amiFamily")
	expectAt(t, class, []any{map[string]any{"id": "ami-0123"}, map[string]any{"id": "ami-0456"}}, "spec", "amiSelectorTerms")
}

func TestAMIFamilyUnsetWasAL2(t *testing.T) {
	class := only(t, convertOK(t, template("  subnetSelector: {a: b}\n  securityGroupSelector: {a: b}\n")), "EC2NodeClass")
	expectAt(t, class.Object, []any{map[string]any{"alias": "al2@latest"}}, "spec", "amiSelectorTerms")
	expectChange(t, class, "spec.amiFamily unset -> AL2")
}

func TestUbuntuBecomesAL2WithUbuntusRootVolume(t *testing.T) {
	class := only(t, convertOK(t, nodeClass("  role: R\n  amiFamily: Ubuntu\n  amiSelectorTerms: [{id: ami-0123}]\n")), "EC2NodeClass")
	expectAt(t, class.Object, "AL2", "spec", "amiFamily")
	expectAt(t, class.Object, []any{map[string]any{"deviceName": "/dev/sda1", "rootVolume": true,
		"ebs": map[string]any{"encrypted": true, "volumeType": "gp3", "volumeSize": "20Gi"}}}, "spec", "blockDeviceMappings")
	// Block devices of one's own stay as they are.
	class = only(t, convertOK(t, nodeClass("  role: R\n  amiFamily: Ubuntu\n  amiSelectorTerms: [{id: ami-0123}]\n"+
		"  blockDeviceMappings: [{deviceName: /dev/sda1, ebs: {volumeSize: 50Gi}}]\n")), "EC2NodeClass")
	expectAt(t, class.Object, []any{map[string]any{"deviceName": "/dev/sda1", "ebs": map[string]any{"volumeSize": "50Gi"}}}, "spec", "blockDeviceMappings")
}

func TestAMIFamilyRefusals(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"  role: R\n  amiFamily: Ubuntu\n", "spec.amiFamily: Ubuntu needs AMIs selected in amiSelectorTerms"},
		{"  role: R\n  amiFamily: Custom\n", "spec.amiFamily: Custom needs AMIs selected in amiSelectorTerms"},
		{"  role: R\n  amiFamily: Gentoo\n", `spec.amiFamily: unsupported value "Gentoo"`},
	} {
		convertRefused(t, nodeClass(tc.spec), tc.want)
	}
}

func TestCustomAMIFamilyKeptWithANote(t *testing.T) {
	class := only(t, convertOK(t, nodeClass("  role: R\n  amiFamily: Custom\n  amiSelectorTerms: [{name: my-ami-*, owner: self}]\n")), "EC2NodeClass")
	expectAt(t, class.Object, "Custom", "spec", "amiFamily")
	expectChange(t, class, "karpenter.sh/unregistered:NoExecute")
}

func TestSelectorsBecomeSelectorTerms(t *testing.T) {
	for _, tc := range []struct {
		selector string
		want     []any
	}{
		{"{karpenter.sh/discovery: demo, Name: private}", []any{map[string]any{"tags": map[string]any{"karpenter.sh/discovery": "demo", "Name": "private"}}}},
		{`{aws::ids: "subnet-1, subnet-2"}`, []any{map[string]any{"id": "subnet-1"}, map[string]any{"id": "subnet-2"}}},
		{"{aws-ids: subnet-3}", []any{map[string]any{"id": "subnet-3"}}},
	} {
		class := only(t, convertOK(t, template("  subnetSelector: "+tc.selector+"\n  securityGroupSelector: "+tc.selector+"\n")), "EC2NodeClass")
		expectAt(t, class.Object, tc.want, "spec", "subnetSelectorTerms")
		expectAt(t, class.Object, tc.want, "spec", "securityGroupSelectorTerms")
		expectChange(t, class, "spec.subnetSelector -> spec.subnetSelectorTerms")
	}
}

func TestSelectorRefusals(t *testing.T) {
	convertRefused(t, template("  subnetSelector: {aws::ids: subnet-1, Name: x}\n  securityGroupSelector: {a: b}\n"),
		"spec.subnetSelector: ids cannot be combined with tags in v1")
	convertRefused(t, template("  securityGroupSelector: {a: b}\n"), "spec.subnetSelector: required")
	convertRefused(t, template("  subnetSelector: {}\n  securityGroupSelector: {a: b}\n"), "spec.subnetSelector: selects nothing")
}

func TestAMISelectorBecomesTermsPerNameAndOwner(t *testing.T) {
	class := only(t, convertOK(t, template("  subnetSelector: {a: b}\n  securityGroupSelector: {a: b}\n"+
		"  amiFamily: AL2\n  amiSelector: {aws::name: \"one,two\", aws::owners: \"self,123456789012\", env: prod}\n")), "EC2NodeClass")
	tags := map[string]any{"env": "prod"}
	expectAt(t, class.Object, []any{
		map[string]any{"name": "one", "owner": "self", "tags": tags},
		map[string]any{"name": "two", "owner": "self", "tags": tags},
		map[string]any{"name": "one", "owner": "123456789012", "tags": tags},
		map[string]any{"name": "two", "owner": "123456789012", "tags": tags},
	}, "spec", "amiSelectorTerms")
	expectAt(t, class.Object, "AL2", "spec", "amiFamily")

	class = only(t, convertOK(t, template("  subnetSelector: {a: b}\n  securityGroupSelector: {a: b}\n  amiSelector: {aws::ids: \"ami-1,ami-2\"}\n")), "EC2NodeClass")
	expectAt(t, class.Object, []any{map[string]any{"id": "ami-1"}, map[string]any{"id": "ami-2"}}, "spec", "amiSelectorTerms")
}

func TestRoleAndInstanceProfile(t *testing.T) {
	class := only(t, convertOK(t, template("  subnetSelector: {a: b}\n  securityGroupSelector: {a: b}\n")), "EC2NodeClass")
	expectAt(t, class.Object, "DemoProfile", "spec", "instanceProfile")
	class = only(t, convertOK(t, nodeClass("  role: NodeRole\n")), "EC2NodeClass")
	expectAt(t, class.Object, "NodeRole", "spec", "role")
	class = only(t, convertOK(t, nodeClass("  instanceProfile: NodeProfile\n")), "EC2NodeClass")
	expectAt(t, class.Object, "NodeProfile", "spec", "instanceProfile")

	convertRefused(t, nodeClass(""), "spec.role: required")
	convertRefused(t, nodeClass("  role: R\n  instanceProfile: P\n"), "spec.instanceProfile: cannot be set with spec.role")
	convertRefused(t, strings.Replace(template("  subnetSelector: {a: b}\n  securityGroupSelector: {a: b}\n"), "  instanceProfile: DemoProfile\n", "", 1),
		"spec.instanceProfile: required")
}

func TestMetadataHopLimitKeepsTheOldDefault(t *testing.T) {
	class := only(t, convertOK(t, nodeClass("  role: R\n")), "EC2NodeClass")
	expectAt(t, class.Object, map[string]any{"httpPutResponseHopLimit": "2"}, "spec", "metadataOptions")
	expectChange(t, class, "spec.metadataOptions.httpPutResponseHopLimit unset -> 2")
	class = only(t, convertOK(t, nodeClass("  role: R\n  metadataOptions: {httpTokens: required, httpPutResponseHopLimit: 1}\n")), "EC2NodeClass")
	expectAt(t, class.Object, map[string]any{"httpTokens": "required", "httpPutResponseHopLimit": "1"}, "spec", "metadataOptions")
}

func TestNodeClassSettingsKept(t *testing.T) {
	class := only(t, convertOK(t, nodeClass(`  role: R
  userData: "echo hi"
  tags: {team: a}
  detailedMonitoring: true
  instanceStorePolicy: RAID0
  associatePublicIPAddress: false
  context: cr-0123
  blockDeviceMappings: [{deviceName: /dev/xvda, rootVolume: true, ebs: {volumeSize: 100Gi, volumeType: gp3, iops: 4000}}]
`)), "EC2NodeClass").Object
	for key, want := range map[string]any{
		"userData": "echo hi", "tags": map[string]any{"team": "a"}, "detailedMonitoring": true,
		"instanceStorePolicy": "RAID0", "associatePublicIPAddress": false, "context": "cr-0123",
		"blockDeviceMappings": []any{map[string]any{"deviceName": "/dev/xvda", "rootVolume": true,
			"ebs": map[string]any{"volumeSize": "100Gi", "volumeType": "gp3", "iops": "4000"}}},
	} {
		expectAt(t, class, want, "spec", key)
	}
}

func TestLaunchTemplatesRefused(t *testing.T) {
	convertRefused(t, template("  subnetSelector: {a: b}\n  securityGroupSelector: {a: b}\n  launchTemplate: mine\n"),
		`AWSNodeTemplate "nodes"): spec.launchTemplate: no v1 form`)
	convertRefused(t, "apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\nmetadata: {name: p}\n"+
		"spec: {provider: {launchTemplateName: mine, instanceProfile: P, subnetSelector: {a: b}, securityGroupSelector: {a: b}}}\n",
		`Provisioner "p"): spec.provider.launchTemplateName: no v1 form`)
}

func TestNodeClassTermsWithUnknownFieldsRefused(t *testing.T) {
	// The indentation slip of a tutorial: the tag sits beside "tags", not under it.
	convertRefused(t, `apiVersion: karpenter.k8s.aws/v1beta1
kind: EC2NodeClass
metadata: {name: slip}
spec:
  role: R
  amiFamily: AL2
  subnetSelectorTerms:
  - tags:
    karpenter.sh/discovery: demo
  securityGroupSelectorTerms: [{tags: {a: b}}]
`, `EC2NodeClass "slip"): spec.subnetSelectorTerms[0].karpenter.sh/discovery: unknown field`)
}
