package convert_test

import (
	"testing"
)

func TestProvisionerBecomesNodePool(t *testing.T) {
	np := only(t, convertOK(t, provisioner("")), "NodePool")
	expectAt(t, np.Object, "karpenter.sh/v1", "apiVersion")
	expectAt(t, np.Object, "demo", "metadata", "name")
	expectChange(t, np, "karpenter.sh/v1alpha5 Provisioner -> karpenter.sh/v1 NodePool")
}

func TestProvisionerTemplateFieldsMoveUnderTemplate(t *testing.T) {
	np := only(t, convertOK(t, provisioner(`
  labels: {team: a}
  annotations: {example.com/note: kept}
  taints: [{key: example.com/only, value: a, effect: NoSchedule}]
  startupTaints: [{key: example.com/booting, effect: NoExecute}]
`)), "NodePool").Object
	expectAt(t, np, map[string]any{"team": "a"}, "spec", "template", "metadata", "labels")
	expectAt(t, np, map[string]any{"example.com/note": "kept"}, "spec", "template", "metadata", "annotations")
	expectAt(t, np, []any{map[string]any{"key": "example.com/only", "value": "a", "effect": "NoSchedule"}}, "spec", "template", "spec", "taints")
	expectAt(t, np, []any{map[string]any{"key": "example.com/booting", "effect": "NoExecute"}}, "spec", "template", "spec", "startupTaints")
	for _, gone := range []string{"labels", "annotations", "taints", "startupTaints"} {
		if at(np, "spec", gone) != nil {
			t.Errorf("spec.%s should have moved under spec.template", gone)
		}
	}
}

func TestProvisionerDeprecatedNodeAnnotationsBecomeDoNotDisrupt(t *testing.T) {
	np := only(t, convertOK(t, provisioner("  annotations: {karpenter.sh/do-not-consolidate: \"true\"}\n")), "NodePool")
	expectAt(t, np.Object, map[string]any{"karpenter.sh/do-not-disrupt": "true"}, "spec", "template", "metadata", "annotations")
	expectChange(t, np, "karpenter.sh/do-not-consolidate -> karpenter.sh/do-not-disrupt")
}

func TestProvisionerTTLSecondsAfterEmptyBecomesWhenEmpty(t *testing.T) {
	np := only(t, convertOK(t, provisioner("  ttlSecondsAfterEmpty: 30\n")), "NodePool")
	expectAt(t, np.Object, map[string]any{"consolidationPolicy": "WhenEmpty", "consolidateAfter": "30s"}, "spec", "disruption")
	expectChange(t, np, "spec.ttlSecondsAfterEmpty: 30 -> spec.disruption.consolidationPolicy: WhenEmpty, consolidateAfter: 30s")
}

