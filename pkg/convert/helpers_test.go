package convert_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailor-sh/tailor/pkg/convert"
)

// convertOK converts the YAML documents and fails the test on any error; every
// converted object must validate as v1.
func convertOK(t *testing.T, yaml string) []convert.Object {
	t.Helper()
	objs, err := convert.Convert(convert.Source{Name: "test.yaml", Data: []byte(yaml)})
	if err != nil {
		t.Fatalf("converting: %v", err)
	}
	for _, o := range objs {
		if o.Unchanged != "" {
			continue
		}
		if err := convert.Validate(o.Object); err != nil {
			t.Fatalf("converted %s does not validate: %v", o.From, err)
		}
	}
	return objs
}

// convertRefused converts the YAML documents, expects no objects and an error whose
// text holds every one of want.
func convertRefused(t *testing.T, yaml string, want ...string) error {
	t.Helper()
	objs, err := convert.Convert(convert.Source{Name: "test.yaml", Data: []byte(yaml)})
	if err == nil {
		t.Fatalf("converting succeeded, want an error with %q", want)
	}
	if objs != nil {
		t.Fatalf("converting failed but returned %d objects, want none", len(objs))
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n  %v\nwant it to contain %q", err, w)
		}
	}
	return err
}

// only returns the one object of kind in objs.
func only(t *testing.T, objs []convert.Object, kind string) convert.Object {
	t.Helper()
	var found []convert.Object
	for _, o := range objs {
		if o.Object["kind"] == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s, got %d", kind, len(found))
	}
	return found[0]
}

// at returns the value at the path of keys in obj, nil when absent.
func at(obj map[string]any, keys ...string) any {
	var v any = obj
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// expectAt fails the test unless obj holds want (as its YAML reads) at the path.
func expectAt(t *testing.T, obj map[string]any, want any, keys ...string) {
	t.Helper()
	got := at(obj, keys...)
	if diff := cmp.Diff(want, normalize(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", strings.Join(keys, "."), diff)
	}
}

// normalize turns JSON numbers into strings so expectations read as the YAML does.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			out[k] = normalize(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalize(x)
		}
		return out
	case interface{ String() string }:
		return v.String()
	}
	return v
}

// expectChange fails the test unless one of o's changes holds want.
func expectChange(t *testing.T, o convert.Object, want string) {
	t.Helper()
	for _, c := range o.Changes {
		if strings.Contains(c, want) {
			return
		}
	}
	t.Errorf("changes of %s:\n  %s\nwant one with %q", o.From, strings.Join(o.Changes, "\n  "), want)
}

// list builds a []any of strings, as decoded YAML holds them.
func list(values ...string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

const awsNodeTemplate = `
apiVersion: karpenter.k8s.aws/v1alpha1
kind: AWSNodeTemplate
metadata: {name: nodes}
spec:
  subnetSelector: {karpenter.sh/discovery: demo}
  securityGroupSelector: {karpenter.sh/discovery: demo}
  instanceProfile: DemoProfile
`

// provisioner is a Provisioner referencing awsNodeTemplate, with spec lines added.
func provisioner(specLines string) string {
	return `
apiVersion: karpenter.sh/v1alpha5
kind: Provisioner
metadata: {name: demo}
spec:
  providerRef: {name: nodes}
` + specLines + "---" + awsNodeTemplate
}

const ec2NodeClassBeta = `
apiVersion: karpenter.k8s.aws/v1beta1
kind: EC2NodeClass
metadata: {name: nodes}
spec:
  amiFamily: AL2023
  role: DemoRole
  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}]
`

// nodePoolBeta is a v1beta1 NodePool referencing ec2NodeClassBeta, with lines added
// to spec.template.spec (templateLines) and to spec (specLines).
func nodePoolBeta(templateLines, specLines string) string {
	return `
apiVersion: karpenter.sh/v1beta1
kind: NodePool
metadata: {name: demo}
spec:
  template:
    spec:
      nodeClassRef: {apiVersion: karpenter.k8s.aws/v1beta1, kind: EC2NodeClass, name: nodes}
      requirements: []
` + templateLines + specLines + "---" + ec2NodeClassBeta
}
