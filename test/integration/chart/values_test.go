package chart_test

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tailor-sh/tailor/pkg/operator"
)

// launcherOptions parses the rendered launcher's command line with the launcher's
// own flags, after Kubernetes' $(VAR) expansion from the container's environment,
// and completes it as the launcher does at start: an unknown flag, an unknown
// feature gate or a missing setting fails here as it would fail the pod.
func launcherOptions(t *testing.T, objs objects, namespace, name string) operator.Options {
	t.Helper()
	c := container(t, objs.get(t, "Deployment", namespace, name))
	cmd, vars := command(t, c), envValues(c)
	if len(cmd) == 0 || cmd[0] != "/launcher" {
		t.Fatalf("launcher command %v, want /launcher first", cmd)
	}
	ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	args := make([]string, len(cmd)-1)
	for i, arg := range cmd[1:] {
		args[i] = ref.ReplaceAllStringFunc(arg, func(m string) string {
			v, ok := vars[ref.FindStringSubmatch(m)[1]]
			if !ok {
				t.Errorf("%s refers to %s, which the container's environment lacks", arg, m)
			}
			return v
		})
	}
	// The launcher reads the settings without a flag (CLUSTER_CA_BUNDLE...) from
	// its environment, as the flags' defaults.
	for name, v := range vars {
		old, had := os.LookupEnv(name)
		_ = os.Setenv(name, v)
		defer func() {
			if had {
				_ = os.Setenv(name, old)
			} else {
				_ = os.Unsetenv(name)
			}
		}()
	}
	var opts operator.Options
	fs := flag.NewFlagSet("launcher", flag.ContinueOnError)
	opts.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parsing the launcher's arguments %v: %v", args, err)
	}
	if err := opts.Complete(); err != nil {
		t.Fatalf("the launcher would not start with %v: %v", args, err)
	}
	return opts
}

// The settings reach the launcher's flags, and the launcher accepts them.
func TestLauncherSettings(t *testing.T) {
	opts := launcherOptions(t, render(t), "tailor-system", "tailor-launcher")
	if opts.ClusterName != "test-cluster" || opts.ClusterEndpoint != clusterVars["CLUSTER_ENDPOINT"] || opts.Region != "us-west-2" || opts.InterruptionQueue != "test-cluster" {
		t.Errorf("launcher got cluster %q at %q in %q, queue %q; want the values' test-cluster, %s, us-west-2, test-cluster",
			opts.ClusterName, opts.ClusterEndpoint, opts.Region, opts.InterruptionQueue, clusterVars["CLUSTER_ENDPOINT"])
	}
	if !opts.LeaderElect || opts.LeaderElectionNamespace != "tailor-system" || opts.MetricsAddr != ":8080" || opts.HealthAddr != ":8081" {
		t.Errorf("leader election %v in %q, metrics %q, health %q; want on in tailor-system, :8080, :8081",
			opts.LeaderElect, opts.LeaderElectionNamespace, opts.MetricsAddr, opts.HealthAddr)
	}

	opts = launcherOptions(t, render(t, "--set", "settings.clusterName=prod-eu", "--set", "settings.interruptionQueue=",
		"--set", "settings.clusterCABundle=Q0E=", "--set", "settings.clusterDNS=10.100.0.10",
		"--set", "launcher.metrics.port=9090", "--set", "launcher.leaderElection.enabled=false",
		"--set", "launcher.extraArgs={--gc-interval=2m}"), "tailor-system", "tailor-launcher")
	if opts.ClusterName != "prod-eu" || opts.InterruptionQueue != "" || opts.ClusterCABundle != "Q0E=" || opts.ClusterDNS != "10.100.0.10" {
		t.Errorf("launcher got cluster %q, queue %q, CA %q, DNS %q; want prod-eu, none, Q0E=, 10.100.0.10",
			opts.ClusterName, opts.InterruptionQueue, opts.ClusterCABundle, opts.ClusterDNS)
	}
	if opts.MetricsAddr != ":9090" || opts.LeaderElect || opts.GCInterval != 2*time.Minute {
		t.Errorf("metrics %q, leader election %v, GC interval %s; want :9090, off, 2m", opts.MetricsAddr, opts.LeaderElect, opts.GCInterval)
	}
}

