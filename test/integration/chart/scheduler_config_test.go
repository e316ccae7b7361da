package chart_test

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tailor-sh/tailor/pkg/whatif"
	"github.com/tailor-sh/tailor/plugins/provisioner"
)

// In both scheduler modes the launcher judges fit with the profile the scheduler
// runs: its --scheduler-config, as its own flags read it, is a file its pod
// mounts read-only from the ConfigMap the chart renders for that mode, and the
// file is a valid KubeSchedulerConfiguration in which the launcher, as it does
// at start, finds the scheduler's profile (the one running the Provisioner).
// A new scheduler configuration rolls the launcher. With
// launcher.schedulerConfig.enabled=false, or without the scheduler, the flag,
// the volume and the checksum are gone (the launcher falls back to
// kube-scheduler's default profile).
func TestLauncherMountsTheSchedulerConfig(t *testing.T) {
	for _, tc := range []struct {
		mode, configMap, key, profile string
	}{
		{"second", "tailor-scheduler-config", "scheduler-config.yaml", "tailor-scheduler"},
		{"default", "tailor-kube-scheduler", "kube-scheduler-config.yaml", "default-scheduler"},
	} {
		objs := render(t, "--set", "scheduler.mode="+tc.mode)
		opts := launcherOptions(t, objs, "tailor-system", "tailor-launcher")
		if want := "/etc/tailor/scheduler/" + tc.key; opts.SchedulerConfig != want || opts.SchedulerName != "" {
			t.Errorf("%s: launcher --scheduler-config %q, --scheduler-name %q; want %s and none", tc.mode, opts.SchedulerConfig, opts.SchedulerName, want)
			continue
		}
		cm, key, text := launcherSchedulerConfig(t, objs, "tailor-system", "tailor-launcher", opts.SchedulerConfig)
		if cm != tc.configMap || key != tc.key {
			t.Errorf("%s: the launcher reads %s key %s, want %s key %s", tc.mode, cm, key, tc.configMap, tc.key)
		}
		decodeSchedulerConfig(t, tc.mode+" "+cm, text)
		file := filepath.Join(t.TempDir(), key)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		profile, err := whatif.ProfileRunning(file, opts.SchedulerName, provisioner.Name)
		if err != nil {
			t.Errorf("%s: the launcher would not start: %v", tc.mode, err)
		} else if profile.SchedulerName != tc.profile {
			t.Errorf("%s: the launcher judges fit with the profile %s, want the scheduler's %s", tc.mode, profile.SchedulerName, tc.profile)
		}

		changed := render(t, "--set", "scheduler.mode="+tc.mode, "--set", "scheduler.provisioner.batchMaxDuration=20s")
		if before, after := launcherChecksum(t, objs), launcherChecksum(t, changed); before == "" || before == after {
			t.Errorf("%s: launcher checksum/scheduler-config %q before and %q after changing the scheduler's configuration: want a new one", tc.mode, before, after)
		}
		if a := launcherChecksum(t, render(t, "--set", "scheduler.mode="+tc.mode, "--set", "launcher.podAnnotations.team=infra")); a != launcherChecksum(t, objs) {
			t.Errorf("%s: launcher.podAnnotations changed the checksum to %q", tc.mode, a)
		}

		for _, set := range []string{"launcher.schedulerConfig.enabled=false", "scheduler.enabled=false"} {
			objs := render(t, "--set", "scheduler.mode="+tc.mode, "--set", set)
			if opts := launcherOptions(t, objs, "tailor-system", "tailor-launcher"); opts.SchedulerConfig != "" {
				t.Errorf("%s, %s: launcher --scheduler-config %q, want none", tc.mode, set, opts.SchedulerConfig)
			}
			deploy := objs.get(t, "Deployment", "tailor-system", "tailor-launcher")
			volumes, _, _ := unstructured.NestedSlice(deploy.Object, "spec", "template", "spec", "volumes")
			mounts, _, _ := unstructured.NestedSlice(container(t, deploy), "volumeMounts")
			if len(volumes) != 0 || len(mounts) != 0 || launcherChecksum(t, objs) != "" {
				t.Errorf("%s, %s: the launcher mounts %v at %v with checksum %q, want nothing", tc.mode, set, volumes, mounts, launcherChecksum(t, objs))
			}
		}
	}
}

// launcherSchedulerConfig follows the launcher's --scheduler-config file to what
// its pod would read there: the volume mounted read-only at a parent directory,
// a ConfigMap of the same render in the launcher's namespace, the key that its
// items put at that path, present in the data. It returns the ConfigMap's name,
// the key and the text.
func launcherSchedulerConfig(t *testing.T, objs objects, namespace, name, file string) (configMap, key, text string) {
	t.Helper()
	deploy := objs.get(t, "Deployment", namespace, name)
	mounts, _, _ := unstructured.NestedSlice(container(t, deploy), "volumeMounts")
	var mount map[string]any
	var rel string
	for _, m := range mounts {
		m := m.(map[string]any)
		if r, ok := strings.CutPrefix(file, strings.TrimSuffix(m["mountPath"].(string), "/")+"/"); ok {
			mount, rel = m, r
		}
	}
	if mount == nil {
		t.Fatalf("%s: --scheduler-config=%s is under none of the mounts %v", name, file, mounts)
	}
	if mount["readOnly"] != true || mount["subPath"] != nil {
		t.Errorf("%s: the scheduler configuration is mounted %v, want read-only, whole (a subPath mount misses updates)", name, mount)
	}
	volumes, _, _ := unstructured.NestedSlice(deploy.Object, "spec", "template", "spec", "volumes")
	i := slices.IndexFunc(volumes, func(v any) bool { return v.(map[string]any)["name"] == mount["name"] })
	if i < 0 {
		t.Fatalf("%s: no volume %v for the mount %v", name, mount["name"], mount)
	}
	source, ok := volumes[i].(map[string]any)["configMap"].(map[string]any)
	if !ok {
		t.Fatalf("%s: volume %v is not a ConfigMap", name, volumes[i])
	}
	configMap = source["name"].(string)
	data, _, _ := unstructured.NestedStringMap(objs.get(t, "ConfigMap", namespace, configMap).Object, "data")
	items, _ := source["items"].([]any)
	if len(items) != 1 {
		t.Errorf("%s: volume %v projects %d keys of %s, want only the scheduler configuration's", name, mount["name"], len(items), configMap)
	}
	key = rel // without items, every key is a file of its name
	if len(items) > 0 {
		key = ""
		for _, it := range items {
			if it := it.(map[string]any); path.Clean(it["path"].(string)) == rel {
				key = it["key"].(string)
			}
		}
		if key == "" {
			t.Fatalf("%s: volume %v puts no key at %s: items %v", name, mount["name"], rel, items)
		}
	}
	text, ok = data[key]
	if !ok {
		t.Fatalf("%s: --scheduler-config=%s is key %s of ConfigMap %s, which has only %v", name, file, key, configMap, mapKeys(data))
	}
	return configMap, key, text
}

// launcherChecksum is the launcher pod's checksum/scheduler-config annotation.
func launcherChecksum(t *testing.T, objs objects) string {
	t.Helper()
	a, _, _ := unstructured.NestedString(objs.get(t, "Deployment", "tailor-system", "tailor-launcher").Object,
		"spec", "template", "metadata", "annotations", "checksum/scheduler-config")
	return a
}
