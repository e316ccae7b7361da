package chart_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tailor-sh/tailor/test/integration/harness"
)

// A release of the chart installed in the test cluster.
type release struct {
	name, namespace string
	args            []string // --set and --values after the cluster's values
}

func (r release) helmArgs(t *testing.T, verb string, extra ...string) []string {
	args := []string{verb, r.name, chartDir(), "--namespace", r.namespace, "--values", valuesFile(t, clusterValues)}
	return append(append(args, r.args...), extra...)
}

// Both scheduler modes install side by side as two releases on a real API server
// (CRDs from the chart, a ServiceMonitor), every rendered object exists, RBAC
// grants what the components need in the release namespace, an upgrade changes
// settings and modes, and uninstalling removes every object but the CRDs.
// No kubelet runs: the pods are never started, and nothing waits for them.
func TestInstallUpgradeUninstall(t *testing.T) {
	ctx := context.Background()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		t.Fatal(err)
	}
	kube := []string{"KUBECONFIG=" + kubeconfig}

	// The CRDs are to come from the chart: remove those the harness installed.
	crds := chartCRDNames(t)
	for _, name := range crds {
		if err := env.Client.Delete(ctx, crdObject(name)); err != nil {
			t.Fatalf("deleting the harness's CRD %s: %v", name, err)
		}
	}
	harness.Eventually(t, 30*time.Second, "the harness's CRDs to be gone", func() error {
		for _, name := range crds {
			if err := env.Client.Get(ctx, client.ObjectKey{Name: name}, crdObject("")); !apierrors.IsNotFound(err) {
				return err
			}
		}
		return nil
	})

	second := release{"tailor", "tailor-system", []string{"--set", "scheduler.mode=second", "--set", "serviceMonitor.enabled=true"}}
	kubeadm := release{"edge", "edge-system", []string{"--set", "scheduler.mode=default"}}
	installed := map[string]objects{} // every object a release ever had
	for _, r := range []release{second, kubeadm} {
		out, err := runHelm(kube, r.helmArgs(t, "install", "--create-namespace")...)
		if err != nil {
			t.Fatal(err)
		}
		notes := map[string][]string{
			"second":  {"schedulerName: tailor-scheduler", "kubectl -n tailor-system rollout status deploy/tailor-launcher"},
			"default": {"edge-system/edge-tailor-kube-scheduler", "/etc/kubernetes/manifests/kube-scheduler.yaml", "on EVERY control-plane node"},
		}[strings.TrimPrefix(r.args[1], "scheduler.mode=")]
		for _, want := range notes {
			if !strings.Contains(out, want) {
				t.Errorf("helm install %s: the notes lack %q:\n%s", r.name, want, out)
			}
		}
		installed[r.name] = expectReleaseInstalled(t, kube, r)
	}
	for _, name := range crds {
		crd := crdObject("")
		if err := env.Client.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil || !established(crd) {
			t.Errorf("CRD %s from the chart: %v, established %v", name, err, established(crd))
		}
	}

	expectAccess(t, []access{
		{"system:serviceaccount:tailor-system:tailor-launcher", authorizationv1.ResourceAttributes{Group: "karpenter.sh", Resource: "nodeclaims", Verb: "create"}, true},
		{"system:serviceaccount:tailor-system:tailor-launcher", authorizationv1.ResourceAttributes{Namespace: "tailor-system", Group: "coordination.k8s.io", Resource: "leases", Name: "tailor-launcher", Verb: "update"}, true},
		{"system:serviceaccount:tailor-system:tailor-launcher", authorizationv1.ResourceAttributes{Namespace: "edge-system", Group: "coordination.k8s.io", Resource: "leases", Name: "tailor-launcher", Verb: "update"}, false},
		{"system:serviceaccount:edge-system:edge-tailor-launcher", authorizationv1.ResourceAttributes{Namespace: "edge-system", Group: "coordination.k8s.io", Resource: "leases", Name: "tailor-launcher", Verb: "update"}, true},
		{"system:serviceaccount:tailor-system:tailor-scheduler", authorizationv1.ResourceAttributes{Namespace: "default", Resource: "pods", Subresource: "binding", Verb: "create"}, true},
		{"system:serviceaccount:tailor-system:tailor-scheduler", authorizationv1.ResourceAttributes{Group: "tailor.sh", Resource: "capacityrequests", Verb: "create"}, true},
		{"system:serviceaccount:tailor-system:tailor-scheduler", authorizationv1.ResourceAttributes{Namespace: "tailor-system", Group: "coordination.k8s.io", Resource: "leases", Name: "tailor-scheduler", Verb: "update"}, true},
		{"system:serviceaccount:tailor-system:tailor-scheduler", authorizationv1.ResourceAttributes{Namespace: "kube-system", Resource: "configmaps", Name: "extension-apiserver-authentication", Verb: "get"}, true},
		{"system:serviceaccount:tailor-system:tailor-scheduler", authorizationv1.ResourceAttributes{Group: "karpenter.sh", Resource: "nodeclaims", Verb: "create"}, false},
		// The kubeadm scheduler's user, through the edge release's binding.
		{"system:kube-scheduler", authorizationv1.ResourceAttributes{Group: "tailor.sh", Resource: "capacityrequests", Verb: "create"}, true},
	})

	// An upgrade changes a setting and moves the release to the default mode:
	// the second scheduler's Deployment goes, the static pod's ConfigMap comes.
	upgraded := release{second.name, second.namespace, []string{"--set", "scheduler.mode=default", "--set", "settings.interruptionQueue=other-queue"}}
	if _, err := runHelm(kube, upgraded.helmArgs(t, "upgrade")...); err != nil {
		t.Fatal(err)
	}
	now := expectReleaseInstalled(t, kube, upgraded)
	for k, obj := range now {
		installed[second.name][k] = obj
	}
	var launcher appsv1.Deployment
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "tailor-system", Name: "tailor-launcher"}, &launcher); err != nil {
		t.Fatal(err)
	}
	if got := envOf(launcher.Spec.Template.Spec.Containers[0], "INTERRUPTION_QUEUE"); got != "other-queue" {
		t.Errorf("after the upgrade the launcher's INTERRUPTION_QUEUE is %q, want other-queue", got)
	}
	for _, k := range []string{key("Deployment", "tailor-system", "tailor-scheduler"), key("ConfigMap", "tailor-system", "tailor-scheduler-config")} {
		expectGone(t, installed[second.name][k])
	}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "tailor-system", Name: "tailor-kube-scheduler"}, &corev1.ConfigMap{}); err != nil {
		t.Errorf("after the upgrade to the default mode: %v", err)
	}

	for _, r := range []release{second, kubeadm} {
		if _, err := runHelm(kube, "uninstall", r.name, "--namespace", r.namespace); err != nil {
			t.Fatal(err)
		}
		for _, obj := range installed[r.name] {
			expectGone(t, obj)
		}
	}
	for _, name := range crds {
		if err := env.Client.Get(ctx, client.ObjectKey{Name: name}, crdObject("")); err != nil {
			t.Errorf("CRD %s after helm uninstall: %v; Helm leaves the CRDs of crds/", name, err)
		}
	}
	expectAccess(t, []access{
		{"system:kube-scheduler", authorizationv1.ResourceAttributes{Group: "tailor.sh", Resource: "capacityrequests", Verb: "create"}, false},
		{"system:serviceaccount:tailor-system:tailor-launcher", authorizationv1.ResourceAttributes{Group: "karpenter.sh", Resource: "nodeclaims", Verb: "create"}, false},
	})
}

