package chart_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"
	schedconfig "k8s.io/kubernetes/pkg/scheduler/apis/config"
	kubeschedulerscheme "k8s.io/kubernetes/pkg/scheduler/apis/config/scheme"
	schedvalidation "k8s.io/kubernetes/pkg/scheduler/apis/config/validation"
	"sigs.k8s.io/yaml"

	"github.com/tailor-sh/tailor/pkg/apis/config"
	_ "github.com/tailor-sh/tailor/pkg/apis/config/scheme"
	configvalidation "github.com/tailor-sh/tailor/pkg/apis/config/validation"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// helm lint passes with the defaults alone (the required settings are reported,
// not failed, as lint does) and, strictly, with the settings in both modes.
func TestLint(t *testing.T) {
	if _, err := runHelm(nil, "lint", chartDir()); err != nil {
		t.Error(err)
	}
	for _, set := range []string{"scheduler.mode=second", "scheduler.mode=default", "serviceMonitor.enabled=true"} {
		if _, err := runHelm(nil, "lint", "--strict", chartDir(), "--values", valuesFile(t, clusterValues), "--set", set); err != nil {
			t.Errorf("--set %s: %v", set, err)
		}
	}
}

// Second mode renders exactly the objects of manifests/launcher,
// manifests/scheduler/common and manifests/scheduler/second-scheduler (but their
// Namespace), and each matches its manifest.
func TestSecondModeMatchesManifests(t *testing.T) {
	expectSameObjects(t, render(t), manifestObjects(t, "launcher", "scheduler/common", "scheduler/second-scheduler"))
}

// Default mode renders the launcher, the Provisioner's RBAC bound to
// system:kube-scheduler as manifests/scheduler/kubeadm/rbac.yaml does, and a
// ConfigMap holding that folder's two other files.
func TestDefaultModeMatchesManifests(t *testing.T) {
	got := render(t, "--set", "scheduler.mode=default")
	cm := got.get(t, "ConfigMap", "tailor-system", "tailor-kube-scheduler")
	delete(got, keyOf(cm))
	normalizeKubeadmSchedulerConfig(t, got.get(t, "Deployment", "tailor-system", "tailor-launcher"))
	expectSameObjects(t, got, manifestObjects(t, "launcher", "scheduler/common", "scheduler/kubeadm/rbac.yaml"))

	data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
	if keys := mapKeys(data); !slices.Equal(keys, []string{"kube-scheduler-config.yaml", "kube-scheduler.yaml"}) {
		t.Fatalf("ConfigMap keys = %v, want kube-scheduler-config.yaml and kube-scheduler.yaml", keys)
	}
	kubeadm := filepath.Join(harness.RepoRoot(), "manifests", "scheduler", "kubeadm")
	expectSchedulerConfigsEqual(t, "kube-scheduler-config.yaml", data["kube-scheduler-config.yaml"], readFile(t, filepath.Join(kubeadm, "kube-scheduler-config.yaml")))
	var gotPod, wantPod map[string]any
	if err := yaml.Unmarshal([]byte(data["kube-scheduler.yaml"]), &gotPod); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(readFile(t, filepath.Join(kubeadm, "kube-scheduler.yaml"))), &wantPod); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantPod, gotPod); diff != "" {
		t.Errorf("the static pod differs from manifests/scheduler/kubeadm/kube-scheduler.yaml (-want +got):\n%s", diff)
	}
}