// settings.featureGates become --feature-gates with the launcher's gate names;
// the defaults are the launcher's own.
func TestFeatureGates(t *testing.T) {
	for _, tc := range []struct {
		set  []string
		want map[string]bool
	}{
		{nil, map[string]bool{"Disruption": true, "SpotToSpotConsolidation": false}},
		{[]string{"--set", "settings.featureGates.spotToSpotConsolidation=true", "--set", "settings.featureGates.disruption=false"},
			map[string]bool{"Disruption": false, "SpotToSpotConsolidation": true}},
	} {
		opts := launcherOptions(t, render(t, tc.set...), "tailor-system", "tailor-launcher")
		if diff := cmp.Diff(tc.want, opts.FeatureGates); diff != "" {
			t.Errorf("%v: feature gates differ (-want +got):\n%s", tc.set, diff)
		}
	}
	var defaults operator.Options
	defaults.AddFlags(flag.NewFlagSet("defaults", flag.ContinueOnError))
	_ = defaults.Complete() // fails validation without a cluster name, after parsing the gates
	if diff := cmp.Diff(defaults.FeatureGates, launcherOptions(t, render(t), "tailor-system", "tailor-launcher").FeatureGates); diff != "" {
		t.Errorf("the chart's default gates are not the launcher's (-launcher +chart):\n%s", diff)
	}
	if msg := renderError(t, "--set", "settings.featureGates.disruption=maybe"); !strings.Contains(msg, "settings.featureGates.disruption: want true or false") {
		t.Errorf("a gate set to maybe: %s", msg)
	}
}

// Missing settings and a wrong mode fail the install with the value to set.
func TestRequiredValues(t *testing.T) {
	for _, tc := range []struct{ set, want string }{
		{"settings.clusterName=", "settings.clusterName is required"},
		{"settings.clusterEndpoint=", "settings.clusterEndpoint is required"},
		{"settings.region=", "settings.region is required"},
		{"scheduler.mode=kubeadm", `scheduler.mode: want second or default, got "kubeadm"`},
		{"serviceAccount.create=false", "serviceAccount.name is required"},
	} {
		if msg := renderError(t, "--set", tc.set); !strings.Contains(msg, tc.want) {
			t.Errorf("--set %s: want an error saying %q, got %s", tc.set, tc.want, msg)
		}
	}
	// Without the launcher its settings are not needed.
	objs := render(t, "--set", "launcher.enabled=false", "--set", "settings.clusterName=")
	if len(objs.ofKind("Deployment")) != 1 {
		t.Errorf("with launcher.enabled=false: want only the scheduler's Deployment, have %v", objs.keys())
	}
}

// The launcher's ServiceAccount carries the annotations IRSA needs, or none for
// Pod Identity; an existing one can be used instead.
func TestServiceAccount(t *testing.T) {
	sa := render(t).get(t, "ServiceAccount", "tailor-system", "tailor-launcher")
	if got := sa.GetAnnotations()["eks.amazonaws.com/role-arn"]; got != roleARN {
		t.Errorf("role-arn annotation = %q, want %s", got, roleARN)
	}
	sa = render(t, "--set", "serviceAccount.annotations=null").get(t, "ServiceAccount", "tailor-system", "tailor-launcher")
	if len(sa.GetAnnotations()) != 0 {
		t.Errorf("want no annotations for Pod Identity, got %v", sa.GetAnnotations())
	}

	objs := render(t, "--set", "serviceAccount.create=false", "--set", "serviceAccount.name=platform-launcher")
	if _, ok := objs[key("ServiceAccount", "tailor-system", "tailor-launcher")]; ok {
		t.Error("serviceAccount.create=false still renders the ServiceAccount")
	}
	spec, _, _ := unstructured.NestedMap(objs.get(t, "Deployment", "tailor-system", "tailor-launcher").Object, "spec", "template", "spec")
	if spec["serviceAccountName"] != "platform-launcher" {
		t.Errorf("the launcher runs as %v, want platform-launcher", spec["serviceAccountName"])
	}
	for _, kind := range []string{"ClusterRoleBinding", "RoleBinding"} {
		for _, b := range objs.ofKind(kind) {
			if !strings.Contains(b.GetName(), "launcher") {
				continue
			}
			subjects, _, _ := unstructured.NestedSlice(b.Object, "subjects")
			if len(subjects) != 1 || subjects[0].(map[string]any)["name"] != "platform-launcher" {
				t.Errorf("%s binds %v, want platform-launcher", keyOf(b), subjects)
			}
		}
	}
}