// expectReleaseInstalled checks that the release's manifest (helm get manifest)
// holds what helm template renders with the same values, and that each of its
// objects is on the API server. It returns the objects.
func expectReleaseInstalled(t *testing.T, kube []string, r release) objects {
	t.Helper()
	manifest, err := runHelm(kube, "get", "manifest", r.name, "--namespace", r.namespace)
	if err != nil {
		t.Fatal(err)
	}
	objs := decodeObjects(t, "helm get manifest "+r.name, manifest)
	// The release's objects are in the namespace helm was given, where a template
	// does not say.
	for _, obj := range objs {
		if obj.GetNamespace() == "" && namespaced(obj.GetKind()) {
			obj.SetNamespace(r.namespace)
		}
	}
	if want := renderAs(t, r.name, r.namespace, r.args...).keys(); !slices.Equal(objs.keys(), want) {
		t.Errorf("release %s holds %v, helm template renders %v", r.name, objs.keys(), want)
	}
	for _, k := range objs.keys() {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(objs[k].GroupVersionKind())
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(objs[k]), live); err != nil {
			t.Errorf("release %s: %s is not on the API server: %v", r.name, k, err)
		} else if live.GetLabels()["app.kubernetes.io/managed-by"] != "Helm" || live.GetAnnotations()["meta.helm.sh/release-name"] != r.name {
			t.Errorf("release %s: %s is not marked as the release's: labels %v, annotations %v", r.name, k, live.GetLabels(), live.GetAnnotations())
		}
	}
	return objs
}

