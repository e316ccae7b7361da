package convert_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailor-sh/tailor/pkg/convert"
)

func TestMultipleDocumentsConvertInOrder(t *testing.T) {
	beta := strings.NewReplacer("name: nodes", "name: beta-nodes", "name: demo", "name: beta").Replace(nodePoolBeta("", ""))
	objs := convertOK(t, provisioner("")+"---\n# only a comment\n---\n"+beta)
	var got []string
	for _, o := range objs {
		got = append(got, o.From.Kind+">"+o.Object["kind"].(string))
	}
	want := "Provisioner>NodePool AWSNodeTemplate>EC2NodeClass NodePool>NodePool EC2NodeClass>EC2NodeClass"
	if strings.Join(got, " ") != want {
		t.Errorf("want %s, got %s", want, strings.Join(got, " "))
	}
	if objs[2].From.Index != 3 {
		t.Errorf("documents count from 1 and skip empty ones: want the v1beta1 NodePool as document 3, got %d", objs[2].From.Index)
	}
}

func TestJSONStreamsAndListsConvert(t *testing.T) {
	pool := `{"apiVersion": "karpenter.sh/v1beta1", "kind": "NodePool", "metadata": {"name": "demo"},
	  "spec": {"template": {"spec": {"nodeClassRef": {"name": "nodes"}, "requirements": []}}}}`
	class := `{"apiVersion": "karpenter.k8s.aws/v1beta1", "kind": "EC2NodeClass", "metadata": {"name": "nodes"},
	  "spec": {"amiFamily": "AL2", "role": "R", "subnetSelectorTerms": [{"id": "subnet-1"}], "securityGroupSelectorTerms": [{"id": "sg-1"}]}}`
	for name, data := range map[string]string{
		"stream": pool + "\n" + class,
		"list":   `{"apiVersion": "v1", "kind": "List", "items": [` + pool + "," + class + `]}`,
	} {
		objs, err := convert.Convert(convert.Source{Name: name, Data: []byte(data)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(objs) != 2 || objs[0].Object["apiVersion"] != "karpenter.sh/v1" || objs[1].Object["apiVersion"] != "karpenter.k8s.aws/v1" {
			t.Errorf("%s: want a v1 NodePool and EC2NodeClass, got %+v", name, objs)
		}
	}
}

func TestOtherDocumentsPassThroughUnchanged(t *testing.T) {
	in := "# a comment that stays\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: \"1\"}\n---\n" +
		"apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: done}\nspec: {template: {spec: {requirements: [], nodeClassRef: {group: g, kind: k, name: n}}}}\n"
	objs := convertOK(t, in)
	if len(objs) != 2 || objs[0].Unchanged != "not a Karpenter object" || objs[1].Unchanged != "already v1" {
		t.Fatalf("want both unchanged, with why; got %+v", objs)
	}
	if len(objs[0].Changes) != 0 || at(objs[0].Object, "data", "a") != "1" {
		t.Errorf("the ConfigMap changed: %+v", objs[0])
	}
	var out bytes.Buffer
	if err := convert.WriteYAML(&out, objs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# unchanged, not a Karpenter object: test.yaml, document 1 (v1 ConfigMap \"c\")", "# a comment that stays", "data: {a: \"1\"}"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// One document without a v1 form stops the whole conversion, and every problem of
// every document is reported, each with its document and field.
func TestBadInputReturnsNothingAndNamesEveryProblem(t *testing.T) {
	err := convertRefused(t, nodePoolBeta("      kubelte: {maxPods: 1}\n", "")+"---\n"+
		"apiVersion: karpenter.k8s.aws/v1alpha1\nkind: AWSNodeTemplate\nmetadata: {name: lt}\n"+
		"spec: {launchTemplate: x, instanceProfile: P, subnetSelector: {a: b}, securityGroupSelector: {a: b}}\n",
		`test.yaml, document 1 (karpenter.sh/v1beta1 NodePool "demo"): spec.template.spec.kubelte: unknown field`,
		`test.yaml, document 3 (karpenter.k8s.aws/v1alpha1 AWSNodeTemplate "lt"): spec.launchTemplate: no v1 form`)
	problems := convert.FieldErrors(err)
	if len(problems) != 2 {
		t.Fatalf("want 2 problems, got %d: %v", len(problems), err)
	}
	if p := problems[1]; p.Doc.Index != 3 || p.Doc.Kind != "AWSNodeTemplate" || p.Doc.Name != "lt" || p.Field != "spec.launchTemplate" {
		t.Errorf("want the problem to name document 3, AWSNodeTemplate lt, field spec.launchTemplate; got %+v", p)
	}
	var fe *convert.FieldError
	if !errors.As(err, &fe) {
		t.Errorf("want FieldErrors in the error")
	}
}

func TestDocumentsThatAreNoKarpenterManifestRefused(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"metadata: {name: x}\n", "no apiVersion or kind"},
		{"apiVersion: karpenter.sh/v1alpha5\nkind: Machine\nmetadata: {name: m}\n", "Machine objects are made by the autoscaler"},
		{"apiVersion: karpenter.sh/v1beta1\nkind: NodeClaim\nmetadata: {name: c}\n", "NodeClaim objects are made by the autoscaler"},
		{"apiVersion: karpenter.sh/v1alpha4\nkind: NodePool\nmetadata: {name: n}\n", "unknown Karpenter kind or version"},
		{"apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: [}\n", "test.yaml, document 1 (document): reading the document"},
	} {
		convertRefused(t, tc.yaml, tc.want)
	}
}

func TestServerSetMetadataDropped(t *testing.T) {
	np := only(t, convertOK(t, `
apiVersion: karpenter.sh/v1beta1
kind: NodePool
metadata:
  name: demo
  namespace: default
  uid: 0b1c
  resourceVersion: "42"
  generation: 3
  creationTimestamp: "2024-01-01T00:00:00Z"
  labels: {owner: me}
  annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}", note: kept}
spec:
  template:
    spec: {nodeClassRef: {name: nodes}, requirements: []}
status: {resources: {cpu: "4"}}
---`+ec2NodeClassBeta), "NodePool")
	expectAt(t, np.Object, map[string]any{"name": "demo", "labels": map[string]any{"owner": "me"}, "annotations": map[string]any{"note": "kept"}}, "metadata")
	if np.Object["status"] != nil {
		t.Errorf("status kept")
	}
	expectChange(t, np, "metadata.creationTimestamp, generation, resourceVersion, uid dropped")
	expectChange(t, np, "metadata.namespace dropped")
}

func TestSameNameTwiceRefused(t *testing.T) {
	convertRefused(t, nodePoolBeta("", "")+"---\n"+ec2NodeClassBeta,
		`document 3 (karpenter.k8s.aws/v1beta1 EC2NodeClass "nodes"): makes EC2NodeClass "nodes", as test.yaml, document 2`)
}

func TestWriteYAMLListsChangesAsComments(t *testing.T) {
	objs := convertOK(t, provisioner("  ttlSecondsAfterEmpty: 30\n"))
	var out bytes.Buffer
	if err := convert.WriteYAML(&out, objs); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"# karpenter.sh/v1 NodePool \"demo\", converted from test.yaml, document 1 (karpenter.sh/v1alpha5 Provisioner \"demo\"):\n",
		"#   - spec.ttlSecondsAfterEmpty: 30 -> spec.disruption.consolidationPolicy: WhenEmpty, consolidateAfter: 30s\n",
		"\n---\n# karpenter.k8s.aws/v1 EC2NodeClass \"nodes\"",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// What was written reads back as v1 and passes through unchanged.
	again := convertOK(t, text)
	for _, o := range again {
		if o.Unchanged != "already v1" {
			t.Errorf("converting the output again changed %s: %v", o.From, o.Changes)
		}
	}
}

func TestWriteJSONWritesAList(t *testing.T) {
	objs := convertOK(t, provisioner(""))
	var out bytes.Buffer
	if err := convert.WriteJSON(&out, objs); err != nil {
		t.Fatal(err)
	}
	var list struct {
		APIVersion string           `json:"apiVersion"`
		Kind       string           `json:"kind"`
		Items      []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatalf("output is no JSON: %v\n%s", err, out.String())
	}
	if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != 2 || list.Items[0]["kind"] != "NodePool" {
		t.Errorf("want a v1 List of the NodePool and the EC2NodeClass, got %s", out.String())
	}
}

func TestValidateRefusesWhatV1Lacks(t *testing.T) {
	objs := convertOK(t, nodePoolBeta("", ""))
	np := objs[0].Object
	at(np, "spec", "template", "spec").(map[string]any)["kubelet"] = map[string]any{"maxPods": 1}
	if err := convert.Validate(np); err == nil || !strings.Contains(err.Error(), "spec.template.spec.kubelet: unknown field") {
		t.Errorf("want the v1 NodePool with a kubelet refused, got %v", err)
	}
	class := objs[1].Object
	delete(at(class, "spec").(map[string]any), "role")
	if err := convert.Validate(class); err == nil || !strings.Contains(err.Error(), "want exactly one of role and instanceProfile") {
		t.Errorf("want the EC2NodeClass without a role refused, got %v", err)
	}
}

// Every fixture of each old kind converts, and every converted object validates.
func TestFixturesConvert(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	kinds := map[string]int{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			for _, o := range convertOK(t, string(data)) {
				kinds[o.From.APIVersion+" "+o.From.Kind]++
			}
		})
	}
	for _, kind := range []string{"karpenter.sh/v1alpha5 Provisioner", "karpenter.k8s.aws/v1alpha1 AWSNodeTemplate",
		"karpenter.sh/v1beta1 NodePool", "karpenter.k8s.aws/v1beta1 EC2NodeClass"} {
		if kinds[kind] == 0 {
			t.Errorf("no fixture holds a %s", kind)
		}
	}
}

// Every refused fixture fails with the texts its "# want:" lines give.
func TestRefusedFixturesSayWhy(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "refused", "*.yaml"))
	if len(files) < 10 {
		t.Fatalf("want at least 10 refused fixtures, found %d", len(files))
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, line := range strings.Split(string(data), "\n") {
			if w, ok := strings.CutPrefix(line, "# want: "); ok {
				want = append(want, w)
			}
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			if len(want) == 0 {
				t.Fatal("no # want: line")
			}
			convertRefused(t, string(data), want...)
		})
	}
}

// Text copied from web pages is often indented with non-breaking spaces, which YAML
// would read as part of the keys.
func TestNonBreakingSpaceIndentationReadAsSpaces(t *testing.T) {
	in := strings.ReplaceAll(nodeClass("  role: R\n"), "  ", "\u00a0\u00a0")
	class := only(t, convertOK(t, in), "EC2NodeClass")
	expectAt(t, class.Object, "R", "spec", "role")
	expectChange(t, class, "indented with non-breaking spaces")
}
