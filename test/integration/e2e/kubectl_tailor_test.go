package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	simcatalog "github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
	"github.com/tailor-sh/tailor/pkg/explain"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// kubectl tailor plan, run for Deployments before they are applied and again
// for their pods pending (the scheduler stopped), plans what the Provisioner
// then requests: as many nodes, of the same NodePool, cheapest type and price,
// holding the same pods. kubectl tailor why names, for running pods, the
// request and NodeClaim of their node and the cheaper types a Filter plugin
// refuses; for a pod no type holds, the plugin per NodePool.
func TestKubectlTailorPlanAndWhy(t *testing.T) {
	s := newStack(t, ec2sim.Options{}, nil)
	ns := s.namespace("kubectl-tailor")
	s.apply(nodePool("default"))
	s.expectCatalog()
	workloads := []*appsv1.Deployment{
		deployment(ns, "api", 3, "1", "2Gi", hostAntiAffinity("api")),
		deployment(ns, "worker", 4, "500m", "512Mi", nil),
		deployment(ns, "huge", 1, "300", "1Gi", nil),
	}
	file := writeManifests(t, workloads)
	fromFile := s.tailorPlan(explain.PlanOptions{Namespace: ns, Files: []string{file}})
	t.Logf("kubectl tailor plan -f deployments.yaml --scheduler-name default-scheduler:\n%s", s.tailorPlanTable(explain.PlanOptions{Files: []string{file}}))

	startScheduler := stopScheduler(t)
	s.apply(deploymentObjects(workloads)...)
	pendingApps := appsOf(s.expectPending(ns, 8))
	pending := s.tailorPlan(explain.PlanOptions{Namespace: ns})
	t.Logf("kubectl tailor plan -n %s --scheduler-name default-scheduler:\n%s", ns, s.tailorPlanTable(explain.PlanOptions{Namespace: ns}))
	if got, want := planShapes(pending, pendingApps), planShapes(fromFile, nil); !slices.Equal(got, want) {
		t.Errorf("plan for the pending pods %v, for the same pods from the file %v", got, want)
	}
	if len(pending.Unplaced) != 1 || !strings.HasPrefix(pending.Unplaced[0].Pod, ns+"/huge-") {
		t.Errorf("unplaced pods %+v, want the huge pod alone", pending.Unplaced)
	}
	startScheduler()
	pods := s.expectRunning(ns, 7, 2*time.Minute)

	app := appsOf(pods)
	s.logRequestNames(ns, pending)
	if got, want := s.requestShapes(ns, app), planShapes(pending, app); !slices.Equal(got, want) {
		t.Errorf("capacity requests and their claims %v, plan %v", got, want)
	}
	c := s.snapshot()
	for _, p := range pods {
		if p.Labels["app"] == "api" || p.Name == firstOf(pods, "worker") {
			s.expectWhyBound(p, c)
		}
	}
	s.expectWhyPending(ns, firstPendingOf(s, ns, "huge"))
}

// expectCatalog waits for the launcher to publish every instance type of the
// simulator, each offering available: plan judges with what is published, as
// the Provisioner does, and an earlier test's launcher may have left
// offerings it found short of capacity.
func (s *stack) expectCatalog() {
	want := len(simcatalog.Default())
	harness.Eventually(s.t, time.Minute, fmt.Sprintf("the catalog of all %d instance types, all available", want), func() error {
		var list tailorv1alpha1.InstanceTypeCatalogList
		if err := s.kube.List(context.Background(), &list); err != nil {
			return err
		}
		published, unavailable := 0, 0
		for _, c := range list.Items {
			published += len(c.Spec.InstanceTypes)
			for _, it := range c.Spec.InstanceTypes {
				for _, o := range it.Offerings {
					if !o.Available {
						unavailable++
					}
				}
			}
		}
		if published != want || unavailable > 0 {
			return fmt.Errorf("%d published, %d offerings unavailable", published, unavailable)
		}
		return nil
	})
}

// stopScheduler stops the shared scheduler; the function it returns starts
// it again, as the end of the test does if nothing did.
func stopScheduler(t *testing.T) (start func()) {
	scheduler.stop()
	started := false
	start = func() {
		if started {
			return
		}
		started = true
		if err := startScheduler(context.Background()); err != nil {
			t.Fatalf("starting the scheduler: %v", err)
		}
	}
	t.Cleanup(start)
	return start
}

// tailorPlan runs kubectl tailor plan for the default-scheduler profile and
// decodes its JSON.
func (s *stack) tailorPlan(o explain.PlanOptions) explain.PlanReport {
	s.t.Helper()
	o.SchedulerName, o.Output = "default-scheduler", "json"
	var out bytes.Buffer
	start := time.Now()
	if err := explain.RunPlan(context.Background(), env.Config, o, &out); err != nil {
		s.t.Fatalf("kubectl tailor plan: %v", err)
	}
	s.t.Logf("kubectl tailor plan took %s", time.Since(start).Round(time.Millisecond))
	var report explain.PlanReport
	if err := json.Unmarshal(out.Bytes(), &report); err != nil {
		s.t.Fatalf("decoding the plan: %v\n%s", err, out.String())
	}
	return report
}