// normalizeKubeadmSchedulerConfig rewrites, in the default mode's launcher, the
// one thing in which it legitimately differs from manifests/launcher: the
// scheduler configuration it mounts comes from the chart's own ConfigMap,
// tailor-kube-scheduler, key kube-scheduler-config.yaml (the ConfigMap the notes
// copy onto the control-plane nodes), where the manifests mount
// tailor-scheduler-config, key scheduler-config.yaml, which the operator of a
// kubeadm cluster creates from manifests/scheduler/kubeadm/kube-scheduler-config.yaml
// (manifests/launcher/README.md). The key is also the file's name, so the
// volume's items and the --scheduler-config path change with it. Nothing else is
// rewritten: the volume and the flag must be exactly these, or the test fails.
func normalizeKubeadmSchedulerConfig(t *testing.T, launcher *unstructured.Unstructured) {
	t.Helper()
	volume := func(configMap, key string) any {
		return map[string]any{"name": "scheduler-config", "configMap": map[string]any{
			"name": configMap, "items": []any{map[string]any{"key": key, "path": key}}}}
	}
	volumes, _, _ := unstructured.NestedSlice(launcher.Object, "spec", "template", "spec", "volumes")
	i := slices.IndexFunc(volumes, func(v any) bool { return cmp.Equal(v, volume("tailor-kube-scheduler", "kube-scheduler-config.yaml")) })
	if i < 0 {
		t.Fatalf("the default mode's launcher mounts %v, want the ConfigMap tailor-kube-scheduler, key kube-scheduler-config.yaml", volumes)
	}
	volumes[i] = volume("tailor-scheduler-config", "scheduler-config.yaml")
	_ = unstructured.SetNestedSlice(launcher.Object, volumes, "spec", "template", "spec", "volumes")

	containers, _, _ := unstructured.NestedSlice(launcher.Object, "spec", "template", "spec", "containers")
	c := containers[0].(map[string]any)
	cmd := command(t, c)
	j := slices.Index(cmd, "--scheduler-config=/etc/tailor/scheduler/kube-scheduler-config.yaml")
	if j < 0 {
		t.Fatalf("the default mode's launcher runs %v, want --scheduler-config=/etc/tailor/scheduler/kube-scheduler-config.yaml", cmd)
	}
	cmd[j] = "--scheduler-config=/etc/tailor/scheduler/scheduler-config.yaml"
	_ = unstructured.SetNestedStringSlice(c, cmd, "command")
	_ = unstructured.SetNestedSlice(launcher.Object, containers, "spec", "template", "spec", "containers")
}

// serviceMonitor.enabled adds a Service for the launcher's metrics port and a
// ServiceMonitor that selects it; nothing else changes.
func TestServiceMonitor(t *testing.T) {
	if sm := render(t).ofKind("ServiceMonitor"); len(sm) != 0 {
		t.Fatalf("ServiceMonitor rendered while serviceMonitor.enabled is false")
	}
	got := render(t, "--set", "serviceMonitor.enabled=true", "--set", "serviceMonitor.additionalLabels.release=prometheus",
		"--set", "serviceMonitor.endpointConfig.interval=15s")
	svc := got.get(t, "Service", "tailor-system", "tailor-launcher")
	sm := got.get(t, "ServiceMonitor", "tailor-system", "tailor-launcher")
	delete(got, keyOf(svc))
	delete(got, keyOf(sm))
	expectSameObjects(t, got, manifestObjects(t, "launcher", "scheduler/common", "scheduler/second-scheduler"))

	if sm.GetAPIVersion() != "monitoring.coreos.com/v1" || sm.GetLabels()["release"] != "prometheus" {
		t.Errorf("ServiceMonitor is %s with labels %v, want monitoring.coreos.com/v1 with release=prometheus", sm.GetAPIVersion(), sm.GetLabels())
	}
	deploy := got.get(t, "Deployment", "tailor-system", "tailor-launcher")
	podLabels, _, _ := unstructured.NestedStringMap(deploy.Object, "spec", "template", "metadata", "labels")
	svcSelector, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	smSelector, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	if len(svcSelector) == 0 || !subset(svcSelector, podLabels) {
		t.Errorf("Service selects %v, the launcher's pods are %v", svcSelector, podLabels)
	}
	if len(smSelector) == 0 || !subset(smSelector, svc.GetLabels()) {
		t.Errorf("ServiceMonitor selects %v, the Service is labelled %v", smSelector, svc.GetLabels())
	}
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(ports) != 1 || len(endpoints) != 1 {
		t.Fatalf("Service ports %v, ServiceMonitor endpoints %v: want one each", ports, endpoints)
	}
	port, endpoint := ports[0].(map[string]any), endpoints[0].(map[string]any)
	metricsPort := containerPort(t, container(t, deploy), "http-metrics")
	if port["name"] != "http-metrics" || port["targetPort"] != "http-metrics" || port["port"] != float64(metricsPort) {
		t.Errorf("Service port %v, want http-metrics to the container's %d", port, metricsPort)
	}
	if endpoint["port"] != "http-metrics" || endpoint["path"] != "/metrics" || endpoint["interval"] != "15s" {
		t.Errorf("ServiceMonitor endpoint %v, want port http-metrics, path /metrics, interval 15s", endpoint)
	}
}

