package planio

import (
	"strings"
	"testing"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

const nodePoolYAML = `apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: general
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
      requirements:
      - {key: karpenter.sh/capacity-type, operator: In, values: [spot, on-demand]}
      - {key: karpenter.k8s.aws/instance-generation, operator: Gt, values: ["2"]}
`

func TestLoadNodePools(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          []string
	}{{
		name: "one NodePool", content: nodePoolYAML, want: []string{"general"},
	}, {
		name:    "several documents",
		content: nodePoolYAML + "---\n" + strings.Replace(nodePoolYAML, "name: general", "name: batch", 1),
		want:    []string{"general", "batch"},
	}, {
		name: "a NodePoolList", content: `{"apiVersion":"karpenter.sh/v1","kind":"NodePoolList","items":[
			{"metadata":{"name":"a"},"spec":{"template":{"spec":{"nodeClassRef":{"group":"karpenter.k8s.aws","kind":"EC2NodeClass","name":"default"},"requirements":[]}}}}]}`,
		want: []string{"a"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			pools, err := LoadNodePools(writeFile(t, "nodepools.yaml", tc.content))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, np := range pools {
				names = append(names, np.Name)
			}
			if strings.Join(names, " ") != strings.Join(tc.want, " ") {
				t.Errorf("nodepools = %v, want %v", names, tc.want)
			}
		})
	}
}

func TestLoadNodePoolsAppliesTheAPIServerDefaults(t *testing.T) {
	pools, err := LoadNodePools(writeFile(t, "nodepools.yaml", nodePoolYAML))
	if err != nil {
		t.Fatal(err)
	}
	expectAPIDefaults(t, pools[0])
	if pools[0].Spec.Weight != nil {
		t.Errorf("weight = %d, want it unset", *pools[0].Spec.Weight)
	}

	set := strings.Replace(nodePoolYAML, "  template:\n", "  weight: 10\n  disruption:\n    consolidationPolicy: WhenEmpty\n    consolidateAfter: 5m\n    budgets: [{nodes: \"1\"}]\n  template:\n", 1)
	set = strings.Replace(set, "      nodeClassRef:", "      expireAfter: Never\n      nodeClassRef:", 1)
	pools, err = LoadNodePools(writeFile(t, "nodepools.yaml", set))
	if err != nil {
		t.Fatal(err)
	}
	np := pools[0]
	if *np.Spec.Weight != 10 || np.Spec.Disruption.ConsolidationPolicy != karpv1.ConsolidationPolicyWhenEmpty ||
		np.Spec.Disruption.ConsolidateAfter.String() != "5m0s" || np.Spec.Disruption.Budgets[0].Nodes != "1" ||
		!np.Spec.Template.Spec.ExpireAfter.IsNever() {
		t.Errorf("defaults replaced values that were set: %+v", np.Spec)
	}
}

func expectAPIDefaults(t *testing.T, np *karpv1.NodePool) {
	t.Helper()
	spec := np.Spec
	if got := spec.Template.Spec.ExpireAfter.String(); got != "720h0m0s" {
		t.Errorf("expireAfter = %q, want 720h", got)
	}
	if got := spec.Disruption.ConsolidateAfter.String(); got != "0s" {
		t.Errorf("consolidateAfter = %q, want 0s", got)
	}
	if spec.Disruption.ConsolidationPolicy != karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized {
		t.Errorf("consolidationPolicy = %q, want WhenEmptyOrUnderutilized", spec.Disruption.ConsolidationPolicy)
	}
	if len(spec.Disruption.Budgets) != 1 || spec.Disruption.Budgets[0].Nodes != "10%" {
		t.Errorf("budgets = %+v, want one of 10%%", spec.Disruption.Budgets)
	}
}

func TestLoadNodePoolsRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		wantErr       []string
	}{{
		name:    "no nodeClassRef",
		content: strings.Replace(nodePoolYAML, "      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n", "", 1),
		wantErr: []string{"document 1 (NodePool general)", "spec.template.spec.nodeClassRef: Required value"},
	}, {
		name:    "nodeClassRef without a name",
		content: strings.Replace(nodePoolYAML, ", name: default}", "}", 1),
		wantErr: []string{"spec.template.spec.nodeClassRef.name: Required value"},
	}, {
		name:    "Gt with a word",
		content: strings.Replace(nodePoolYAML, `values: ["2"]`, `values: ["two"]`, 1),
		wantErr: []string{"spec.template.spec.requirements[1]", `needs an integer value, got "two"`},
	}, {
		name:    "unknown operator",
		content: strings.Replace(nodePoolYAML, "operator: Gt", "operator: Above", 1),
		wantErr: []string{"spec.template.spec.requirements[1]", `unknown operator "Above"`},
	}, {
		name:    "In without values",
		content: strings.Replace(nodePoolYAML, "values: [spot, on-demand]", "values: []", 1),
		wantErr: []string{"spec.template.spec.requirements[0].values: Required value: operator In needs at least one value"},
	}, {
		name:    "a restricted label",
		content: strings.Replace(nodePoolYAML, "key: karpenter.sh/capacity-type", "key: kubernetes.io/hostname", 1),
		wantErr: []string{"spec.template.spec.requirements[0].key", "restricted"},
	}, {
		name:    "weight out of range",
		content: strings.Replace(nodePoolYAML, "  template:\n", "  weight: 500\n  template:\n", 1),
		wantErr: []string{"spec.weight: Invalid value: 500: must be between 1 and 100"},
	}, {
		name:    "a malformed duration",
		content: strings.Replace(nodePoolYAML, "      nodeClassRef:", "      expireAfter: 30days\n      nodeClassRef:", 1),
		wantErr: []string{"document 1 (NodePool general)", `parsing duration "30days"`},
	}, {
		name:    "another kind",
		content: podYAML,
		wantErr: []string{`kind "Pod" is not supported; want karpenter.sh/v1 NodePool`},
	}, {
		name:    "an older API version",
		content: strings.Replace(nodePoolYAML, "karpenter.sh/v1", "karpenter.sh/v1beta1", 1),
		wantErr: []string{`apiVersion "karpenter.sh/v1beta1" is not supported for NodePools; want karpenter.sh/v1`},
	}, {
		name:    "the same name twice",
		content: nodePoolYAML + "---\n" + nodePoolYAML,
		wantErr: []string{"nodepool general of document 2 is also defined by document 1"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "nodepools.yaml", tc.content)
			_, err := LoadNodePools(path)
			expectError(t, err, append(tc.wantErr, "loading nodepools from "+path)...)
		})
	}
}

func TestDefaultNodePools(t *testing.T) {
	pools := DefaultNodePools()
	if len(pools) != 1 || pools[0].Name != "default" {
		t.Fatalf("DefaultNodePools = %v, want one named default", pools)
	}
	np := pools[0]
	if err := ValidateNodePool(np); err != nil {
		t.Errorf("the default nodepool is invalid: %v", err)
	}
	expectAPIDefaults(t, np)
	reqs, err := scheduling.NewNodeSelectorRequirements(np.Spec.Template.Spec.Requirements...)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeOnDemand,
		wellknown.ArchLabelKey:         wellknown.ArchAMD64,
		wellknown.OSLabelKey:           "linux",
	} {
		if got := reqs.Get(key).Values(); len(got) != 1 || got[0] != want {
			t.Errorf("requirement %s allows %v, want only %s", key, got, want)
		}
	}
	if reqs.Get(wellknown.CapacityTypeLabelKey).Has(wellknown.CapacityTypeSpot) {
		t.Error("the default nodepool allows spot; it should plan on-demand only")
	}
}