// Another release name and namespace: every name follows the release (so two
// releases can live in one cluster), every namespaced object, binding subject,
// lease and leader election namespace follows the namespace.
func TestReleaseNameAndNamespace(t *testing.T) {
	for _, mode := range []string{"second", "default"} {
		objs := renderAs(t, "edge", "edge-system", "--set", "scheduler.mode="+mode)
		for _, k := range objs.keys() {
			obj := objs[k]
			if !strings.HasPrefix(obj.GetName(), "edge-tailor") {
				t.Errorf("%s: %s is not named after the release", mode, k)
			}
			if ns := obj.GetNamespace(); ns != "" && ns != "edge-system" && !(obj.GetKind() == "RoleBinding" && ns == "kube-system") {
				t.Errorf("%s: %s is not in the release namespace", mode, k)
			}
			subjects, _, _ := unstructured.NestedSlice(obj.Object, "subjects")
			for _, s := range subjects {
				s := s.(map[string]any)
				if s["kind"] == "ServiceAccount" && (s["namespace"] != "edge-system" || !strings.HasPrefix(s["name"].(string), "edge-tailor-")) {
					t.Errorf("%s: %s binds %v", mode, k, s)
				}
			}
		}
		opts := launcherOptions(t, objs, "edge-system", "edge-tailor-launcher")
		if opts.LeaderElectionNamespace != "edge-system" {
			t.Errorf("%s: launcher elects in %q, want edge-system", mode, opts.LeaderElectionNamespace)
		}
		// The launcher mounts this release's scheduler ConfigMap.
		if cm, _, _ := launcherSchedulerConfig(t, objs, "edge-system", "edge-tailor-launcher", opts.SchedulerConfig); !strings.HasPrefix(cm, "edge-tailor-") {
			t.Errorf("%s: the launcher reads the scheduler configuration of %s", mode, cm)
		}
		// The launcher's Lease name is fixed in its code; the Role must name it.
		role := objs.get(t, "Role", "edge-system", "edge-tailor:launcher:leader-election")
		if !roleNamesLease(role, operator.LeaderElectionID) {
			t.Errorf("%s: %s does not let the launcher update its Lease %s", mode, keyOf(role), operator.LeaderElectionID)
		}
	}

	objs := renderAs(t, "edge", "edge-system")
	cm := objs.get(t, "ConfigMap", "edge-system", "edge-tailor-scheduler-config")
	cfg := decodeSchedulerConfig(t, "edge", cm.Object["data"].(map[string]any)["scheduler-config.yaml"].(string))
	le := cfg.LeaderElection
	if le.ResourceNamespace != "edge-system" || le.ResourceName != "edge-tailor-scheduler" {
		t.Errorf("the scheduler elects on %s/%s, want edge-system/edge-tailor-scheduler", le.ResourceNamespace, le.ResourceName)
	}
	if role := objs.get(t, "Role", "edge-system", "edge-tailor:scheduler:leader-election"); !roleNamesLease(role, le.ResourceName) {
		t.Errorf("%s does not let the scheduler update its Lease %s", keyOf(role), le.ResourceName)
	}
	spec, _, _ := unstructured.NestedMap(objs.get(t, "Deployment", "edge-system", "edge-tailor-scheduler").Object, "spec", "template", "spec")
	volumes := spec["volumes"].([]any)
	if len(volumes) != 1 || volumes[0].(map[string]any)["configMap"].(map[string]any)["name"] != cm.GetName() {
		t.Errorf("the scheduler mounts %v, want the ConfigMap %s", volumes, cm.GetName())
	}

	if got := renderAs(t, "edge", "edge-system", "--set", "fullnameOverride=acme").keys(); !slices.Contains(got, key("Deployment", "edge-system", "acme-launcher")) {
		t.Errorf("fullnameOverride=acme: have %v", got)
	}
}

