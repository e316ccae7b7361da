package planio

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// supportedPodKinds lists, for error messages, the kinds LoadPods reads.
const supportedPodKinds = "v1 Pod, apps/v1 Deployment, ReplicaSet or StatefulSet, batch/v1 Job, or a List of them"

// LoadPods reads the pods to plan from a YAML or JSON file: Pods, and
// Deployments, ReplicaSets, StatefulSets and Jobs expanded into the pods they
// would run (replicas, or a Job's parallelism), as one object, several YAML
// documents or a List. Expanded pods are named <workload>-<i>, carry the
// template's labels and a controller owner reference to the workload, so the pods
// of one workload are recognisably one group. Pods without a namespace go to
// "default"; every pod gets a UID derived from its namespace and name.
func LoadPods(path string) ([]*corev1.Pod, error) {
	docs, err := readDocuments(path)
	if err != nil {
		return nil, fmt.Errorf("loading pods from %s, %w", path, err)
	}
	var out []*corev1.Pod
	seen := map[string]string{}
	for _, d := range docs {
		pods, err := podsOf(d)
		if err != nil {
			return nil, fmt.Errorf("loading pods from %s, %w", path, err)
		}
		for _, p := range pods {
			key := p.Namespace + "/" + p.Name
			if first, ok := seen[key]; ok {
				return nil, fmt.Errorf("loading pods from %s, pod %s of %s is also defined by %s; give pods and workloads distinct names", path, key, d.where, first)
			}
			seen[key] = d.where
		}
		out = append(out, pods...)
	}
	return out, nil
}

// workload is what LoadPods needs of a Deployment, ReplicaSet, StatefulSet or Job.
type workload struct {
	meta     metav1.ObjectMeta
	replicas int32
	template corev1.PodTemplateSpec
}

