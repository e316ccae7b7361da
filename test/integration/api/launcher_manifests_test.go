package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/operator"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// launcherVars fill the placeholders of manifests/launcher, as envsubst does in
// its README.
var launcherVars = map[string]string{
	"CLUSTER_NAME":       "test-cluster",
	"CLUSTER_ENDPOINT":   "https://ABCDEF.gr7.us-west-2.eks.amazonaws.com",
	"AWS_REGION":         "us-west-2",
	"AWS_ACCOUNT_ID":     "111122223333",
	"INTERRUPTION_QUEUE": "test-cluster",
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// launcherFile reads manifests/launcher/name with the placeholders filled, failing
// on one the README does not name.
func launcherFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "manifests", "launcher", name))
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return placeholder.ReplaceAllFunc(b, func(m []byte) []byte {
		v, ok := launcherVars[string(placeholder.FindSubmatch(m)[1])]
		if !ok {
			t.Errorf("%s: unknown placeholder %s", name, m)
		}
		return []byte(v)
	})
}

// launcherObjects decodes every YAML document of manifests/launcher, in the order
// kubectl applies the files.
func launcherObjects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(harness.RepoRoot(), "manifests", "launcher", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("listing manifests/launcher: %v (%d files)", err, len(files))
	}
	slices.Sort(files)
	var out []*unstructured.Unstructured
	for _, f := range files {
		decoder := yaml.NewYAMLOrJSONDecoder(strings.NewReader(string(launcherFile(t, filepath.Base(f)))), 4096)
		for {
			obj := &unstructured.Unstructured{}
			if err := decoder.Decode(&obj.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("decoding %s: %v", filepath.Base(f), err)
			}
			if len(obj.Object) > 0 {
				out = append(out, obj)
			}
		}
	}
	return out
}

// applyLauncherManifests creates (or updates) every object with strict field
// validation: a misspelt field fails instead of being dropped.
func applyLauncherManifests(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	objs := launcherObjects(t)
	for _, obj := range objs {
		obj := obj.DeepCopy()
		err := env.Client.Create(ctx, obj, client.FieldValidation("Strict"))
		if apierrors.IsAlreadyExists(err) {
			current := obj.DeepCopy()
			if err = env.Client.Get(ctx, client.ObjectKeyFromObject(obj), current); err == nil {
				obj.SetResourceVersion(current.GetResourceVersion())
				err = env.Client.Update(ctx, obj, client.FieldValidation("Strict"))
			}
		}
		if err != nil {
			t.Fatalf("applying %s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
		}
	}
	return objs
}

func TestLauncherManifestsApply(t *testing.T) {
	objs := applyLauncherManifests(t)
	var deploy appsv1.Deployment
	for _, obj := range objs {
		if obj.GetKind() == "Deployment" {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &deploy); err != nil {
				t.Fatalf("converting the Deployment: %v", err)
			}
		}
	}
	spec := deploy.Spec.Template.Spec
	if *deploy.Spec.Replicas != 2 || spec.ServiceAccountName != "tailor-launcher" || spec.PriorityClassName != "system-cluster-critical" {
		t.Errorf("Deployment has %d replicas, service account %q, priority class %q; want 2, tailor-launcher, system-cluster-critical",
			*deploy.Spec.Replicas, spec.ServiceAccountName, spec.PriorityClassName)
	}
	terms := spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 1 || !slices.ContainsFunc(terms[0].MatchExpressions, func(r corev1.NodeSelectorRequirement) bool {
		return r.Key == wellknown.NodePoolLabelKey && r.Operator == corev1.NodeSelectorOpDoesNotExist
	}) {
		t.Errorf("node affinity = %+v, want it to keep the launcher off nodes with %s", terms, wellknown.NodePoolLabelKey)
	}
	for _, flag := range []string{"--cluster-name=$(CLUSTER_NAME)", "--cluster-endpoint=$(CLUSTER_ENDPOINT)", "--region=$(AWS_REGION)", "--interruption-queue=$(INTERRUPTION_QUEUE)", "--leader-elect=true",
		"--scheduler-config=/etc/tailor/scheduler/scheduler-config.yaml"} {
		if !slices.Contains(spec.Containers[0].Command, flag) {
			t.Errorf("launcher command %v lacks %s", spec.Containers[0].Command, flag)
		}
	}
	// --scheduler-config is the second scheduler's configuration
	// (manifests/scheduler/second-scheduler/03-configmap.yaml), mounted read-only.
	wantMounts := []corev1.VolumeMount{{Name: "scheduler-config", MountPath: "/etc/tailor/scheduler", ReadOnly: true}}
	wantVolumes := []corev1.Volume{{Name: "scheduler-config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "tailor-scheduler-config"},
		Items:                []corev1.KeyToPath{{Key: "scheduler-config.yaml", Path: "scheduler-config.yaml"}},
	}}}}
	if !reflect.DeepEqual(spec.Containers[0].VolumeMounts, wantMounts) || !reflect.DeepEqual(spec.Volumes, wantVolumes) {
		t.Errorf("launcher mounts %+v from %+v; want the ConfigMap tailor-scheduler-config, key scheduler-config.yaml, read-only at /etc/tailor/scheduler",
			spec.Containers[0].VolumeMounts, spec.Volumes)
	}
}