func roleNamesLease(role *unstructured.Unstructured, lease string) bool {
	rules, _, _ := unstructured.NestedSlice(role.Object, "rules")
	for _, r := range rules {
		names, _, _ := unstructured.NestedStringSlice(r.(map[string]any), "resourceNames")
		verbs, _, _ := unstructured.NestedStringSlice(r.(map[string]any), "verbs")
		if slices.Contains(names, lease) && slices.Contains(verbs, "update") {
			return true
		}
	}
	return false
}

// The scheduler's values reach its configuration, in both modes, and a new
// configuration rolls the second scheduler's pods.
func TestSchedulerValues(t *testing.T) {
	set := []string{"--set", "scheduler.schedulerName=batch", "--set", "scheduler.provisioner.batchMaxDuration=20s",
		"--set", "scheduler.provisioner.maxNewNodesPerBatch=50", "--set", "scheduler.clientConnection.qps=400"}
	second := render(t, set...)
	cfg := decodeSchedulerConfig(t, "second", second.get(t, "ConfigMap", "tailor-system", "tailor-scheduler-config").Object["data"].(map[string]any)["scheduler-config.yaml"].(string))
	args := provisionerArgs(t, "second", cfg)
	if cfg.Profiles[0].SchedulerName != "batch" || args.BatchMaxDuration.Duration != 20*time.Second || args.MaxNewNodesPerBatch != 50 || cfg.ClientConnection.QPS != 400 {
		t.Errorf("second: profile %q, batchMaxDuration %s, maxNewNodesPerBatch %d, qps %v; want batch, 20s, 50, 400",
			cfg.Profiles[0].SchedulerName, args.BatchMaxDuration.Duration, args.MaxNewNodesPerBatch, cfg.ClientConnection.QPS)
	}
	checksum := func(objs objects) string {
		a, _, _ := unstructured.NestedString(objs.get(t, "Deployment", "tailor-system", "tailor-scheduler").Object, "spec", "template", "metadata", "annotations", "checksum/config")
		return a
	}
	if before, after := checksum(render(t)), checksum(second); before == "" || before == after {
		t.Errorf("config checksum %q before and %q after changing the configuration: want a new one", before, after)
	}

	def := render(t, append(set, "--set", "scheduler.mode=default")...)
	cfg = decodeSchedulerConfig(t, "default", def.get(t, "ConfigMap", "tailor-system", "tailor-kube-scheduler").Object["data"].(map[string]any)["kube-scheduler-config.yaml"].(string))
	args = provisionerArgs(t, "default", cfg)
	if cfg.Profiles[0].SchedulerName != "default-scheduler" || args.BatchMaxDuration.Duration != 20*time.Second || cfg.ClientConnection.QPS != 400 {
		t.Errorf("default: profile %q, batchMaxDuration %s, qps %v; want default-scheduler, 20s, 400",
			cfg.Profiles[0].SchedulerName, args.BatchMaxDuration.Duration, cfg.ClientConnection.QPS)
	}
	if cfg.ClientConnection.Kubeconfig != "/etc/kubernetes/scheduler.conf" || cfg.LeaderElection.ResourceNamespace != "kube-system" || cfg.LeaderElection.ResourceName != "kube-scheduler" {
		t.Errorf("default: kubeconfig %q, lease %s/%s; want kubeadm's scheduler.conf and kube-system/kube-scheduler",
			cfg.ClientConnection.Kubeconfig, cfg.LeaderElection.ResourceNamespace, cfg.LeaderElection.ResourceName)
	}
	for _, k := range def.keys() {
		if k == key("Deployment", "tailor-system", "tailor-scheduler") || strings.Contains(k, "ServiceAccount tailor-system/tailor-scheduler") {
			t.Errorf("default mode renders %s", k)
		}
	}
}