func TestProvisionerConsolidationBecomesWhenEmptyOrUnderutilized(t *testing.T) {
	np := only(t, convertOK(t, provisioner("  consolidation: {enabled: true}\n")), "NodePool")
	expectAt(t, np.Object, map[string]any{"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "0s"}, "spec", "disruption")
	expectChange(t, np, "spec.consolidation.enabled: true -> spec.disruption.consolidationPolicy: WhenEmptyOrUnderutilized")
}

// A Provisioner without TTLs kept empty nodes and never expired any; v1 would do
// both by default, so the NodePool says Never.
func TestProvisionerWithoutTTLsKeepsItsNodes(t *testing.T) {
	for _, spec := range []string{"", "  consolidation: {enabled: false}\n"} {
		np := only(t, convertOK(t, provisioner(spec)), "NodePool").Object
		expectAt(t, np, map[string]any{"consolidationPolicy": "WhenEmpty", "consolidateAfter": "Never"}, "spec", "disruption")
		expectAt(t, np, "Never", "spec", "template", "spec", "expireAfter")
	}
}

func TestProvisionerTTLSecondsUntilExpiredBecomesExpireAfter(t *testing.T) {
	for seconds, want := range map[string]string{"2592000": "720h", "5400": "1h30m", "90": "1m30s"} {
		np := only(t, convertOK(t, provisioner("  ttlSecondsUntilExpired: "+seconds+"\n")), "NodePool")
		expectAt(t, np.Object, want, "spec", "template", "spec", "expireAfter")
		expectChange(t, np, "spec.ttlSecondsUntilExpired: "+seconds+" -> spec.template.spec.expireAfter: "+want)
	}
}

func TestProvisionerTTLSecondsAfterEmptyWithConsolidationRefused(t *testing.T) {
	convertRefused(t, provisioner("  ttlSecondsAfterEmpty: 30\n  consolidation: {enabled: true}\n"),
		`Provisioner "demo"): spec.consolidation: cannot be enabled with spec.ttlSecondsAfterEmpty`)
}

func TestProvisionerProviderRefBecomesNodeClassRef(t *testing.T) {
	np := only(t, convertOK(t, provisioner("")), "NodePool")
	expectAt(t, np.Object, map[string]any{"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "nodes"}, "spec", "template", "spec", "nodeClassRef")
	expectChange(t, np, "spec.providerRef -> spec.template.spec.nodeClassRef (group karpenter.k8s.aws, kind EC2NodeClass, name nodes)")
}

func TestProvisionerInlineProviderBecomesEC2NodeClass(t *testing.T) {
	objs := convertOK(t, `
apiVersion: karpenter.sh/v1alpha5
kind: Provisioner
metadata: {name: inline}
spec:
  provider:
    apiVersion: extensions.karpenter.sh/v1alpha1
    kind: AWS
    subnetSelector: {aws::ids: "subnet-0aa,subnet-0bb"}
    securityGroupSelector: {Name: nodes}
    instanceProfile: InlineProfile
    tags: {team: a}
`)
	if len(objs) != 2 || objs[1].Object["kind"] != "EC2NodeClass" {
		t.Fatalf("want the NodePool, then its EC2NodeClass; got %d objects", len(objs))
	}
	np, class := objs[0].Object, objs[1].Object
	expectAt(t, np, "inline", "spec", "template", "spec", "nodeClassRef", "name")
	expectAt(t, class, "inline", "metadata", "name")
	expectAt(t, class, []any{map[string]any{"id": "subnet-0aa"}, map[string]any{"id": "subnet-0bb"}}, "spec", "subnetSelectorTerms")
	expectAt(t, class, "InlineProfile", "spec", "instanceProfile")
	expectAt(t, class, map[string]any{"team": "a"}, "spec", "tags")
	expectChange(t, objs[1], `made from spec.provider of Provisioner "inline"`)
}

func TestProvisionerRequirementsGetTheDefaultsV1alpha5Added(t *testing.T) {
	defaults := map[string]any{
		"karpenter.k8s.aws/instance-category":   map[string]any{"key": "karpenter.k8s.aws/instance-category", "operator": "In", "values": list("c", "m", "r")},
		"karpenter.k8s.aws/instance-generation": map[string]any{"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": list("2")},
		"karpenter.sh/capacity-type":            map[string]any{"key": "karpenter.sh/capacity-type", "operator": "In", "values": list("on-demand")},
		"kubernetes.io/os":                      map[string]any{"key": "kubernetes.io/os", "operator": "In", "values": list("linux")},
		"kubernetes.io/arch":                    map[string]any{"key": "kubernetes.io/arch", "operator": "In", "values": list("amd64")},
	}
	for _, tc := range []struct {
		name, requirement string
		notAdded          []string
	}{
		{name: "none"},
		{name: "instance type", requirement: "node.kubernetes.io/instance-type", notAdded: []string{"karpenter.k8s.aws/instance-category", "karpenter.k8s.aws/instance-generation"}},
		{name: "instance family", requirement: "karpenter.k8s.aws/instance-family", notAdded: []string{"karpenter.k8s.aws/instance-category", "karpenter.k8s.aws/instance-generation"}},
		{name: "capacity type", requirement: "karpenter.sh/capacity-type", notAdded: []string{"karpenter.sh/capacity-type"}},
		{name: "arch", requirement: "kubernetes.io/arch", notAdded: []string{"kubernetes.io/arch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := ""
			if tc.requirement != "" {
				spec = "  requirements: [{key: " + tc.requirement + ", operator: Exists}]\n"
			}
			np := only(t, convertOK(t, provisioner(spec)), "NodePool")
			got := map[string]any{}
			for _, r := range at(np.Object, "spec", "template", "spec", "requirements").([]any) {
				got[at(r.(map[string]any), "key").(string)] = r
			}
			for key, want := range defaults {
				if !contains(tc.notAdded, key) {
					expectAt(t, got, want, key)
				} else if op := at(got, key, "operator"); op != nil && op != "Exists" {
					t.Errorf("%s: default added though the Provisioner has a %s requirement", key, tc.requirement)
				}
			}
		})
	}
}

func TestProvisionerLimitsResourcesBecomeLimits(t *testing.T) {
	np := only(t, convertOK(t, provisioner("  limits: {resources: {cpu: 100, memory: 400Gi}}\n")), "NodePool")
	expectAt(t, np.Object, map[string]any{"cpu": "100", "memory": "400Gi"}, "spec", "limits")
	expectChange(t, np, "spec.limits.resources -> spec.limits")
}

func TestProvisionerWeightKept(t *testing.T) {
	np := only(t, convertOK(t, provisioner("  weight: 42\n")), "NodePool")
	expectAt(t, np.Object, "42", "spec", "weight")
}

func TestProvisionerKubeletConfigurationMovesToTheEC2NodeClass(t *testing.T) {
	objs := convertOK(t, provisioner("  kubeletConfiguration: {maxPods: 42, containerRuntime: containerd, clusterDNS: [10.0.0.10]}\n"))
	np, class := only(t, objs, "NodePool"), only(t, objs, "EC2NodeClass")
	expectAt(t, class.Object, map[string]any{"maxPods": "42", "clusterDNS": list("10.0.0.10")}, "spec", "kubelet")
	if at(np.Object, "spec", "template", "spec", "kubelet") != nil {
		t.Errorf("the NodePool kept kubelet settings")
	}
	expectChange(t, np, `spec.kubeletConfiguration -> EC2NodeClass "nodes" spec.kubelet`)
	expectChange(t, np, "spec.kubeletConfiguration.containerRuntime dropped")
	expectChange(t, class, `spec.kubelet: from NodePool "demo"`)
}

func TestProvisionerNeedsANodeClass(t *testing.T) {
	convertRefused(t, "apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\nmetadata: {name: bare}\nspec: {}\n",
		`Provisioner "bare"): spec.providerRef: required`)
	convertRefused(t, provisioner("  provider: {instanceProfile: P}\n"), "spec.provider: cannot be set with spec.providerRef")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
