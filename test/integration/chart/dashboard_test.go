package chart_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tailor-sh/tailor/test/integration/harness"
)

// dashboardFile is the chart's Grafana dashboard.
func dashboardFile() string { return filepath.Join(chartDir(), "dashboards", "tailor.json") }

// The parts of a Grafana dashboard the tests read.
type dashboard struct {
	SchemaVersion int     `json:"schemaVersion"`
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []struct {
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a row's, when collapsed
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"` // a string, or {"query": "..."} as Grafana 10 writes it
	Datasource *datasource     `json:"datasource"`
}

// query is the variable's query text, in either form.
func (v variable) query() string {
	var s string
	if json.Unmarshal(v.Query, &s) == nil {
		return s
	}
	var q struct {
		Query string `json:"query"`
	}
	_ = json.Unmarshal(v.Query, &q)
	return q.Query
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal([]byte(readFile(t, dashboardFile())), &d); err != nil {
		t.Fatalf("%s is not a dashboard: %v", dashboardFile(), err)
	}
	return d
}

// allPanels is every panel, rows and their collapsed panels included.
func allPanels(panels []panel) []panel {
	var out []panel
	for _, p := range panels {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

var (
	metricName = regexp.MustCompile(`\btailor_[a-z0-9_]+`)
	// A row of docs/metrics.md's table: | `name` | type | ...
	metricRow = regexp.MustCompile("^\\| `(tailor_[a-z0-9_]+)` \\| ([a-z]+) \\|")
)

// documentedMetrics are the metrics of docs/metrics.md's table, by name, with
// their type.
func documentedMetrics(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(readFile(t, filepath.Join(harness.RepoRoot(), "docs", "metrics.md")), "\n") {
		if m := metricRow.FindStringSubmatch(line); m != nil {
			out[m[1]] = m[2]
		}
	}
	if len(out) == 0 {
		t.Fatal("docs/metrics.md lists no tailor_ metric")
	}
	return out
}

// unknownMetric says what is wrong with a metric name an expression uses, or "":
// it must be in docs/metrics.md, a histogram by one of its series (_bucket,
// _sum, _count) and nothing else with a suffix.
func unknownMetric(name string, documented map[string]string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && documented[base] == "histogram" {
			return ""
		}
	}
	switch documented[name] {
	case "":
		return "not in docs/metrics.md"
	case "histogram":
		return "a histogram: query its _bucket, _sum or _count series"
	}
	return ""
}

// The dashboard is valid JSON in Grafana's current schema; it queries only the
// metrics docs/metrics.md lists, through the ${datasource} variable, filters by
// a nodepool variable read from tailor_nodes, and every panel says what it is.
func TestDashboardQueriesDocumentedMetrics(t *testing.T) {
	d := readDashboard(t)
	if d.SchemaVersion < 39 || d.UID == "" || d.Title == "" {
		t.Errorf("schemaVersion %d, uid %q, title %q: want schemaVersion 39 or later, a uid and a title", d.SchemaVersion, d.UID, d.Title)
	}
	documented := documentedMetrics(t)
	wantDS := datasource{Type: "prometheus", UID: "${datasource}"}

	vars := map[string]variable{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	if v := vars["datasource"]; v.Type != "datasource" || v.query() != "prometheus" {
		t.Errorf("variable datasource is %q of %q, want a datasource variable of prometheus", v.Type, v.query())
	}
	if v := vars["nodepool"]; v.Type != "query" || v.query() != "label_values(tailor_nodes, nodepool)" || v.Datasource == nil || *v.Datasource != wantDS {
		t.Errorf("variable nodepool: type %q, query %q, datasource %v; want label_values(tailor_nodes, nodepool) through ${datasource}", v.Type, v.query(), v.Datasource)
	}

	used := map[string]bool{}
	ids := map[int]string{}
	for _, p := range allPanels(d.Panels) {
		what := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if p.Title == "" {
			t.Errorf("%s has no title", what)
		}
		if other, dup := ids[p.ID]; dup || p.ID == 0 {
			t.Errorf("%s: id %d is zero or also %q's", what, p.ID, other)
		}
		ids[p.ID] = p.Title
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || *p.Datasource != wantDS {
			t.Errorf("%s: datasource %v, want %v", what, p.Datasource, wantDS)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s has no query", what)
		}
		for _, target := range p.Targets {
			if target.Datasource == nil || *target.Datasource != wantDS {
				t.Errorf("%s: query %q has datasource %v, want %v", what, target.Expr, target.Datasource, wantDS)
			}
			names := metricName.FindAllString(target.Expr, -1)
			if len(names) == 0 {
				t.Errorf("%s: query %q reads no tailor_ metric", what, target.Expr)
			}
			for _, name := range names {
				if why := unknownMetric(name, documented); why != "" {
					t.Errorf("%s: query %q: %s is %s", what, target.Expr, name, why)
				}
				used[strings.TrimSuffix(name, "_bucket")] = true
			}
		}
	}

	// What operators watch has a panel.
	for _, name := range []string{
		"tailor_nodepools_cost_dollars_per_hour", "tailor_nodes", "tailor_nodeclaims",
		"tailor_provisioner_waiting_pods", "tailor_provisioner_batch_size_pods", "tailor_provisioner_planning_duration_seconds",
		"tailor_provisioner_capacityrequests_created_total", "tailor_capacityrequests_initialization_duration_seconds",
		"tailor_nodeclaims_launch_failures_total", "tailor_cloudprovider_insufficient_capacity_total",
		"tailor_disruption_decisions_total", "tailor_disruption_eligible_nodes", "tailor_disruption_pass_duration_seconds",
		"tailor_drain_evictions_total", "tailor_interruption_messages_total",
	} {
		if !used[name] {
			t.Errorf("no panel shows %s", name)
		}
	}
}

// dashboard.enabled renders one ConfigMap that holds dashboards/tailor.json as
// it is, labelled for Grafana's sidecar, and changes nothing else; it is off
// by default.
func TestDashboardConfigMap(t *testing.T) {
	for _, k := range render(t).keys() {
		if strings.Contains(k, "dashboard") {
			t.Errorf("dashboard.enabled is false by default, yet the chart renders %s", k)
		}
	}

	got := render(t, "--set", "dashboard.enabled=true")
	cm := got.get(t, "ConfigMap", "tailor-system", "tailor-dashboard")
	delete(got, keyOf(cm))
	expectSameObjects(t, got, manifestObjects(t, "launcher", "scheduler/common", "scheduler/second-scheduler"))
	data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
	if keys := mapKeys(data); !slices.Equal(keys, []string{"tailor.json"}) {
		t.Fatalf("the dashboard ConfigMap holds %v, want tailor.json alone", keys)
	}
	if data["tailor.json"] != readFile(t, dashboardFile()) {
		t.Error("the dashboard ConfigMap's tailor.json differs from charts/tailor/dashboards/tailor.json")
	}
	if l := cm.GetLabels(); l["grafana_dashboard"] != "1" || l["app.kubernetes.io/managed-by"] != "Helm" {
		t.Errorf("the dashboard ConfigMap is labelled %v, want grafana_dashboard=1 and the chart's labels", l)
	}
	if _, err := runHelm(nil, "lint", "--strict", chartDir(), "--values", valuesFile(t, clusterValues), "--set", "dashboard.enabled=true"); err != nil {
		t.Error(err)
	}

	// Another namespace, the sidecar's label replaced, a folder annotation.
	got = renderAs(t, "edge", "edge-system", "--values", valuesFile(t, `
dashboard:
  enabled: true
  namespace: monitoring
  labels: {grafana_dashboard: null, dashboards: 1}
  annotations: {grafana_folder: Autoscaling}
additionalAnnotations: {owner: platform}
`))
	cm = got.get(t, "ConfigMap", "monitoring", "edge-tailor-dashboard")
	if l := cm.GetLabels(); l["dashboards"] != "1" || l["grafana_dashboard"] != "" {
		t.Errorf("labels %v: want dashboards=1 (a string) and no grafana_dashboard", l)
	}
	if a := cm.GetAnnotations(); a["grafana_folder"] != "Autoscaling" || a["owner"] != "platform" {
		t.Errorf("annotations %v: want grafana_folder from dashboard.annotations and owner from additionalAnnotations", a)
	}
}
