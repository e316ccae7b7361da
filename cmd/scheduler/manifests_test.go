package main

import (
	"path"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// decodeManifests decodes every Kubernetes object under manifests/scheduler,
// rejecting unknown and duplicate fields, keyed by file.
func decodeManifests(t *testing.T) map[string][]runtime.Object {
	t.Helper()
	decoder := serializer.NewCodecFactory(clientgoscheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	out := map[string][]runtime.Object{}
	for _, doc := range manifestDocs(t) {
		if doc.kind == "KubeSchedulerConfiguration" {
			continue // loaded by the scheduler itself in main_test.go
		}
		obj, _, err := decoder.Decode(doc.data, nil, nil)
		if err != nil {
			t.Errorf("%s: %v", doc.file, err)
			continue
		}
		out[doc.file] = append(out[doc.file], obj)
	}
	return out
}

func TestManifestsDecode(t *testing.T) {
	if len(decodeManifests(t)) == 0 {
		t.Fatal("no manifests found")
	}
}

// The Deployment reads --config from the ConfigMap it mounts, under the key the
// ConfigMap (and the gang variant, which replaces it) holds.
func TestDeploymentMountsItsConfig(t *testing.T) {
	objs := decodeManifests(t)
	deploy := only[*appsv1.Deployment](t, objs["second-scheduler/04-deployment.yaml"])
	spec := deploy.Spec.Template.Spec
	configPath := flagValue(t, spec.Containers[0].Command, "--config")

	var volumeName string
	for _, m := range spec.Containers[0].VolumeMounts {
		if m.MountPath == path.Dir(configPath) {
			volumeName = m.Name
		}
	}
	var configMap string
	for _, v := range spec.Volumes {
		if v.Name == volumeName && v.ConfigMap != nil {
			configMap = v.ConfigMap.Name
		}
	}
	for _, file := range []string{"second-scheduler/03-configmap.yaml", "gang/configmap.yaml"} {
		cm := only[*v1.ConfigMap](t, objs[file])
		if cm.Name != configMap || cm.Namespace != deploy.Namespace {
			t.Errorf("%s is %s/%s, the Deployment mounts %s/%s", file, cm.Namespace, cm.Name, deploy.Namespace, configMap)
		}
		if _, ok := cm.Data[path.Base(configPath)]; !ok {
			t.Errorf("%s has no key %s for --config=%s", file, path.Base(configPath), configPath)
		}
	}
}

// The kubeadm static pod reads --config from a file it mounts from the host.
func TestStaticPodMountsItsConfig(t *testing.T) {
	pod := only[*v1.Pod](t, decodeManifests(t)["kubeadm/kube-scheduler.yaml"])
	configPath := flagValue(t, pod.Spec.Containers[0].Command, "--config")
	for _, m := range pod.Spec.Containers[0].VolumeMounts {
		if m.MountPath == configPath {
			return
		}
	}
	t.Errorf("the static pod does not mount --config=%s", configPath)
}

func only[T runtime.Object](t *testing.T, objs []runtime.Object) T {
	t.Helper()
	if len(objs) != 1 {
		t.Fatalf("want one object, got %d", len(objs))
	}
	obj, ok := objs[0].(T)
	if !ok {
		t.Fatalf("want a %T, got a %T", *new(T), objs[0])
	}
	return obj
}

func flagValue(t *testing.T, command []string, flag string) string {
	t.Helper()
	for _, arg := range command {
		if value, ok := strings.CutPrefix(arg, flag+"="); ok {
			return value
		}
	}
	t.Fatalf("no %s in %v", flag, command)
	return ""
}
