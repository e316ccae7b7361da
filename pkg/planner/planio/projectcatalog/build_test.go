package projectcatalog

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

// The embedded catalog is what the AWS provider builds from the project's
// catalog today: a change to either needs `make generate`.
func TestEmbeddedCatalogIsCurrent(t *testing.T) {
	built, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := planio.EmbeddedCatalog()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(built)
	got, _ := json.Marshal(embedded)
	if string(got) != string(want) {
		t.Errorf("pkg/planner/planio/zz_generated.catalog.json is stale (%d types embedded, %d built): run make generate", len(embedded.Types), len(built.Types))
	}
	if region := strings.TrimSuffix(planio.DefaultZones[0], "a"); region != built.Region {
		t.Errorf("planio's default zones are in %s, the catalog in %s", region, built.Region)
	}
}
