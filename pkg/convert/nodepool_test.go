package convert_test

import (
	"testing"

	"github.com/tailor-sh/tailor/pkg/convert"
)

func TestNodePoolBetaBecomesV1(t *testing.T) {
	np := only(t, convertOK(t, nodePoolBeta("", "")), "NodePool")
	expectAt(t, np.Object, "karpenter.sh/v1", "apiVersion")
	expectChange(t, np, "karpenter.sh/v1beta1 NodePool -> karpenter.sh/v1 NodePool")
	if at(np.Object, "spec", "disruption") != nil {
		t.Errorf("no disruption block in, none out: v1's defaults equal v1beta1's")
	}
}

func TestNodePoolWhenUnderutilizedBecomesWhenEmptyOrUnderutilized(t *testing.T) {
	np := only(t, convertOK(t, nodePoolBeta("", "  disruption: {consolidationPolicy: WhenUnderutilized}\n")), "NodePool")
	expectAt(t, np.Object, map[string]any{"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "0s"}, "spec", "disruption")
	expectChange(t, np, "spec.disruption.consolidationPolicy: WhenUnderutilized -> WhenEmptyOrUnderutilized")
	expectChange(t, np, "spec.disruption.consolidateAfter unset -> 0s")
}

func TestNodePoolWhenEmptyKeepsConsolidateAfter(t *testing.T) {
	np := only(t, convertOK(t, nodePoolBeta("", "  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 10m}\n")), "NodePool")
	expectAt(t, np.Object, map[string]any{"consolidationPolicy": "WhenEmpty", "consolidateAfter": "10m"}, "spec", "disruption")
}

func TestNodePoolExpireAfterMovesToTheTemplate(t *testing.T) {
	np := only(t, convertOK(t, nodePoolBeta("", "  disruption: {expireAfter: 168h, consolidationPolicy: WhenUnderutilized}\n")), "NodePool")
	expectAt(t, np.Object, "168h", "spec", "template", "spec", "expireAfter")
	if at(np.Object, "spec", "disruption", "expireAfter") != nil {
		t.Errorf("expireAfter stayed in spec.disruption")
	}
	expectChange(t, np, "spec.disruption.expireAfter: 168h -> spec.template.spec.expireAfter: 168h")
}

func TestNodePoolNodeClassRefNamesGroupNotAPIVersion(t *testing.T) {
	np := only(t, convertOK(t, nodePoolBeta("", "")), "NodePool")
	expectAt(t, np.Object, map[string]any{"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "nodes"}, "spec", "template", "spec", "nodeClassRef")
	expectChange(t, np, "spec.template.spec.nodeClassRef: apiVersion karpenter.k8s.aws/v1beta1 -> group karpenter.k8s.aws")
}

func TestNodePoolRequirementsWithMinValuesKept(t *testing.T) {
	np := only(t, convertOK(t, nodePoolBeta("      taints: [{key: example.com/a, effect: NoSchedule}]\n",
		"")), "NodePool")
	expectAt(t, np.Object, []any{map[string]any{"key": "example.com/a", "effect": "NoSchedule"}}, "spec", "template", "spec", "taints")
	np = only(t, convertOK(t, `
apiVersion: karpenter.sh/v1beta1
kind: NodePool
metadata: {name: flexible}
spec:
  template:
    metadata: {labels: {team: b}}
    spec:
      nodeClassRef: {name: nodes}
      requirements: [{key: karpenter.k8s.aws/instance-family, operator: In, values: [m5, m6i, m7i], minValues: 3}]
---`+ec2NodeClassBeta), "NodePool")
	expectAt(t, np.Object, []any{map[string]any{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": list("m5", "m6i", "m7i"), "minValues": "3"}},
		"spec", "template", "spec", "requirements")
	expectAt(t, np.Object, map[string]any{"team": "b"}, "spec", "template", "metadata", "labels")
}

func TestNodePoolBudgetsLimitsAndWeightKept(t *testing.T) {
	np := only(t, convertOK(t, nodePoolBeta("", `  disruption:
    consolidationPolicy: WhenEmpty
    consolidateAfter: 1m
    budgets: [{nodes: "10%"}, {nodes: "0", schedule: "@daily", duration: 1h}]
  limits: {cpu: 64, nvidia.com/gpu: 8}
  weight: 7
`)), "NodePool").Object
	expectAt(t, np, []any{map[string]any{"nodes": "10%"}, map[string]any{"nodes": "0", "schedule": "@daily", "duration": "1h"}}, "spec", "disruption", "budgets")
	expectAt(t, np, map[string]any{"cpu": "64", "nvidia.com/gpu": "8"}, "spec", "limits")
	expectAt(t, np, "7", "spec", "weight")
}

func TestNodePoolKubeletMovesToItsEC2NodeClass(t *testing.T) {
	pool := `
apiVersion: karpenter.sh/v1beta1
kind: NodePool
metadata: {name: demo}
spec:
  template:
    spec:
      nodeClassRef: {name: nodes}
      requirements: []
      kubelet: {maxPods: 64, podsPerCore: 4}
`
	// From two files, as kubectl tailor convert -f pool.yaml -f class.yaml gives them.
	objs, err := convert.Convert(
		convert.Source{Name: "pool.yaml", Data: []byte(pool)},
		convert.Source{Name: "class.yaml", Data: []byte(ec2NodeClassBeta)})
	if err != nil {
		t.Fatal(err)
	}
	np, class := only(t, objs, "NodePool"), only(t, objs, "EC2NodeClass")
	expectAt(t, class.Object, map[string]any{"maxPods": "64", "podsPerCore": "4"}, "spec", "kubelet")
	if at(np.Object, "spec", "template", "spec", "kubelet") != nil {
		t.Errorf("the NodePool kept its kubelet settings")
	}
	expectChange(t, np, `spec.template.spec.kubelet -> EC2NodeClass "nodes" spec.kubelet`)
}

func TestNodePoolsWithTheSameKubeletMayShareAnEC2NodeClass(t *testing.T) {
	second := "---\napiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: second}\n" +
		"spec: {template: {spec: {nodeClassRef: {name: nodes}, requirements: [], kubelet: {maxPods: 30}}}}\n"
	objs := convertOK(t, nodePoolBeta("      kubelet: {maxPods: 30}\n", "")+second)
	expectAt(t, only(t, objs, "EC2NodeClass").Object, map[string]any{"maxPods": "30"}, "spec", "kubelet")
}

func TestNodePoolKubeletNeedsItsEC2NodeClass(t *testing.T) {
	convertRefused(t, "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: alone}\n"+
		"spec: {template: {spec: {nodeClassRef: {name: nodes}, requirements: [], kubelet: {maxPods: 30}}}}\n",
		`NodePool "alone"): spec.template.spec.kubelet: v1 keeps kubelet settings on the EC2NodeClass, and EC2NodeClass "nodes" is not among the documents`)
}

func TestNodePoolRefusals(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"not a policy", nodePoolBeta("", "  disruption: {consolidationPolicy: WhenIdle}\n"),
			`spec.disruption.consolidationPolicy: unsupported value "WhenIdle"`},
		{"bad duration", nodePoolBeta("", "  disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: soon}\n"),
			"spec.disruption.consolidateAfter: parsing duration"},
		{"node class ref in the wrong place", "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: np}\n" +
			"spec: {nodeClassRef: {name: x}, template: {spec: {requirements: []}}}\n",
			"spec.nodeClassRef: unknown field: a NodePool names its node class in spec.template.spec.nodeClassRef"},
		{"no node class ref", "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: np}\nspec: {template: {spec: {requirements: []}}}\n",
			"spec.template.spec.nodeClassRef: required"},
		{"another kind of node class", "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: np}\n" +
			"spec: {template: {spec: {requirements: [], nodeClassRef: {apiVersion: example.com/v1, kind: OtherClass, name: x}}}}\n",
			`spec.template.spec.nodeClassRef.kind: unsupported value "OtherClass"`},
		{"resources in the template", nodePoolBeta("      resources: {requests: {cpu: 1}}\n", ""),
			"spec.template.spec.resources: unknown field: a v1 NodePool template has no resources"},
		{"a field of a requirement", "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: np}\n" +
			"spec: {template: {spec: {nodeClassRef: {name: nodes}, requirements: [{key: a, operator: In, values: [b], weight: 1}]}}}\n---" + ec2NodeClassBeta,
			"spec.template.spec.requirements[0].weight: unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) { convertRefused(t, tc.yaml, tc.want) })
	}
}
