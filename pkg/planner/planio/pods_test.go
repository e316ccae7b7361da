package planio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// writeFile writes content to a file named name in a fresh directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const podYAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: app
    image: nginx
    resources:
      requests: {cpu: 500m, memory: 1Gi}
`

const deploymentYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api, tier: backend}
    spec:
      containers:
      - name: app
        image: api
        resources:
          requests: {cpu: 1, memory: 2Gi}
`

func TestLoadPods(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		// want lists the pods as namespace/name.
		want []string
		// ownerKind is the kind every pod's controller has ("" for none).
		ownerKind string
	}{{
		name: "a single pod gets the default namespace", file: "pod.yaml", content: podYAML,
		want: []string{"default/web"},
	}, {
		name: "a single pod in JSON", file: "pod.json",
		content: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"ns"},"spec":{"containers":[{"name":"app","image":"nginx"}]}}`,
		want:    []string{"ns/web"},
	}, {
		name: "a Deployment expands to its replicas", file: "deploy.yaml", content: deploymentYAML,
		want: []string{"shop/api-0", "shop/api-1", "shop/api-2"}, ownerKind: "Deployment",
	}, {
		name: "several documents, empty ones skipped", file: "many.yaml", content: "---\n" + podYAML + "---\n# nothing here\n---\n" + deploymentYAML,
		want: []string{"default/web", "shop/api-0", "shop/api-1", "shop/api-2"},
	}, {
		name: "a v1 List of mixed kinds", file: "list.yaml", content: `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {name: rs}
  spec:
    selector: {matchLabels: {app: rs}}
    template:
      metadata: {labels: {app: rs}}
      spec: {containers: [{name: c, image: i}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: solo}
  spec: {containers: [{name: c, image: i}]}
`,
		want: []string{"default/rs-0", "default/solo"},
	}, {
		name: "a PodList whose items have no kind", file: "podlist.json",
		content: `{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"a"},"spec":{"containers":[{"name":"c"}]}},{"metadata":{"name":"b"},"spec":{"containers":[{"name":"c"}]}}]}`,
		want:    []string{"default/a", "default/b"},
	}, {
		name: "a StatefulSet expands like a Deployment", file: "sts.yaml", content: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: postgres}]}
`,
		want: []string{"default/db-0", "default/db-1"}, ownerKind: "StatefulSet",
	}, {
		name: "a Job runs its parallelism, capped by its completions", file: "job.yaml", content: `apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  parallelism: 5
  completions: 2
  template:
    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}
`,
		want: []string{"default/batch-0", "default/batch-1"}, ownerKind: "Job",
	}, {
		name: "a Job without parallelism runs one pod", file: "job.yaml", content: `apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}
`,
		want: []string{"default/once-0"}, ownerKind: "Job",
	}, {
		name: "a Deployment with zero replicas has no pods", file: "zero.yaml",
		content: strings.Replace(deploymentYAML, "replicas: 3", "replicas: 0", 1),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			pods, err := LoadPods(writeFile(t, tc.file, tc.content))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pods {
				got = append(got, p.Namespace+"/"+p.Name)
				if p.UID == "" {
					t.Errorf("pod %s has no UID", p.Name)
				}
				if tc.ownerKind != "" && (len(p.OwnerReferences) != 1 || p.OwnerReferences[0].Kind != tc.ownerKind) {
					t.Errorf("pod %s is owned by %v, want one %s", p.Name, p.OwnerReferences, tc.ownerKind)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("pods = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLoadPodsExpandsAWorkloadIntoOneGroup(t *testing.T) {
	pods, err := LoadPods(writeFile(t, "deploy.yaml", deploymentYAML))
	if err != nil {
		t.Fatal(err)
	}
	owner := pods[0].OwnerReferences[0]
	if owner.Name != "api" || owner.APIVersion != "apps/v1" || owner.UID == "" || owner.Controller == nil || !*owner.Controller {
		t.Errorf("owner reference = %+v, want the controlling apps/v1 Deployment api with a UID", owner)
	}
	uids := map[string]bool{}
	for _, p := range pods {
		if p.OwnerReferences[0].UID != owner.UID {
			t.Errorf("pod %s has owner UID %s, want %s shared by the workload's pods", p.Name, p.OwnerReferences[0].UID, owner.UID)
		}
		if p.Labels["tier"] != "backend" || p.Labels["app"] != "api" {
			t.Errorf("pod %s has labels %v, want the template's", p.Name, p.Labels)
		}
		if got := p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]; got.String() != "1" {
			t.Errorf("pod %s requests cpu %s, want the template's 1", p.Name, got.String())
		}
		uids[string(p.UID)] = true
	}
	if len(uids) != len(pods) {
		t.Errorf("%d pods have %d distinct UIDs", len(pods), len(uids))
	}
	again, err := LoadPods(writeFile(t, "deploy.yaml", deploymentYAML))
	if err != nil {
		t.Fatal(err)
	}
	if again[0].UID != pods[0].UID {
		t.Errorf("loading the same file twice gave UIDs %s and %s; want them stable", pods[0].UID, again[0].UID)
	}
}

func TestLoadPodsRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		// wantErr are parts of the error, which must also name the file.
		wantErr []string
	}{{
		name:    "unknown kind",
		content: "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds}\n",
		wantErr: []string{"document 1", `kind "DaemonSet" is not supported`, "Deployment"},
	}, {
		name:    "no kind",
		content: "apiVersion: v1\nmetadata: {name: x}\n",
		wantErr: []string{"document 1", "has no kind"},
	}, {
		name:    "wrong apiVersion",
		content: strings.Replace(deploymentYAML, "apps/v1", "extensions/v1beta1", 1),
		wantErr: []string{`apiVersion "extensions/v1beta1" is not supported for kind Deployment; want apps/v1`},
	}, {
		name:    "pod without containers",
		content: "apiVersion: v1\nkind: Pod\nmetadata: {name: empty}\nspec: {containers: []}\n",
		wantErr: []string{"document 1 (Pod default/empty)", "has no containers"},
	}, {
		name:    "template without containers, in the second document",
		content: podYAML + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: hollow}\nspec:\n  template:\n    spec: {}\n",
		wantErr: []string{"document 2 (Deployment default/hollow)", "pod template has no containers"},
	}, {
		name:    "invalid quantity",
		content: strings.Replace(podYAML, "cpu: 500m", "cpu: lots", 1),
		wantErr: []string{"document 1 (Pod default/web)", `spec.containers[0].resources.requests.cpu "lots" is not a quantity`},
	}, {
		name:    "negative request",
		content: strings.Replace(podYAML, "cpu: 500m", "cpu: -1", 1),
		wantErr: []string{`container "app" with requests cpu -1`, "cannot be negative"},
	}, {
		name:    "misspelt field",
		content: strings.Replace(podYAML, "requests:", "reqests:", 1),
		wantErr: []string{"document 1 (Pod default/web)", `unknown field "reqests"`},
	}, {
		name:    "pod without a name",
		content: strings.Replace(podYAML, "name: web\n", "generateName: web-\n", 1),
		wantErr: []string{"has no metadata.name"},
	}, {
		name:    "the same pod twice",
		content: podYAML + "---\n" + podYAML,
		wantErr: []string{"pod default/web of document 2 is also defined by document 1"},
	}, {
		name:    "not YAML",
		content: "kind: [unclosed\n",
		wantErr: []string{"not valid YAML or JSON"},
	}, {
		name:    "nothing in the file",
		content: "# no pods\n",
		wantErr: []string{"holds no objects"},
	}, {
		name:    "a list item without kind in a v1 List",
		content: "apiVersion: v1\nkind: List\nitems:\n- metadata: {name: a}\n",
		wantErr: []string{"document 1, item 1", "has no kind"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "pods.yaml", tc.content)
			_, err := LoadPods(path)
			expectError(t, err, append(tc.wantErr, "loading pods from "+path)...)
		})
	}
}

func TestLoadPodsMissingFile(t *testing.T) {
	_, err := LoadPods(filepath.Join(t.TempDir(), "absent.yaml"))
	expectError(t, err, "loading pods from", "absent.yaml", "no such file")
}

// expectError fails unless err contains every part.
func expectError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, part := range parts {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}
