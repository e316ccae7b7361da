package metrics_test

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/component-base/metrics/legacyregistry"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	_ "github.com/tailor-sh/tailor/pkg/operator"        // every launcher metric
	_ "github.com/tailor-sh/tailor/plugins/provisioner" // every scheduler metric
)

// documented is a row of docs/metrics.md's table.
type documented struct {
	kind, binary string
	labels       []string
}

// registered is what a registry describes for one metric, and its type when
// it has series already.
type registered struct {
	labels []string
	kind   string
}

// docRows parses the metric table: rows whose first cell is a backquoted
// tailor_ name.
func docRows(t *testing.T) map[string]documented {
	t.Helper()
	f, err := os.Open("../../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]documented{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		cells := strings.Split(strings.Trim(scanner.Text(), "|"), "|")
		if len(cells) != 5 || !strings.HasPrefix(strings.TrimSpace(cells[0]), "`tailor_") {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[0]), "`")
		if _, dup := rows[name]; dup {
			t.Errorf("docs/metrics.md lists %s twice", name)
		}
		rows[name] = documented{kind: strings.TrimSpace(cells[1]), binary: strings.TrimSpace(cells[4]), labels: labelList(cells[2])}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// labelList reads "`a`, `b`" (or "—" for none), sorted.
func labelList(cell string) []string {
	var out []string
	for _, l := range strings.Split(cell, ",") {
		if l = strings.Trim(strings.TrimSpace(l), "`"); l != "" && l != "—" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

var descPattern = regexp.MustCompile(`fqName: "([^"]*)".*variableLabels: \{([^}]*)\}`)

// described lists the tailor_ metrics a registry holds, from its descriptors
// (a vector with no series yet is described but not gathered), with the type of
// those it gathers.
func described(t *testing.T, registry prometheus.Gatherer) map[string]registered {
	t.Helper()
	c, ok := registry.(prometheus.Collector)
	if !ok {
		t.Fatalf("registry %T cannot describe its metrics", registry)
	}
	families, err := registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, f := range families {
		kinds[f.GetName()] = strings.ToLower(f.GetType().String())
	}
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	out := map[string]registered{}
	for d := range ch {
		m := descPattern.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("cannot read descriptor %s", d)
		}
		if strings.HasPrefix(m[1], "tailor_") {
			out[m[1]] = registered{labels: labelList(m[2]), kind: kinds[m[1]]}
		}
	}
	return out
}

// TestDocListsExactlyTheRegisteredMetrics: every metric in docs/metrics.md is
// registered by the binary the doc names, with the labels the doc names, and
// every tailor_ metric either binary registers is in the doc.
func TestDocListsExactlyTheRegisteredMetrics(t *testing.T) {
	rows := docRows(t)
	if len(rows) == 0 {
		t.Fatal("docs/metrics.md has no metric table")
	}
	binaries := map[string]map[string]registered{
		"launcher":  described(t, crmetrics.Registry),
		"scheduler": described(t, legacyregistry.Registerer().(prometheus.Gatherer)),
	}
	for binary, metrics := range binaries {
		for name, m := range metrics {
			row, ok := rows[name]
			switch {
			case !ok:
				t.Errorf("%s registers %s, which docs/metrics.md does not list", binary, name)
			case row.binary != binary:
				t.Errorf("docs/metrics.md says %s is the %s's; the %s registers it", name, row.binary, binary)
			case !slices.Equal(row.labels, m.labels):
				t.Errorf("docs/metrics.md gives %s the labels %v; it has %v", name, row.labels, m.labels)
			case m.kind != "" && m.kind != row.kind:
				t.Errorf("docs/metrics.md says %s is a %s; it is a %s", name, row.kind, m.kind)
			}
		}
	}
	for name, row := range rows {
		if _, ok := binaries[row.binary][name]; !ok {
			t.Errorf("docs/metrics.md lists %s for the %s, which does not register it", name, row.binary)
		}
		if counter := row.kind == "counter"; counter != strings.HasSuffix(name, "_total") {
			t.Errorf("%s is a %s: counters, and only they, end in _total", name, row.kind)
		}
	}
}