// podsOf returns the pods a document stands for.
func podsOf(d document) ([]*corev1.Pod, error) {
	if d.namespace == "" {
		d.namespace = metav1.NamespaceDefault // for error messages
	}
	switch d.kind {
	case "Pod":
		if err := checkAPIVersion(d, "v1"); err != nil {
			return nil, err
		}
		var pod corev1.Pod
		if err := decodeStrict(d.raw, &pod); err != nil {
			return nil, fmt.Errorf("reading %s, %w", d.describe(), err)
		}
		return podOf(d, &pod)
	case "Deployment", "ReplicaSet", "StatefulSet":
		if err := checkAPIVersion(d, "apps/v1"); err != nil {
			return nil, err
		}
	case "Job":
		if err := checkAPIVersion(d, "batch/v1"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("reading %s, kind %q is not supported; want %s", d.where, d.kind, supportedPodKinds)
	}
	w, err := decodeWorkload(d)
	if err != nil {
		return nil, err
	}
	return expand(d, w)
}

// checkAPIVersion refuses a document of another group or version than want.
func checkAPIVersion(d document, want string) error {
	if d.apiVersion != want {
		return fmt.Errorf("reading %s, apiVersion %q is not supported for kind %s; want %s", d.where, d.apiVersion, d.kind, want)
	}
	return nil
}

// decodeWorkload reads a workload document, applying the API server's defaults of
// one replica (Deployments, ReplicaSets, StatefulSets) and a parallelism of one
// (Jobs, capped by their completions).
func decodeWorkload(d document) (workload, error) {
	var w workload
	var err error
	switch d.kind {
	case "Deployment":
		var o appsv1.Deployment
		err = decodeStrict(d.raw, &o)
		w = workload{meta: o.ObjectMeta, replicas: ptr.Deref(o.Spec.Replicas, 1), template: o.Spec.Template}
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		err = decodeStrict(d.raw, &o)
		w = workload{meta: o.ObjectMeta, replicas: ptr.Deref(o.Spec.Replicas, 1), template: o.Spec.Template}
	case "StatefulSet":
		var o appsv1.StatefulSet
		err = decodeStrict(d.raw, &o)
		w = workload{meta: o.ObjectMeta, replicas: ptr.Deref(o.Spec.Replicas, 1), template: o.Spec.Template}
	case "Job":
		var o batchv1.Job
		err = decodeStrict(d.raw, &o)
		w = workload{meta: o.ObjectMeta, replicas: jobPods(o.Spec), template: o.Spec.Template}
	}
	if err != nil {
		return workload{}, fmt.Errorf("reading %s, %w", d.describe(), err)
	}
	if w.meta.Name == "" {
		return workload{}, fmt.Errorf("reading %s, it has no metadata.name; name the %s", d.describe(), d.kind)
	}
	if w.meta.Namespace == "" {
		w.meta.Namespace = metav1.NamespaceDefault
	}
	if w.replicas < 0 {
		return workload{}, fmt.Errorf("reading %s, it asks for %d pods; replicas and parallelism cannot be negative", d.describe(), w.replicas)
	}
	return w, nil
}

// jobPods is how many pods a Job runs at once: its parallelism (default 1), no
// more than its completions.
func jobPods(spec batchv1.JobSpec) int32 {
	n := ptr.Deref(spec.Parallelism, 1)
	if spec.Completions != nil && *spec.Completions < n {
		n = *spec.Completions
	}
	return n
}

// expand returns the pods of a workload.
func expand(d document, w workload) ([]*corev1.Pod, error) {
	what := d.describe()
	if err := checkPodSpec(&w.template.Spec); err != nil {
		return nil, fmt.Errorf("reading %s, the pod template %w", what, err)
	}
	o := owner{apiVersion: d.apiVersion, kind: d.kind, namespace: w.meta.Namespace, name: w.meta.Name, uid: w.meta.UID}
	pods := make([]*corev1.Pod, w.replicas)
	for i := range pods {
		pods[i] = o.pod(&w.template, i)
	}
	return pods, nil
}

// podOf completes and checks a Pod given as such.
func podOf(d document, pod *corev1.Pod) ([]*corev1.Pod, error) {
	if pod.Name == "" {
		return nil, fmt.Errorf("reading %s, it has no metadata.name; name the pod (generateName is not enough to refer to it in a plan)", d.describe())
	}
	if pod.Namespace == "" {
		pod.Namespace = metav1.NamespaceDefault
	}
	if err := checkPodSpec(&pod.Spec); err != nil {
		return nil, fmt.Errorf("reading %s, the pod %w", d.describe(), err)
	}
	if pod.UID == "" {
		pod.UID = uidFor("Pod", pod.Namespace, pod.Name)
	}
	return []*corev1.Pod{pod}, nil
}

// checkPodSpec finds what would make the API server refuse a pod and matters to
// planning: no containers, negative requests or limits. Its errors complete
// "the pod ...".
func checkPodSpec(spec *corev1.PodSpec) error {
	if len(spec.Containers) == 0 {
		return errors.New("has no containers; add at least one under spec.containers")
	}
	for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range list {
			if err := checkQuantities(c.Name, "requests", c.Resources.Requests); err != nil {
				return err
			}
			if err := checkQuantities(c.Name, "limits", c.Resources.Limits); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkQuantities(container, field string, list corev1.ResourceList) error {
	for name, q := range list {
		if q.Sign() < 0 {
			return fmt.Errorf("has container %q with %s %s %s; resources cannot be negative", container, field, name, q.String())
		}
	}
	return nil
}

// owner is the workload expanded pods belong to.
type owner struct {
	apiVersion, kind, namespace, name string
	// uid of the workload; derived from its kind, namespace and name when empty.
	uid types.UID
}

// pod returns pod i of the workload, made from template.
func (o owner) pod(template *corev1.PodTemplateSpec, i int) *corev1.Pod {
	uid := o.uid
	if uid == "" {
		uid = uidFor(o.kind, o.namespace, o.name)
	}
	name := fmt.Sprintf("%s-%d", o.name, i)
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   o.namespace,
			UID:         uidFor("Pod", o.namespace, name),
			Labels:      copyMap(template.Labels),
			Annotations: copyMap(template.Annotations),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: o.apiVersion, Kind: o.kind, Name: o.name, UID: uid,
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec:   *template.Spec.DeepCopy(),
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

// uidFor derives a stable UID from an object's kind, namespace and name, so that
// the same input file always plans the same pods.
func uidFor(kind, namespace, name string) types.UID {
	sum := sha256.Sum256([]byte(kind + "/" + namespace + "/" + name))
	h := hex.EncodeToString(sum[:16])
	return types.UID(h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32])
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
