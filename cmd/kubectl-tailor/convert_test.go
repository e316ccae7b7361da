package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testdata = filepath.Join("..", "..", "pkg", "convert", "testdata")

// run runs kubectl-tailor with args and stdin, returning stdout, stderr and the error.
func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCommand()
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.Execute()
	return out.String(), errOut.String(), err
}

func TestConvertWritesV1YAMLWithItsChanges(t *testing.T) {
	out, _, err := run(t, "", "convert", "-f", filepath.Join(testdata, "v1alpha5-provisioner-and-template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# karpenter.sh/v1 NodePool \"payments\", converted from",
		"#   - spec.ttlSecondsAfterEmpty: 45 -> spec.disruption.consolidationPolicy: WhenEmpty, consolidateAfter: 45s\n",
		"apiVersion: karpenter.sh/v1\nkind: NodePool\n",
		"---\n# karpenter.k8s.aws/v1 EC2NodeClass \"payments-nodes\"",
		"apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The output converts again to itself: everything in it is v1 already.
	again, _, err := run(t, out, "convert", "-f", "-")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(again, "# unchanged, already v1") != 2 {
		t.Errorf("converting the output again: want both objects unchanged, got\n%s", again)
	}
}

func TestConvertJSONWritesAListAndTheChangesToStderr(t *testing.T) {
	pool, err := os.ReadFile(filepath.Join(testdata, "v1beta1-nodepool-and-class.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, err := run(t, string(pool), "convert", "-f", "-", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string           `json:"kind"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || list.Kind != "List" || len(list.Items) != 2 {
		t.Fatalf("want a List of 2 items on stdout, got %v:\n%s", err, out)
	}
	if !strings.Contains(errOut, "spec.disruption.consolidationPolicy: WhenUnderutilized -> WhenEmptyOrUnderutilized") {
		t.Errorf("want the changes on stderr, got:\n%s", errOut)
	}
}

func TestConvertReadsFoldersAndSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	for name, file := range map[string]string{"a.yaml": "v1beta1-nodepool-and-class.yaml", "b.yml": "v1alpha5-provisioner-inline-provider.yaml"} {
		data, err := os.ReadFile(filepath.Join(testdata, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not read"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "", "convert", "-f", dir, "-f", filepath.Join(testdata, "v1alpha1-awsnodetemplate-ami-selector.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n---\n") + 1; n != 5 {
		t.Errorf("want 5 objects (2 + 2 from the folder, 1 from the file), got %d:\n%s", n, out)
	}
}

func TestConvertRefusesAndWritesNothing(t *testing.T) {
	out, _, err := run(t, "", "convert",
		"-f", filepath.Join(testdata, "v1beta1-nodepool-and-class.yaml"),
		"-f", filepath.Join(testdata, "refused", "launch-template.yaml"))
	if err == nil {
		t.Fatal("want an error")
	}
	if out != "" {
		t.Errorf("want nothing written, got:\n%s", out)
	}
	for _, want := range []string{"nothing written, 1 problem", `launch-template.yaml, document 1 (karpenter.k8s.aws/v1alpha1 AWSNodeTemplate "custom-lt"): spec.launchTemplate: no v1 form`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestConvertFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"convert"},
		{"convert", "-f", "no-such-file.yaml"},
		{"convert", "-f", filepath.Join(testdata, "passthrough-mixed.yaml"), "-o", "xml"},
	} {
		if out, _, err := run(t, "", args...); err == nil || out != "" {
			t.Errorf("%v: want an error and no output, got %v and %q", args, err, out)
		}
	}
}

// A tutorial's manifests: a NodePool that names no node class, and a node class
// with neither role nor selectors.
const tutorialManifests = `apiVersion: karpenter.sh/v1beta1
kind: NodePool
metadata: {name: spot}
spec:
  template:
    spec:
      requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [spot]}]
---
apiVersion: karpenter.k8s.aws/v1beta1
kind: EC2NodeClass
metadata: {name: default}
spec:
  amiFamily: AL2023
`

func TestConvertFlagsSupplyWhatTheManifestsLeaveOut(t *testing.T) {
	out, _, err := run(t, tutorialManifests, "convert", "-f", "-", "--cluster-name", "demo", "--role", "KarpenterNodeRole-demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#   - no spec.template.spec.nodeClassRef -> spec.template.spec.nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default} (from --node-class)\n",
		"#   - no spec.role -> spec.role: KarpenterNodeRole-demo (from --role",
		"#   - no spec.subnetSelectorTerms -> spec.subnetSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}] (from --cluster-name",
		"      name: default\n", "  role: KarpenterNodeRole-demo\n", "  - tags:\n      karpenter.sh/discovery: demo\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = run(t, tutorialManifests, "convert", "-f", "-", "--node-class", "spot-nodes", "--instance-profile", "KarpenterNodeInstanceProfile-demo", "--cluster-name", "demo")
	if err != nil || !strings.Contains(out, "      name: spot-nodes\n") || !strings.Contains(out, "  instanceProfile: KarpenterNodeInstanceProfile-demo\n") {
		t.Errorf("want the NodePool to name spot-nodes and the node class to take the instance profile, got %v:\n%s", err, out)
	}
}

// Without the flags, each refusal names the flag that would supply what is missing.
func TestConvertRefusalsNameTheFlagThatSuppliesWhatIsMissing(t *testing.T) {
	out, _, err := run(t, tutorialManifests, "convert", "-f", "-", "--node-class", "")
	if err == nil || out != "" {
		t.Fatalf("want an error and nothing written, got %v and\n%s", err, out)
	}
	for _, want := range []string{"nothing written, 4 problems", "spec.template.spec.nodeClassRef: required", "pass --node-class NAME",
		"spec.role: required", "pass --role NAME or --instance-profile NAME", "spec.subnetSelectorTerms: required", "pass --cluster-name NAME"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, args := range [][]string{{"--role", "KarpenterNodeRole-<cluster-name>"}, {"--cluster-name", "<cluster-name>"}, {"--node-class", "Not A Name"}} {
		out, _, err := run(t, tutorialManifests, append([]string{"convert", "-f", "-"}, args...)...)
		if err == nil || out != "" || !strings.Contains(err.Error(), args[0]+" \""+args[1]+"\"") {
			t.Errorf("%v: want an error naming the flag and nothing written, got %v and %q", args, err, out)
		}
	}
}

func TestHelpShowsThePluginNameAndExamples(t *testing.T) {
	out, _, err := run(t, "", "convert", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubectl tailor convert -f FILENAME", "Examples:", "kubectl tailor convert -f provisioner.yaml -f awsnodetemplate.yaml", "-o, --output",
		"--node-class NAME", "--role NAME", "--instance-profile NAME", "--cluster-name NAME", "--cluster-name demo --role KarpenterNodeRole-demo"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	root, _, err := run(t, "", "--help")
	if err != nil || !strings.Contains(root, "kubectl tailor [command]") || !strings.Contains(root, "convert") {
		t.Errorf("root help should name the plugin and list convert, got %v:\n%s", err, root)
	}
}
