package api_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tailor-sh/tailor/test/integration/harness"
)

const validNodePool = `
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: valid
spec:
  template:
    spec:
      requirements:
      - key: karpenter.k8s.aws/instance-category
        operator: In
        values: ["c", "m", "r"]
      nodeClassRef:
        group: karpenter.k8s.aws
        kind: EC2NodeClass
        name: default
`

const validEC2NodeClass = `
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata:
  name: valid
spec:
  role: KarpenterNodeRole-my-cluster
  amiSelectorTerms:
  - alias: al2023@latest
  subnetSelectorTerms:
  - tags:
      karpenter.sh/discovery: my-cluster
  securityGroupSelectorTerms:
  - tags:
      karpenter.sh/discovery: my-cluster
`

// edit sets one field of a manifest: the dotted path to it and its new value in YAML.
// A nil-valued edit ("~") removes the field.
type edit struct {
	path  string
	value string
}

// edited returns base with the edits applied, named after the test.
func edited(t *testing.T, base string, edits ...edit) *unstructured.Unstructured {
	t.Helper()
	obj := harness.Object(t, base)
	obj.SetName(strings.ToLower(strings.NewReplacer("/", "-", "_", "-", " ", "-").Replace(t.Name())))
	if len(obj.GetName()) > 63 {
		obj.SetName(obj.GetName()[len(obj.GetName())-63:])
		obj.SetName(strings.TrimLeft(obj.GetName(), "-"))
	}
	for _, e := range edits {
		var value any
		if err := yaml.Unmarshal([]byte(e.value), &value); err != nil {
			t.Fatalf("parsing value of %s: %v", e.path, err)
		}
		fields := strings.Split(e.path, ".")
		if value == nil {
			unstructured.RemoveNestedField(obj.Object, fields...)
			continue
		}
		if err := unstructured.SetNestedField(obj.Object, value, fields...); err != nil {
			t.Fatalf("setting %s: %v", e.path, err)
		}
	}
	return obj
}