// The service account may do what the controllers do and nothing else, as the
// API server's own authorizer answers.
func TestLauncherRBACIsLeastPrivilege(t *testing.T) {
	applyLauncherManifests(t)
	leaseNamespace := flagValue(t, launcherCommand(t), "--leader-election-namespace")
	for _, tc := range []struct {
		attrs   authorizationv1.ResourceAttributes
		allowed bool
	}{
		{authorizationv1.ResourceAttributes{Group: "karpenter.sh", Resource: "nodepools", Subresource: "status", Verb: "patch"}, true},
		{authorizationv1.ResourceAttributes{Group: "karpenter.sh", Resource: "nodepools", Verb: "update"}, false},
		{authorizationv1.ResourceAttributes{Group: "karpenter.sh", Resource: "nodeclaims", Verb: "create"}, true},
		{authorizationv1.ResourceAttributes{Group: "karpenter.sh", Resource: "nodeclaims", Subresource: "status", Verb: "update"}, true},
		{authorizationv1.ResourceAttributes{Group: "karpenter.k8s.aws", Resource: "ec2nodeclasses", Subresource: "status", Verb: "patch"}, true},
		{authorizationv1.ResourceAttributes{Group: "karpenter.k8s.aws", Resource: "ec2nodeclasses", Verb: "delete"}, false},
		{authorizationv1.ResourceAttributes{Group: "tailor.sh", Resource: "capacityrequests", Verb: "delete"}, true},
		{authorizationv1.ResourceAttributes{Group: "tailor.sh", Resource: "capacityrequests", Verb: "create"}, false},
		{authorizationv1.ResourceAttributes{Group: "tailor.sh", Resource: "instancetypecatalogs", Verb: "create"}, true},
		{authorizationv1.ResourceAttributes{Resource: "nodes", Verb: "delete"}, true},
		{authorizationv1.ResourceAttributes{Resource: "nodes", Verb: "create"}, false},
		{authorizationv1.ResourceAttributes{Namespace: "default", Resource: "pods", Subresource: "eviction", Verb: "create"}, true},
		{authorizationv1.ResourceAttributes{Namespace: "default", Resource: "pods", Verb: "delete"}, true},
		{authorizationv1.ResourceAttributes{Namespace: "default", Resource: "pods", Verb: "create"}, false},
		{authorizationv1.ResourceAttributes{Namespace: "default", Resource: "secrets", Verb: "get"}, false},
		{authorizationv1.ResourceAttributes{Group: "storage.k8s.io", Resource: "volumeattachments", Verb: "watch"}, true},
		{authorizationv1.ResourceAttributes{Group: "policy", Resource: "poddisruptionbudgets", Verb: "list"}, true},
		{authorizationv1.ResourceAttributes{Group: "apps", Resource: "daemonsets", Verb: "list"}, true},
		{authorizationv1.ResourceAttributes{Namespace: "default", Resource: "events", Verb: "create"}, true},
		{authorizationv1.ResourceAttributes{Namespace: leaseNamespace, Group: "coordination.k8s.io", Resource: "leases", Name: operator.LeaderElectionID, Verb: "update"}, true},
		{authorizationv1.ResourceAttributes{Namespace: leaseNamespace, Group: "coordination.k8s.io", Resource: "leases", Verb: "create"}, true},
		{authorizationv1.ResourceAttributes{Namespace: leaseNamespace, Group: "coordination.k8s.io", Resource: "leases", Name: "tailor-scheduler", Verb: "update"}, false},
		{authorizationv1.ResourceAttributes{Namespace: "kube-system", Group: "coordination.k8s.io", Resource: "leases", Verb: "create"}, false},
	} {
		review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:               "system:serviceaccount:tailor-system:tailor-launcher",
			Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:tailor-system", "system:authenticated"},
			ResourceAttributes: &tc.attrs,
		}}
		if err := env.Client.Create(context.Background(), review); err != nil {
			t.Fatalf("asking the authorizer about %+v: %v", tc.attrs, err)
		}
		if review.Status.Allowed != tc.allowed {
			t.Errorf("%s %s/%s %q in %q: allowed = %v, want %v (%s)", tc.attrs.Verb, tc.attrs.Resource, tc.attrs.Subresource,
				tc.attrs.Name, tc.attrs.Namespace, review.Status.Allowed, tc.allowed, review.Status.Reason)
		}
	}
}

func launcherCommand(t *testing.T) []string {
	t.Helper()
	for _, obj := range launcherObjects(t) {
		if obj.GetKind() == "Deployment" {
			var d appsv1.Deployment
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &d); err != nil {
				t.Fatalf("converting the Deployment: %v", err)
			}
			return d.Spec.Template.Spec.Containers[0].Command
		}
	}
	t.Fatal("manifests/launcher has no Deployment")
	return nil
}

