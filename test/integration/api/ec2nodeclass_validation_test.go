package api_test

import "testing"

func TestEC2NodeClassRejected(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits []edit
		want  []string
	}{
		{"both role and instanceProfile",
			[]edit{{"spec.instanceProfile", `KarpenterNodeInstanceProfile`}},
			[]string{"must specify exactly one of ['role', 'instanceProfile']"}},
		{"neither role nor instanceProfile",
			[]edit{{"spec.role", `~`}},
			[]string{"must specify exactly one of ['role', 'instanceProfile']"}},
		{"empty subnetSelectorTerms",
			[]edit{{"spec.subnetSelectorTerms", `[]`}},
			[]string{"spec.subnetSelectorTerms", "should have at least 1 items"}},
		{"subnetSelectorTerms missing",
			[]edit{{"spec.subnetSelectorTerms", `~`}},
			[]string{"spec.subnetSelectorTerms: Required value"}},
		{"subnet term with nothing to match",
			[]edit{{"spec.subnetSelectorTerms", `[{}]`}},
			[]string{"expected at least one, got none, ['tags', 'id']"}},
		{"subnet term with id and tags",
			[]edit{{"spec.subnetSelectorTerms", `[{id: subnet-0abc, tags: {Name: private}}]`}},
			[]string{"'id' is mutually exclusive"}},
		{"subnet tag with an empty value",
			[]edit{{"spec.subnetSelectorTerms", `[{tags: {karpenter.sh/discovery: ""}}]`}},
			[]string{"empty tag keys or values aren't supported"}},
		{"security group id of the wrong form",
			[]edit{{"spec.securityGroupSelectorTerms", `[{id: subnet-0abc}]`}},
			[]string{"spec.securityGroupSelectorTerms[0].id", "should match 'sg-[0-9a-z]+'"}},
		{"AMI alias with an unknown family",
			[]edit{{"spec.amiSelectorTerms", `[{alias: ubuntu@latest}]`}},
			[]string{"family is not supported, must be one of the following: 'al2', 'al2023', 'bottlerocket', 'windows2019', 'windows2022'"}},
		{"AMI alias without a version",
			[]edit{{"spec.amiSelectorTerms", `[{alias: al2023}]`}},
			[]string{"'alias' is improperly formatted, must match the format 'family@version'"}},
		{"AMI alias beside another term",
			[]edit{{"spec.amiSelectorTerms", `[{alias: al2023@latest}, {id: ami-0123}]`}},
			[]string{"'alias' is mutually exclusive, cannot be set with a combination of other amiSelectorTerms"}},
		{"Windows alias pinned to a version",
			[]edit{{"spec.amiSelectorTerms", `[{alias: windows2022@v20240101}]`}},
			[]string{"windows families may only specify version 'latest'"}},
		{"AMI ids without amiFamily",
			[]edit{{"spec.amiSelectorTerms", `[{id: ami-0123456789abcdef0}]`}},
			[]string{"amiFamily must be set when amiSelectorTerms has no alias"}},
		{"unknown amiFamily",
			[]edit{{"spec.amiFamily", `Ubuntu`}},
			[]string{`Unsupported value: "Ubuntu"`}},
		{"restricted cluster tag",
			[]edit{{"spec.tags", `{kubernetes.io/cluster/my-cluster: owned}`}},
			[]string{"tag contains a restricted tag matching kubernetes.io/cluster/"}},
		{"IMDS tokens neither required nor optional",
			[]edit{{"spec.metadataOptions", `{httpTokens: sometimes}`}},
			[]string{`Unsupported value: "sometimes"`}},
		{"IMDS hop limit 0",
			[]edit{{"spec.metadataOptions", `{httpPutResponseHopLimit: 0}`}},
			[]string{"spec.metadataOptions.httpPutResponseHopLimit", "should be greater than or equal to 1"}},
		{"two root volumes",
			[]edit{{"spec.blockDeviceMappings", `[{deviceName: /dev/xvda, rootVolume: true, ebs: {volumeSize: 20Gi}}, {deviceName: /dev/xvdb, rootVolume: true, ebs: {volumeSize: 20Gi}}]`}},
			[]string{"must have only one blockDeviceMappings with rootVolume"}},
		{"volume size without a unit",
			[]edit{{"spec.blockDeviceMappings", `[{deviceName: /dev/xvda, ebs: {volumeSize: "100"}}]`}},
			[]string{"spec.blockDeviceMappings[0].ebs.volumeSize", "should match"}},
		{"image GC thresholds inverted",
			[]edit{{"spec.kubelet", `{imageGCHighThresholdPercent: 50, imageGCLowThresholdPercent: 80}`}},
			[]string{"imageGCHighThresholdPercent must be greater than imageGCLowThresholdPercent"}},
		{"soft eviction without a grace period",
			[]edit{{"spec.kubelet", `{evictionSoft: {memory.available: 5%}}`}},
			[]string{"evictionSoft OwnerKey does not have a matching evictionSoftGracePeriod"}},
		{"kubeReserved with an unknown resource",
			[]edit{{"spec.kubelet", `{kubeReserved: {gpu: "1"}}`}},
			[]string{"valid keys for kubeReserved are ['cpu','memory','ephemeral-storage','pid']"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.ExpectRejected(t, edited(t, validEC2NodeClass, tc.edits...), tc.want...)
		})
	}
}

func TestEC2NodeClassRoleCannotBecomeInstanceProfile(t *testing.T) {
	nodeClass := edited(t, validEC2NodeClass)
	env.ExpectApplied(t, nodeClass)
	defer env.ExpectDeleted(t, nodeClass)

	switched := edited(t, validEC2NodeClass, edit{"spec.role", `~`}, edit{"spec.instanceProfile", `KarpenterNodeInstanceProfile`})
	env.ExpectRejected(t, switched, "changing from 'role' to 'instanceProfile' is not supported")

	otherRole := edited(t, validEC2NodeClass, edit{"spec.role", `OtherRole`})
	env.ExpectRejected(t, otherRole, "role is immutable")
}