// charts/tailor/crds holds manifests/crds byte for byte (make chart-crds copies them).
func TestCRDsAreTheProjectsOwn(t *testing.T) {
	want, _ := filepath.Glob(filepath.Join(harness.RepoRoot(), "manifests", "crds", "*.yaml"))
	got, _ := filepath.Glob(filepath.Join(chartDir(), "crds", "*.yaml"))
	if len(want) == 0 || !slices.Equal(baseNames(got), baseNames(want)) {
		t.Fatalf("charts/tailor/crds has %v, manifests/crds %v: run make chart-crds", baseNames(got), baseNames(want))
	}
	for _, f := range want {
		if !bytes.Equal([]byte(readFile(t, f)), []byte(readFile(t, filepath.Join(chartDir(), "crds", filepath.Base(f))))) {
			t.Errorf("charts/tailor/crds/%s differs from manifests/crds: run make chart-crds", filepath.Base(f))
		}
	}
}

// expectSameObjects fails unless got and want hold the same kinds and names, and
// each object matches its manifest (expectMatches).
func expectSameObjects(t *testing.T, got, want objects) {
	t.Helper()
	for _, k := range want.keys() {
		if _, ok := got[k]; !ok {
			t.Errorf("the chart renders no %s", k)
		}
	}
	for _, k := range got.keys() {
		if _, ok := want[k]; !ok {
			t.Errorf("the chart renders %s, which manifests/ does not have", k)
			continue
		}
		expectMatches(t, got[k], want[k])
	}
}

// expectMatches compares what an operator diffing the chart against manifests/
// would look at: the labels and annotations of manifests/ (the chart may add
// Helm's), RBAC rules, role references and subjects, budgets, the whole pod
// template of a Deployment, and ConfigMap data (scheduler configurations as the
// scheduler decodes them).
func expectMatches(t *testing.T, got, want *unstructured.Unstructured) {
	t.Helper()
	k := keyOf(want)
	if !subset(want.GetLabels(), got.GetLabels()) {
		t.Errorf("%s: labels %v lack some of manifests/' %v", k, got.GetLabels(), want.GetLabels())
	}
	if !subset(want.GetAnnotations(), got.GetAnnotations()) {
		t.Errorf("%s: annotations %v lack some of manifests/' %v", k, got.GetAnnotations(), want.GetAnnotations())
	}
	fields := func(names ...string) {
		for _, f := range names {
			if diff := cmp.Diff(want.Object[f], got.Object[f]); diff != "" {
				t.Errorf("%s: %s differ from manifests/ (-want +got):\n%s", k, f, diff)
			}
		}
	}
	switch want.GetKind() {
	case "ServiceAccount":
	case "ClusterRole", "Role":
		fields("rules")
	case "ClusterRoleBinding", "RoleBinding":
		fields("roleRef", "subjects")
	case "PodDisruptionBudget":
		fields("spec")
	case "Deployment":
		expectDeploymentMatches(t, got, want)
	case "ConfigMap":
		gotData, _, _ := unstructured.NestedStringMap(got.Object, "data")
		wantData, _, _ := unstructured.NestedStringMap(want.Object, "data")
		if !slices.Equal(mapKeys(gotData), mapKeys(wantData)) {
			t.Errorf("%s: keys %v, want %v", k, mapKeys(gotData), mapKeys(wantData))
		}
		for name, text := range wantData {
			if strings.Contains(text, "kind: KubeSchedulerConfiguration") {
				expectSchedulerConfigsEqual(t, k+" "+name, gotData[name], text)
			} else if gotData[name] != text {
				t.Errorf("%s: %s differs from manifests/", k, name)
			}
		}
	default:
		t.Errorf("%s: no comparison for this kind; add one", k)
	}
}