func flagValue(t *testing.T, command []string, name string) string {
	t.Helper()
	for _, arg := range command {
		if v, ok := strings.CutPrefix(arg, name+"="); ok {
			return v
		}
	}
	t.Fatalf("command %v has no %s", command, name)
	return ""
}

// iamStatement is a statement of an IAM policy; Action and Resource may be a
// string or a list.
type iamStatement struct {
	Sid       string
	Effect    string
	Action    stringOrList
	Resource  stringOrList
	Condition map[string]map[string]stringOrList
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(s))
}

func launcherPolicy(t *testing.T) []iamStatement {
	t.Helper()
	var policy struct {
		Version   string
		Statement []iamStatement
	}
	if err := json.Unmarshal(launcherFile(t, "iam-policy.json"), &policy); err != nil {
		t.Fatalf("iam-policy.json is not a policy: %v", err)
	}
	if policy.Version != "2012-10-17" || len(policy.Statement) == 0 {
		t.Fatalf("iam-policy.json has version %q and %d statements, want 2012-10-17 and some", policy.Version, len(policy.Statement))
	}
	return policy.Statement
}

func TestLauncherIAMPolicyAllowsEveryCallTheProviderMakes(t *testing.T) {
	allowed := map[string]bool{}
	sids := map[string]bool{}
	for _, s := range launcherPolicy(t) {
		if s.Sid == "" || sids[s.Sid] || s.Effect != "Allow" {
			t.Errorf("statement %+v: want a unique Sid and Effect Allow", s)
		}
		sids[s.Sid] = true
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("statement %s allows %s: list the actions", s.Sid, a)
			}
			allowed[a] = true
		}
	}
	for prefix, api := range map[string]reflect.Type{
		"ec2":     reflect.TypeFor[sdk.EC2API](),
		"ssm":     reflect.TypeFor[sdk.SSMAPI](),
		"pricing": reflect.TypeFor[sdk.PricingAPI](),
		"sqs":     reflect.TypeFor[sdk.SQSAPI](),
		"iam":     reflect.TypeFor[sdk.IAMAPI](),
	} {
		for i := range api.NumMethod() {
			if action := prefix + ":" + api.Method(i).Name; !allowed[action] {
				t.Errorf("the provider calls %s (sdk.%s), which iam-policy.json does not allow", action, api.Name())
			}
		}
	}
}

// Launches, tags and deletions are limited to what carries the tags the provider
// writes (pkg/providers/aws create.go and launchtemplate): the cluster's ownership
// tag and the NodePool's.
func TestLauncherIAMPolicyScopesWritesToTheCluster(t *testing.T) {
	owned := "kubernetes.io/cluster/" + launcherVars["CLUSTER_NAME"]
	// Resources a launch only refers to; they belong to others and carry no tags of ours.
	referenced := regexp.MustCompile(`:(image|snapshot|subnet|security-group)/\*$`)
	nodeRole := "arn:aws:iam::" + launcherVars["AWS_ACCOUNT_ID"] + ":role/KarpenterNodeRole-" + launcherVars["CLUSTER_NAME"]
	for _, s := range launcherPolicy(t) {
		has := func(op, key, value string) bool { return slices.Contains(s.Condition[op][key], value) }
		scoped := func(tag string) bool {
			return has("StringEquals", tag+owned, "owned") && has("Null", tag+wellknown.NodePoolLabelKey, "false")
		}
		for _, a := range s.Action {
			switch a {
			case "ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate", "ec2:CreateTags":
				if !slices.ContainsFunc(s.Resource, func(r string) bool { return !referenced.MatchString(r) }) {
					continue
				}
				if !scoped("aws:RequestTag/") && !scoped("aws:ResourceTag/") {
					t.Errorf("statement %s allows %s on %v without requiring the tags %s=owned and %s", s.Sid, a, s.Resource, owned, wellknown.NodePoolLabelKey)
				}
			case "ec2:TerminateInstances", "ec2:DeleteLaunchTemplate":
				if !scoped("aws:ResourceTag/") {
					t.Errorf("statement %s allows %s on resources without the tags %s=owned and %s", s.Sid, a, owned, wellknown.NodePoolLabelKey)
				}
			case "iam:PassRole":
				if !slices.Equal(s.Resource, []string{nodeRole}) || !has("StringEquals", "iam:PassedToService", "ec2.amazonaws.com") {
					t.Errorf("statement %s passes %v, want only %s to ec2.amazonaws.com", s.Sid, s.Resource, nodeRole)
				}
			case "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile":
				if !has("StringEquals", "aws:RequestTag/"+owned, "owned") && !has("StringEquals", "aws:ResourceTag/"+owned, "owned") {
					t.Errorf("statement %s allows %s on instance profiles without the tag %s=owned", s.Sid, a, owned)
				}
			}
		}
	}
}
