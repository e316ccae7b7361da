// Package chart_test checks charts/tailor with a real helm (hack/helm.sh builds it):
// it lints, renders every mode and compares the objects with manifests/ (same
// kinds, names, labels, container specs, RBAC rules, scheduler configuration),
// checks that values change what they say, and installs and uninstalls releases
// of both scheduler modes on a real API server.
package chart_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/tailor-sh/tailor/test/integration/harness"
)

var (
	env *harness.Environment
	// helmBin is the helm binary hack/helm.sh built or found in its cache.
	helmBin string
	// helmEnv keeps helm's cache, configuration and data out of the user's home.
	helmEnv []string
)

func TestMain(m *testing.M) {
	start := time.Now()
	cmd := exec.Command(filepath.Join(harness.RepoRoot(), "hack", "helm.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "building helm with hack/helm.sh:", err)
		os.Exit(1)
	}
	helmBin = strings.TrimSpace(string(out))
	if d := time.Since(start); d > 10*time.Second {
		fmt.Fprintf(os.Stderr, "helm built in %s\n", d.Round(time.Second))
	}
	home, err := os.MkdirTemp("", "tailor-chart-helm-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(home)
	for _, v := range []string{"HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"} {
		helmEnv = append(helmEnv, v+"="+filepath.Join(home, v))
	}
	// A stand-in for the Prometheus Operator's ServiceMonitor CRD, so that the
	// chart's ServiceMonitor installs.
	harness.Main(m, &env, filepath.Join(harness.RepoRoot(), "test", "integration", "chart", "testdata", "crds"))
}

// chartDir is charts/tailor.
func chartDir() string { return filepath.Join(harness.RepoRoot(), "charts", "tailor") }

// runHelm runs helm with args and the extra environment, returning its standard
// output; an error carries its standard error.
func runHelm(extraEnv []string, args ...string) (string, error) {
	cmd := exec.Command(helmBin, args...)
	cmd.Env = append(append(os.Environ(), helmEnv...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// Fill the launcher's placeholders in manifests/ as its README does, and are the
// values the chart is given, so both sides describe the same cluster.
var clusterVars = map[string]string{
	"CLUSTER_NAME":       "test-cluster",
	"CLUSTER_ENDPOINT":   "https://ABCDEF.gr7.us-west-2.eks.amazonaws.com",
	"AWS_REGION":         "us-west-2",
	"AWS_ACCOUNT_ID":     "111122223333",
	"INTERRUPTION_QUEUE": "test-cluster",
}

const roleARN = "arn:aws:iam::111122223333:role/TailorLauncher-test-cluster"

// clusterValues are the chart values for clusterVars.
var clusterValues = `
settings:
  clusterName: test-cluster
  clusterEndpoint: https://ABCDEF.gr7.us-west-2.eks.amazonaws.com
  region: us-west-2
  interruptionQueue: test-cluster
serviceAccount:
  annotations:
    eks.amazonaws.com/role-arn: ` + roleARN + `
`

// valuesFile writes values to a file for helm's --values.
func valuesFile(t testing.TB, values string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(path, []byte(values), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// templateArgs are helm template's arguments for the release in namespace with
// clusterValues, then the extra arguments (--set, -f).
func templateArgs(t testing.TB, release, namespace string, extra ...string) []string {
	return append([]string{"template", release, chartDir(), "--namespace", namespace,
		"--values", valuesFile(t, clusterValues)}, extra...)
}

// render runs helm template for the release "tailor" in tailor-system, the
// names of manifests/, and decodes the objects.
func render(t testing.TB, extra ...string) objects {
	t.Helper()
	return renderAs(t, "tailor", "tailor-system", extra...)
}

// renderAs is render for another release name and namespace.
func renderAs(t testing.TB, release, namespace string, extra ...string) objects {
	t.Helper()
	out, err := runHelm(nil, templateArgs(t, release, namespace, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return decodeObjects(t, "helm template", out)
}

// renderError runs helm template where it must fail, returning its message.
func renderError(t testing.TB, extra ...string) string {
	t.Helper()
	_, err := runHelm(nil, templateArgs(t, "tailor", "tailor-system", extra...)...)
	if err == nil {
		t.Fatalf("helm template %v succeeded, want it to fail", extra)
	}
	return err.Error()
}

// objects are decoded Kubernetes objects keyed by kind, namespace and name.
type objects map[string]*unstructured.Unstructured

func key(kind, namespace, name string) string { return kind + " " + namespace + "/" + name }

func keyOf(obj *unstructured.Unstructured) string {
	return key(obj.GetKind(), obj.GetNamespace(), obj.GetName())
}

// get returns the object, failing the test when there is none.
func (o objects) get(t testing.TB, kind, namespace, name string) *unstructured.Unstructured {
	t.Helper()
	obj, ok := o[key(kind, namespace, name)]
	if !ok {
		t.Fatalf("no %s; have %v", key(kind, namespace, name), o.keys())
	}
	return obj
}

func (o objects) keys() []string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ofKind returns the objects of one kind.
func (o objects) ofKind(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, k := range o.keys() {
		if o[k].GetKind() == kind {
			out = append(out, o[k])
		}
	}
	return out
}

// decodeObjects splits a multi-document YAML stream and decodes each object with
// sigs.k8s.io/yaml, rejecting duplicates.
func decodeObjects(t testing.TB, source, stream string) objects {
	t.Helper()
	out := objects{}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: splitting documents: %v", source, err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			t.Fatalf("%s: decoding: %v\n%s", source, err, doc)
		}
		if len(m) == 0 {
			continue
		}
		obj := &unstructured.Unstructured{Object: m}
		if _, dup := out[keyOf(obj)]; dup {
			t.Fatalf("%s: %s twice", source, keyOf(obj))
		}
		out[keyOf(obj)] = obj
	}
	return out
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// manifestObjects decodes the files under manifests/ (paths relative to it, files
// or folders), placeholders filled from clusterVars, leaving out Namespaces: a
// chart installs into the release namespace instead.
func manifestObjects(t testing.TB, paths ...string) objects {
	t.Helper()
	out := objects{}
	for _, p := range paths {
		full := filepath.Join(harness.RepoRoot(), "manifests", p)
		files := []string{full}
		if info, err := os.Stat(full); err == nil && info.IsDir() {
			files, _ = filepath.Glob(filepath.Join(full, "*.yaml"))
		}
		if len(files) == 0 {
			t.Fatalf("no manifests in %s", p)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			filled := placeholder.ReplaceAllStringFunc(string(b), func(m string) string {
				name := placeholder.FindStringSubmatch(m)[1]
				v, ok := clusterVars[name]
				if !ok {
					t.Errorf("%s: unknown placeholder %s", f, m)
				}
				return v
			})
			for k, obj := range decodeObjects(t, f, filled) {
				if obj.GetKind() == "Namespace" {
					continue
				}
				if _, dup := out[k]; dup {
					t.Fatalf("%s twice in manifests %v", k, paths)
				}
				out[k] = obj
			}
		}
	}
	return out
}

// container returns the one container of a Deployment.
func container(t testing.TB, deploy *unstructured.Unstructured) map[string]any {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(deploy.Object, "spec", "template", "spec", "containers")
	if len(containers) != 1 {
		t.Fatalf("%s has %d containers, want 1", keyOf(deploy), len(containers))
	}
	return containers[0].(map[string]any)
}

// command returns a container's command as strings.
func command(t testing.TB, c map[string]any) []string {
	t.Helper()
	cmd, _, err := unstructured.NestedStringSlice(c, "command")
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// envValues returns a container's literal environment variables.
func envValues(c map[string]any) map[string]string {
	out := map[string]string{}
	list, _, _ := unstructured.NestedSlice(c, "env")
	for _, e := range list {
		m := e.(map[string]any)
		v, _ := m["value"].(string)
		out[m["name"].(string)] = v
	}
	return out
}