// Pod placement, budget, image and resource values of the launcher.
func TestLauncherPodValues(t *testing.T) {
	objs := render(t, "--values", valuesFile(t, `
launcher:
  replicas: 3
  priorityClassName: ""
  image: {repository: registry.example/tailor/launcher, tag: v0.3.0}
  resources: {requests: {cpu: "1", memory: 1Gi}, limits: null} # null drops the default limits
  podDisruptionBudget: {maxUnavailable: 1}
  topologySpreadConstraints:
  - {maxSkew: 2, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule}
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: DoNotSchedule
    labelSelector: {matchLabels: {team: infra}}
  env: [{name: AWS_STS_REGIONAL_ENDPOINTS, value: regional}]
  podLabels: {team: infra}
additionalLabels: {cost-center: platform}
additionalAnnotations: {owner: platform@example.com}
`))
	deploy := objs.get(t, "Deployment", "tailor-system", "tailor-launcher")
	spec, _, _ := unstructured.NestedMap(deploy.Object, "spec", "template", "spec")
	c := container(t, deploy)
	if r, _, _ := unstructured.NestedFloat64(deploy.Object, "spec", "replicas"); r != 3 {
		t.Errorf("replicas = %v, want 3", r)
	}
	if _, ok := spec["priorityClassName"]; ok {
		t.Errorf("priorityClassName %v rendered though empty", spec["priorityClassName"])
	}
	if c["image"] != "registry.example/tailor/launcher:v0.3.0" {
		t.Errorf("image = %v", c["image"])
	}
	if diff := cmp.Diff(map[string]any{"requests": map[string]any{"cpu": "1", "memory": "1Gi"}}, c["resources"]); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	if envValues(c)["AWS_STS_REGIONAL_ENDPOINTS"] != "regional" || envValues(c)["CLUSTER_NAME"] != "test-cluster" {
		t.Errorf("env = %v, want launcher.env added to the settings", envValues(c))
	}
	spread := spec["topologySpreadConstraints"].([]any)
	wantSpread := []any{
		map[string]any{"maxSkew": float64(2), "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
			"labelSelector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": "tailor-launcher"}}},
		map[string]any{"maxSkew": float64(1), "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule",
			"labelSelector": map[string]any{"matchLabels": map[string]any{"team": "infra"}}},
	}
	if diff := cmp.Diff(wantSpread, spread); diff != "" {
		t.Errorf("topology spread: a constraint without labelSelector selects the launcher's pods, one with it keeps it (-want +got):\n%s", diff)
	}
	pdb := objs.get(t, "PodDisruptionBudget", "tailor-system", "tailor-launcher")
	if s := pdb.Object["spec"].(map[string]any); s["maxUnavailable"] != float64(1) || s["minAvailable"] != nil {
		t.Errorf("budget %v, want maxUnavailable 1 only", s)
	}
	podLabels, _, _ := unstructured.NestedStringMap(deploy.Object, "spec", "template", "metadata", "labels")
	if podLabels["team"] != "infra" {
		t.Errorf("pod labels %v lack launcher.podLabels", podLabels)
	}
	for _, k := range objs.keys() {
		if objs[k].GetLabels()["cost-center"] != "platform" || objs[k].GetAnnotations()["owner"] != "platform@example.com" {
			t.Errorf("%s lacks additionalLabels or additionalAnnotations: %v %v", k, objs[k].GetLabels(), objs[k].GetAnnotations())
		}
	}

	objs = render(t, "--set", "launcher.podDisruptionBudget.enabled=false", "--set", "launcher.image.digest=sha256:0123abcd")
	if pdbs := objs.ofKind("PodDisruptionBudget"); len(pdbs) != 0 {
		t.Error("launcher.podDisruptionBudget.enabled=false still renders the budget")
	}
	if img := container(t, objs.get(t, "Deployment", "tailor-system", "tailor-launcher"))["image"]; img != "tailor/launcher@sha256:0123abcd" {
		t.Errorf("image = %v, want tailor/launcher@sha256:0123abcd", img)
	}
}

// Each component can be left out; the other's objects stay.
func TestComponentsToggle(t *testing.T) {
	for _, tc := range []struct {
		set, gone, kept string
	}{
		{"launcher.enabled=false", "launcher", "scheduler"},
		{"scheduler.enabled=false", "scheduler", "launcher"},
	} {
		objs := render(t, "--set", tc.set)
		kept := 0
		for _, k := range objs.keys() {
			if strings.Contains(k, tc.gone) {
				t.Errorf("--set %s renders %s", tc.set, k)
			}
			if strings.Contains(k, tc.kept) {
				kept++
			}
		}
		if kept == 0 {
			t.Errorf("--set %s renders nothing of the %s: %v", tc.set, tc.kept, objs.keys())
		}
	}
}