// namespaced reports whether objects of the chart's kind live in a namespace.
func namespaced(kind string) bool {
	return !slices.Contains([]string{"ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}, kind)
}

func expectGone(t *testing.T, obj *unstructured.Unstructured) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, keyOf(obj)+" to be deleted", func() error {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(obj.GroupVersionKind())
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), live)
		if apierrors.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		return errors.New("still present")
	})
}

// access is a question to the API server's authorizer: may user do attrs?
type access struct {
	user    string
	attrs   authorizationv1.ResourceAttributes
	allowed bool
}

func expectAccess(t *testing.T, questions []access) {
	t.Helper()
	for _, q := range questions {
		spec := authorizationv1.SubjectAccessReviewSpec{User: q.user, ResourceAttributes: &q.attrs, Groups: []string{"system:authenticated"}}
		if rest, ok := strings.CutPrefix(q.user, "system:serviceaccount:"); ok {
			ns, _, _ := strings.Cut(rest, ":")
			spec.Groups = append(spec.Groups, "system:serviceaccounts", "system:serviceaccounts:"+ns)
		}
		review := &authorizationv1.SubjectAccessReview{Spec: spec}
		if err := env.Client.Create(context.Background(), review); err != nil {
			t.Fatalf("asking the authorizer about %+v: %v", q, err)
		}
		if review.Status.Allowed != q.allowed {
			a := q.attrs
			t.Errorf("%s: %s %s/%s %q in %q: allowed = %v, want %v (%s)", q.user, a.Verb, a.Resource, a.Subresource, a.Name, a.Namespace,
				review.Status.Allowed, q.allowed, review.Status.Reason)
		}
	}
}

// chartCRDNames are the names of the CRDs in charts/tailor/crds.
func chartCRDNames(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(chartDir(), "crds", "*.yaml"))
	var names []string
	for _, f := range files {
		for _, obj := range decodeObjects(t, f, readFile(t, f)) {
			names = append(names, obj.GetName())
		}
	}
	if len(names) == 0 {
		t.Fatal("charts/tailor/crds holds no CRD")
	}
	return names
}

// crdObject is a CustomResourceDefinition to read or delete, unstructured: the
// project's client scheme leaves the apiextensions types out.
func crdObject(name string) *unstructured.Unstructured {
	crd := &unstructured.Unstructured{}
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	crd.SetName(name)
	return crd
}

func established(crd *unstructured.Unstructured) bool {
	conditions, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conditions {
		if c := c.(map[string]any); c["type"] == "Established" {
			return c["status"] == "True"
		}
	}
	return false
}

func envOf(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}