// expectDeploymentMatches compares the Deployments' specs whole, but for the pod
// template's metadata (the chart's pods carry the manifests' labels and more,
// and a configuration checksum) and the launcher's --feature-gates, which the
// chart always passes (TestFeatureGates checks its value).
func expectDeploymentMatches(t *testing.T, got, want *unstructured.Unstructured) {
	t.Helper()
	gotSpec := got.DeepCopy().Object["spec"].(map[string]any)
	wantSpec := want.DeepCopy().Object["spec"].(map[string]any)
	gotLabels, _, _ := unstructured.NestedStringMap(gotSpec, "template", "metadata", "labels")
	wantLabels, _, _ := unstructured.NestedStringMap(wantSpec, "template", "metadata", "labels")
	if !subset(wantLabels, gotLabels) {
		t.Errorf("%s: pod labels %v lack some of manifests/' %v", keyOf(want), gotLabels, wantLabels)
	}
	unstructured.RemoveNestedField(gotSpec, "template", "metadata")
	unstructured.RemoveNestedField(wantSpec, "template", "metadata")
	containers := gotSpec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)
	for _, c := range containers {
		c := c.(map[string]any)
		cmd, _, _ := unstructured.NestedStringSlice(c, "command")
		_ = unstructured.SetNestedStringSlice(c, slices.DeleteFunc(cmd, func(arg string) bool {
			return strings.HasPrefix(arg, "--feature-gates=")
		}), "command")
	}
	if diff := cmp.Diff(wantSpec, gotSpec); diff != "" {
		t.Errorf("%s: spec differs from manifests/ (-want +got):\n%s", keyOf(want), diff)
	}
}

// expectSchedulerConfigsEqual decodes both KubeSchedulerConfigurations as the
// scheduler reads --config (strict, defaulted, with the Provisioner's args
// typed), validates them, and compares the results.
func expectSchedulerConfigsEqual(t *testing.T, what, got, want string) {
	t.Helper()
	gotCfg, wantCfg := decodeSchedulerConfig(t, what+" (chart)", got), decodeSchedulerConfig(t, what+" (manifests)", want)
	gotText, err := yaml.Marshal(gotCfg)
	if err != nil {
		t.Fatal(err)
	}
	wantText, err := yaml.Marshal(wantCfg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(wantText), string(gotText)); diff != "" {
		t.Errorf("%s: the scheduler configuration differs from manifests/ (-want +got):\n%s", what, diff)
	}
}

// decodeSchedulerConfig reads a KubeSchedulerConfiguration as kube-scheduler
// reads --config, and validates it and the Provisioner's args.
func decodeSchedulerConfig(t *testing.T, what, text string) *schedconfig.KubeSchedulerConfiguration {
	t.Helper()
	obj, _, err := kubeschedulerscheme.Codecs.UniversalDecoder().Decode([]byte(text), nil, nil)
	if err != nil {
		t.Fatalf("%s: decoding the scheduler configuration: %v\n%s", what, err, text)
	}
	cfg, ok := obj.(*schedconfig.KubeSchedulerConfiguration)
	if !ok {
		t.Fatalf("%s: decoded a %T, want a KubeSchedulerConfiguration", what, obj)
	}
	if err := schedvalidation.ValidateKubeSchedulerConfiguration(cfg); err != nil {
		t.Errorf("%s: invalid scheduler configuration: %v", what, err)
	}
	args := provisionerArgs(t, what, cfg)
	if err := configvalidation.ValidateProvisionerArgs(field.NewPath("args"), args); err != nil {
		t.Errorf("%s: invalid Provisioner args: %v", what, err)
	}
	return cfg
}

// provisionerArgs returns the Provisioner's args of the configuration's one profile.
func provisionerArgs(t *testing.T, what string, cfg *schedconfig.KubeSchedulerConfiguration) *config.ProvisionerArgs {
	t.Helper()
	if len(cfg.Profiles) != 1 {
		t.Fatalf("%s: %d profiles, want 1", what, len(cfg.Profiles))
	}
	for _, pc := range cfg.Profiles[0].PluginConfig {
		if pc.Name == "Provisioner" {
			args, ok := pc.Args.(*config.ProvisionerArgs)
			if !ok {
				t.Fatalf("%s: Provisioner args are a %T", what, pc.Args)
			}
			return args
		}
	}
	t.Fatalf("%s: no Provisioner args", what)
	return nil
}

func containerPort(t *testing.T, c map[string]any, name string) int64 {
	t.Helper()
	ports, _, _ := unstructured.NestedSlice(c, "ports")
	for _, p := range ports {
		p := p.(map[string]any)
		if p["name"] == name {
			n, _ := p["containerPort"].(float64)
			return int64(n)
		}
	}
	t.Fatalf("container has no port %s", name)
	return 0
}

// subset reports whether every entry of small is in big.
func subset(small, big map[string]string) bool {
	for k, v := range small {
		if got, ok := big[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func mapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	slices.Sort(out)
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
