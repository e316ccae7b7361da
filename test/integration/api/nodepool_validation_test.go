package api_test

import (
	"fmt"
	"strings"
	"testing"
)

const requirementsPath = "spec.template.spec.requirements"

func TestNodePoolRejected(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits []edit
		want  []string
	}{
		{"In without values",
			[]edit{{requirementsPath, `[{key: karpenter.k8s.aws/instance-family, operator: In, values: []}]`}},
			[]string{"requirements with operator 'In' must have a value defined"}},
		{"Gt with a non-integer",
			[]edit{{requirementsPath, `[{key: karpenter.k8s.aws/instance-generation, operator: Gt, values: ["two"]}]`}},
			[]string{"requirements operator 'Gt' or 'Lt' must have a single positive integer value"}},
		{"Lt with two values",
			[]edit{{requirementsPath, `[{key: karpenter.k8s.aws/instance-cpu, operator: Lt, values: ["8", "16"]}]`}},
			[]string{"requirements operator 'Gt' or 'Lt' must have a single positive integer value"}},
		{"Exists with values",
			[]edit{{requirementsPath, `[{key: karpenter.k8s.aws/instance-gpu-count, operator: Exists, values: ["1"]}]`}},
			[]string{"requirements with operator 'Exists' or 'DoesNotExist' must not have values"}},
		{"unknown operator",
			[]edit{{requirementsPath, `[{key: kubernetes.io/arch, operator: Equals, values: ["amd64"]}]`}},
			[]string{`Unsupported value: "Equals"`, `"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"`}},
		{"minValues above the number of values",
			[]edit{{requirementsPath, `[{key: karpenter.k8s.aws/instance-family, operator: In, values: ["m5", "c5"], minValues: 3}]`}},
			[]string{"requirements with 'minValues' must have at least that many values specified in the 'values' field"}},
		{"requirement on kubernetes.io/hostname",
			[]edit{{requirementsPath, `[{key: kubernetes.io/hostname, operator: In, values: ["node-1"]}]`}},
			[]string{`label "kubernetes.io/hostname" is restricted`}},
		{"requirement on karpenter.sh/nodepool",
			[]edit{{requirementsPath, `[{key: karpenter.sh/nodepool, operator: In, values: ["other"]}]`}},
			[]string{`label "karpenter.sh/nodepool" is restricted`}},
		{"more than 100 requirements",
			[]edit{{requirementsPath, manyRequirements(101)}},
			[]string{"spec.template.spec.requirements", "must have at most 100 items"}},
		{"requirements missing",
			[]edit{{requirementsPath, `~`}},
			[]string{"spec.template.spec.requirements: Required value"}},
		{"template label kubernetes.io/hostname",
			[]edit{{"spec.template.metadata.labels", `{kubernetes.io/hostname: node-1}`}},
			[]string{`label "kubernetes.io/hostname" is restricted`}},
		{"template label karpenter.sh/nodepool",
			[]edit{{"spec.template.metadata.labels", `{karpenter.sh/nodepool: other}`}},
			[]string{`label "karpenter.sh/nodepool" is restricted`}},
		{"template label in the karpenter.k8s.aws domain",
			[]edit{{"spec.template.metadata.labels", `{karpenter.k8s.aws/instance-family: m5}`}},
			[]string{`label domain "karpenter.k8s.aws" is restricted`}},
		{"template label value over 63 characters",
			[]edit{{"spec.template.metadata.labels", `{team: "` + strings.Repeat("x", 64) + `"}`}},
			[]string{"label values must be at most 63 characters"}},
		{"weight 0",
			[]edit{{"spec.weight", `0`}},
			[]string{"spec.weight", "should be greater than or equal to 1"}},
		{"weight 101",
			[]edit{{"spec.weight", `101`}},
			[]string{"spec.weight", "should be less than or equal to 100"}},
		{"budget nodes 150%",
			[]edit{{"spec.disruption.budgets", `[{nodes: "150%"}]`}},
			[]string{"spec.disruption.budgets[0].nodes", "should match"}},
		{"budget nodes -1",
			[]edit{{"spec.disruption.budgets", `[{nodes: "-1"}]`}},
			[]string{"spec.disruption.budgets[0].nodes", "should match"}},
		{"malformed cron schedule",
			[]edit{{"spec.disruption.budgets", `[{nodes: "0", schedule: "every monday", duration: 8h}]`}},
			[]string{"spec.disruption.budgets[0].schedule", "should match"}},
		{"cron schedule with three fields",
			[]edit{{"spec.disruption.budgets", `[{nodes: "0", schedule: "0 9 *", duration: 8h}]`}},
			[]string{"spec.disruption.budgets[0].schedule", "should match"}},
		{"budget schedule without duration",
			[]edit{{"spec.disruption.budgets", `[{nodes: "0", schedule: "@daily"}]`}},
			[]string{"'schedule' must be set with 'duration'"}},
		{"budget duration without schedule",
			[]edit{{"spec.disruption.budgets", `[{nodes: "0", duration: 10m}]`}},
			[]string{"'schedule' must be set with 'duration'"}},
		{"budget duration in seconds",
			[]edit{{"spec.disruption.budgets", `[{nodes: "0", schedule: "@daily", duration: 30s}]`}},
			[]string{"spec.disruption.budgets[0].duration", "should match"}},
		{"budget reason unknown",
			[]edit{{"spec.disruption.budgets", `[{nodes: "1", reasons: [Expired]}]`}},
			[]string{`Unsupported value: "Expired"`, `"Underutilized", "Empty", "Drifted"`}},
		{"consolidationPolicy from v1beta1 seeds",
			[]edit{{"spec.disruption.consolidationPolicy", `WhenIdle`}},
			[]string{`Unsupported value: "WhenIdle"`, `"WhenEmpty", "WhenEmptyOrUnderutilized"`}},
		{"consolidateAfter in words",
			[]edit{{"spec.disruption.consolidateAfter", `thirty seconds`}},
			[]string{"spec.disruption.consolidateAfter", "should match"}},
		{"expireAfter in days",
			[]edit{{"spec.template.spec.expireAfter", `30d`}},
			[]string{"spec.template.spec.expireAfter", "should match"}},
		{"nodeClassRef missing",
			[]edit{{"spec.template.spec.nodeClassRef", `~`}},
			[]string{"spec.template.spec.nodeClassRef: Required value"}},
		{"nodeClassRef with an empty name",
			[]edit{{"spec.template.spec.nodeClassRef.name", `""`}},
			[]string{"name may not be empty"}},
		{"nodeClassRef in the old apiVersion form",
			[]edit{{"spec.template.spec.nodeClassRef", `{apiVersion: karpenter.k8s.aws/v1beta1, kind: EC2NodeClass, name: default}`}},
			[]string{"spec.template.spec.nodeClassRef.group: Required value"}},
		{"taint with an unknown effect",
			[]edit{{"spec.template.spec.taints", `[{key: dedicated, value: gpu, effect: NoEffect}]`}},
			[]string{`Unsupported value: "NoEffect"`, `"NoSchedule", "PreferNoSchedule", "NoExecute"`}},
		{"taint without a key",
			[]edit{{"spec.template.spec.startupTaints", `[{key: "", effect: NoSchedule}]`}},
			[]string{"spec.template.spec.startupTaints[0].key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.ExpectRejected(t, edited(t, validNodePool, tc.edits...), tc.want...)
		})
	}
}

func TestNodePoolNodeClassRefGroupIsImmutable(t *testing.T) {
	nodePool := edited(t, validNodePool)
	env.ExpectApplied(t, nodePool)
	defer env.ExpectDeleted(t, nodePool)

	changed := edited(t, validNodePool, edit{"spec.template.spec.nodeClassRef.group", `karpenter.azure.com`})
	env.ExpectRejected(t, changed, "nodeClassRef.group is immutable")

	renamed := edited(t, validNodePool, edit{"spec.template.spec.nodeClassRef.name", `other`})
	env.ExpectApplied(t, renamed)
}

func manyRequirements(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{key: example.com/label-%d, operator: Exists}`, i)
	}
	b.WriteString("]")
	return b.String()
}