// tailorPlanTable runs kubectl tailor plan for the default-scheduler profile
// and returns its table.
func (s *stack) tailorPlanTable(o explain.PlanOptions) string {
	var out bytes.Buffer
	o.SchedulerName, o.Output = "default-scheduler", "table"
	if err := explain.RunPlan(context.Background(), env.Config, o, &out); err != nil {
		s.t.Fatalf("kubectl tailor plan: %v", err)
	}
	return out.String()
}

// tailorWhy runs kubectl tailor why for a pod, returning its JSON decoded and
// its text.
func (s *stack) tailorWhy(ns, pod string) (explain.WhyReport, string) {
	s.t.Helper()
	var report explain.WhyReport
	var text strings.Builder
	for _, format := range []string{"json", "text"} {
		var out bytes.Buffer
		if err := explain.RunWhy(context.Background(), env.Config, explain.WhyOptions{Namespace: ns, Pod: pod, Output: format, MaxTypes: 5}, &out); err != nil {
			s.t.Fatalf("kubectl tailor why %s: %v", pod, err)
		}
		if format == "text" {
			text.Write(out.Bytes())
		} else if err := json.Unmarshal(out.Bytes(), &report); err != nil {
			s.t.Fatalf("decoding why: %v\n%s", err, out.String())
		}
	}
	return report, text.String()
}

// expectWhyBound checks why names the request and claim p's node belongs to,
// and lists cheaper types refused by a named plugin.
func (s *stack) expectWhyBound(p corev1.Pod, c cluster) {
	s.t.Helper()
	why, text := s.tailorWhy(p.Namespace, p.Name)
	s.t.Logf("kubectl tailor why %s -n %s:\n%s", p.Name, p.Namespace, text)
	node := c.nodes[p.Spec.NodeName]
	l := why.Launch
	if l == nil {
		s.t.Fatalf("why %s: no launch in %+v", p.Name, why)
	}
	if want := node.Labels[tailorv1alpha1.CapacityRequestLabelKey]; l.CapacityRequest != want || want == "" {
		s.t.Errorf("why %s names request %q, its node %s belongs to %q", p.Name, l.CapacityRequest, node.Name, want)
	}
	if want := claimOn(c, node.Name); l.NodeClaim != want {
		s.t.Errorf("why %s names nodeclaim %q, its node's is %q", p.Name, l.NodeClaim, want)
	}
	if p.Labels["app"] == "api" && !l.PlannedForPod {
		s.t.Errorf("why %s: the request of its node was not planned for it", p.Name)
	}
	if claim := c.claims[l.NodeClaim]; claim == nil {
		s.t.Errorf("why %s: nodeclaim %q is not in the cluster", p.Name, l.NodeClaim)
	} else if l.InstanceType != node.Labels[corev1.LabelInstanceTypeStable] || l.PricePerHour != price(claim) {
		s.t.Errorf("why %s: launched as %s at $%g, the node is a %s at $%g", p.Name, l.InstanceType, l.PricePerHour,
			node.Labels[corev1.LabelInstanceTypeStable], price(claim))
	}
	refused := slices.IndexFunc(l.Cheaper, func(v explain.TypeVerdict) bool { return !v.Fits && v.Plugin != "" && v.PricePerHour < l.PricePerHour })
	if refused < 0 {
		s.t.Errorf("why %s lists no cheaper type refused by a plugin: %+v", p.Name, l.Cheaper)
	}
}

// expectWhyPending checks why says, for a pod no type holds, that
// NodeResourcesFit refuses every type of the NodePool.
func (s *stack) expectWhyPending(ns, pod string) {
	s.t.Helper()
	why, text := s.tailorWhy(ns, pod)
	s.t.Logf("kubectl tailor why %s -n %s:\n%s", pod, ns, text)
	if len(why.NodePools) != 1 {
		s.t.Fatalf("why %s: nodepools %+v, want default alone", pod, why.NodePools)
	}
	v := why.NodePools[0]
	if v.NodePool != "default" || v.Admitted != 0 || len(v.Refusals) != 1 || v.Refusals[0].Plugin != "NodeResourcesFit" || v.Refusals[0].Types != v.Types {
		s.t.Errorf("why %s: %+v, want every type refused by NodeResourcesFit", pod, v)
	}
}

