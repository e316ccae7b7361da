package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// nodePool is a NodePool like the seeds' default one: c, m and r instances newer
// than the second generation, either architecture, spot or on-demand, at most
// 1000 CPUs.
func nodePool(name string, reqs ...karpv1.NodeSelectorRequirementWithMinValues) *karpv1.NodePool {
	if len(reqs) == 0 {
		reqs = []karpv1.NodeSelectorRequirementWithMinValues{
			in(wellknown.InstanceCategoryLabelKey, "c", "m", "r"),
			{Key: wellknown.InstanceGenerationLabelKey, Operator: corev1.NodeSelectorOpGt, Values: []string{"2"}},
			in(corev1.LabelArchStable, "amd64", "arm64"),
			in(wellknown.CapacityTypeLabelKey, "spot", "on-demand"),
		}
	}
	return &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{
			Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
				Requirements: reqs,
				NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
			}},
			Limits: karpv1.Limits{corev1.ResourceCPU: resource.MustParse("1000")},
		},
	}
}

func in(key string, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}
}

// deployment of replicas pods requesting cpu and memory, edited by tune.
func deployment(ns, name string, replicas int32, cpu, memory string, tune func(*corev1.PodSpec)) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	spec := corev1.PodSpec{
		Containers: []corev1.Container{{Name: name, Image: "registry.k8s.io/pause:3.10", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		}}},
		TerminationGracePeriodSeconds: ptr.To[int64](0),
	}
	if tune != nil {
		tune(&spec)
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec},
		},
	}
}

func zoneSpread(app string, maxSkew int32) func(*corev1.PodSpec) {
	return func(s *corev1.PodSpec) {
		s.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: maxSkew, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		}}
	}
}

func hostAntiAffinity(app string) func(*corev1.PodSpec) {
	return func(s *corev1.PodSpec) {
		s.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			}},
		}}
	}
}

func nodeSelector(key, value string) func(*corev1.PodSpec) {
	return func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{key: value} }
}

// expectRunning waits until want pods of the namespace are Running and bound.
func (s *stack) expectRunning(ns string, want int, timeout time.Duration) []corev1.Pod {
	s.t.Helper()
	var pods corev1.PodList
	harness.Eventually(s.t, timeout, fmt.Sprintf("%d pods of %s to be Running", want, ns), func() error {
		if err := s.kube.List(context.Background(), &pods, client.InNamespace(ns)); err != nil {
			return err
		}
		running, pending := 0, map[string]int{}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && p.Spec.NodeName != "" {
				running++
			} else {
				pending[p.Labels["app"]]++
			}
		}
		if running < want {
			return fmt.Errorf("%d of %d running; not running by app: %v", running, want, pending)
		}
		return nil
	})
	return pods.Items
}

// cluster is what the launcher made: claims and nodes by name.
type cluster struct {
	claims map[string]*karpv1.NodeClaim
	nodes  map[string]*corev1.Node
}

func (s *stack) snapshot() cluster {
	s.t.Helper()
	ctx := context.Background()
	var claims karpv1.NodeClaimList
	var nodes corev1.NodeList
	if err := s.kube.List(ctx, &claims); err != nil {
		s.t.Fatal(err)
	}
	if err := s.kube.List(ctx, &nodes); err != nil {
		s.t.Fatal(err)
	}
	c := cluster{claims: map[string]*karpv1.NodeClaim{}, nodes: map[string]*corev1.Node{}}
	for i := range claims.Items {
		c.claims[claims.Items[i].Name] = &claims.Items[i]
	}
	for i := range nodes.Items {
		c.nodes[nodes.Items[i].Name] = &nodes.Items[i]
	}
	return c
}

// expectOneClaimPerNode checks every node has exactly one claim, every claim one
// node, and the simulator launched exactly one instance per claim.
func (s *stack) expectOneClaimPerNode(c cluster) {
	s.t.Helper()
	byNode := map[string]string{}
	for name, claim := range c.claims {
		if claim.Status.NodeName == "" {
			s.t.Errorf("nodeclaim %s has no node", name)
			continue
		}
		if other, dup := byNode[claim.Status.NodeName]; dup {
			s.t.Errorf("nodeclaims %s and %s share node %s", name, other, claim.Status.NodeName)
		}
		byNode[claim.Status.NodeName] = name
	}
	for name := range c.nodes {
		if _, ok := byNode[name]; !ok {
			s.t.Errorf("node %s has no nodeclaim", name)
		}
	}
	if running := s.running(); len(running) != len(c.claims) {
		s.t.Errorf("%d instances running for %d nodeclaims: %s", len(running), len(c.claims), strings.Join(running, ", "))
	}
}

// expectNoEmptyNode checks every node runs at least one of pods.
func (s *stack) expectNoEmptyNode(c cluster, pods []corev1.Pod) {
	s.t.Helper()
	used := map[string]int{}
	for _, p := range pods {
		used[p.Spec.NodeName]++
	}
	var empty []string
	for name := range c.nodes {
		if used[name] == 0 {
			empty = append(empty, name)
		}
	}
	sort.Strings(empty)
	if len(empty) > 0 {
		s.t.Errorf("%d nodes run none of the pods: %v", len(empty), empty)
		s.explainEmpty(c, empty, pods)
	}
}

func (s *stack) apply(objs ...client.Object) {
	s.t.Helper()
	env.ExpectApplied(s.t, objs...)
}

// explainEmpty logs, for each empty node, the pods its request was planned for
// and where they run instead.
func (s *stack) explainEmpty(c cluster, empty []string, pods []corev1.Pod) {
	where := map[string]string{}
	for _, p := range pods {
		where[p.Namespace+"/"+p.Name] = p.Spec.NodeName
	}
	for _, node := range empty {
		for _, claim := range c.claims {
			if claim.Status.NodeName != node {
				continue
			}
			r := &tailorv1alpha1.CapacityRequest{}
			if err := s.kube.Get(context.Background(), client.ObjectKey{Name: claims.Request(claim)}, r); err != nil {
				s.t.Logf("node %s: request %s: %v", node, claims.Request(claim), err)
				continue
			}
			for _, ref := range r.Spec.Pods {
				key := ref.Namespace + "/" + ref.Name
				s.t.Logf("node %s (%s, request %s) was planned for %s, which runs on %q", node, claim.Labels[corev1.LabelInstanceTypeStable], r.Name, key, where[key])
			}
		}
	}
}