// expectPending waits for want pods of ns to exist, none bound.
func (s *stack) expectPending(ns string, want int) []corev1.Pod {
	var list corev1.PodList
	harness.Eventually(s.t, time.Minute, fmt.Sprintf("%d pending pods in %s", want, ns), func() error {
		if err := s.kube.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, p := range list.Items {
			if p.Spec.NodeName != "" {
				return fmt.Errorf("pod %s is bound to %s with the scheduler stopped", p.Name, p.Spec.NodeName)
			}
		}
		if len(list.Items) != want {
			return fmt.Errorf("%d pods", len(list.Items))
		}
		return nil
	})
	return list.Items
}

// planShapes describes each planned node as "nodepool type $price apps",
// sorted; app maps pod names to their app (else a pod of a file, named
// <app>-<i>).
func planShapes(r explain.PlanReport, app map[string]string) []string {
	out := make([]string, 0, len(r.Nodes))
	for _, n := range r.Nodes {
		out = append(out, shape(n.NodePool, n.InstanceType, n.PricePerHour, appCounts(n.Pods, app)))
	}
	sort.Strings(out)
	return out
}

// requestShapes describes each capacity request for pods of ns as planShapes
// does, with the type and price its claim launched.
func (s *stack) requestShapes(ns string, app map[string]string) []string {
	c := s.snapshot()
	var out []string
	for _, r := range s.requestsFor(ns) {
		var pods []string
		for _, ref := range r.Spec.Pods {
			pods = append(pods, ref.Namespace+"/"+ref.Name)
		}
		claim := c.claims[r.Status.NodeClaim]
		if claim == nil {
			s.t.Errorf("capacity request %s has no nodeclaim", r.Name)
			continue
		}
		out = append(out, shape(r.Spec.NodePool, claim.Labels[corev1.LabelInstanceTypeStable], price(claim), appCounts(pods, app)))
	}
	sort.Strings(out)
	return out
}

// logRequestNames logs the requests planned and those created: names hash
// the pods of a node, so they match when the pods were packed in the same
// order (not asserted: the Provisioner packs in the order the pods reach it).
func (s *stack) logRequestNames(ns string, plan explain.PlanReport) {
	var planned, created []string
	for _, n := range plan.Nodes {
		planned = append(planned, n.CapacityRequest)
	}
	for _, r := range s.requestsFor(ns) {
		created = append(created, r.Name)
	}
	sort.Strings(planned)
	sort.Strings(created)
	s.t.Logf("capacity requests planned %v, created %v", planned, created)
}

// requestsFor are the capacity requests planned for pods of ns (those of
// earlier tests may not be removed yet).
func (s *stack) requestsFor(ns string) []tailorv1alpha1.CapacityRequest {
	var list tailorv1alpha1.CapacityRequestList
	if err := s.kube.List(context.Background(), &list); err != nil {
		s.t.Fatal(err)
	}
	return slices.DeleteFunc(list.Items, func(r tailorv1alpha1.CapacityRequest) bool {
		return len(r.Spec.Pods) == 0 || r.Spec.Pods[0].Namespace != ns
	})
}

func shape(pool, instanceType string, price float64, apps string) string {
	return fmt.Sprintf("%s %s $%.4f %s", pool, instanceType, price, apps)
}

// appCounts is e.g. "api=1,worker=2" for namespace/name pod names.
func appCounts(pods []string, app map[string]string) string {
	counts := map[string]int{}
	for _, p := range pods {
		a, ok := app[p]
		if !ok {
			a = p[strings.Index(p, "/")+1 : strings.LastIndex(p, "-")]
		}
		counts[a]++
	}
	var parts []string
	for a, n := range counts {
		parts = append(parts, fmt.Sprintf("%s=%d", a, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func appsOf(pods []corev1.Pod) map[string]string {
	out := map[string]string{}
	for _, p := range pods {
		out[p.Namespace+"/"+p.Name] = p.Labels["app"]
	}
	return out
}

func firstOf(pods []corev1.Pod, app string) string {
	for _, p := range pods {
		if p.Labels["app"] == app && p.Spec.NodeName != "" {
			return p.Name
		}
	}
	return ""
}

func firstPendingOf(s *stack, ns, app string) string {
	var list corev1.PodList
	if err := s.kube.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{"app": app}); err != nil || len(list.Items) == 0 {
		s.t.Fatalf("pods of %s: %v", app, err)
	}
	return list.Items[0].Name
}

func claimOn(c cluster, node string) string {
	for name, claim := range c.claims {
		if claim.Status.NodeName == node {
			return name
		}
	}
	return ""
}

// writeManifests writes the Deployments as one YAML file for plan -f.
func writeManifests(t *testing.T, deployments []*appsv1.Deployment) string {
	var docs []string
	for _, d := range deploymentObjects(deployments) {
		data, err := yaml.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	path := filepath.Join(t.TempDir(), "deployments.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(docs, "---\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func deploymentObjects(deployments []*appsv1.Deployment) []client.Object {
	out := make([]client.Object, 0, len(deployments))
	for _, d := range deployments {
		d.APIVersion, d.Kind = "apps/v1", "Deployment"
		out = append(out, d)
	}
	return out
}
