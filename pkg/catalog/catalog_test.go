package catalog

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

func projectTypes(t *testing.T) []*cloudprovider.InstanceType {
	t.Helper()
	types, err := planio.LoadCatalog("", []string{"us-west-2a", "us-west-2b"}, 0.4)
	if err != nil {
		t.Fatalf("loading the project catalog: %v", err)
	}
	return types
}

// The scheduler must plan with exactly what the launcher published: requirements,
// offerings (with prices and availability) and allocatable survive the trip.
func TestRoundTripKeepsWhatPlanningReads(t *testing.T) {
	types := projectTypes(t)
	types[0].Offerings[0].Available = false
	byName := map[string]*cloudprovider.InstanceType{}
	for _, it := range types {
		byName[it.Name] = it
	}
	count := 0
	for _, obj := range Objects("default", types) {
		raw, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) > 512*1024 {
			t.Errorf("catalog object %s is %d bytes; shards must stay far below the API server's 1.5 MiB limit", obj.Name, len(raw))
		}
		back, err := InstanceTypes(obj.Spec.InstanceTypes)
		if err != nil {
			t.Fatalf("%s: %v", obj.Name, err)
		}
		for _, got := range back {
			count++
			want := byName[got.Name]
			if got.Requirements.String() != want.Requirements.String() {
				t.Errorf("%s requirements: got %s, want %s", got.Name, got.Requirements, want.Requirements)
			}
			if !equality.Semantic.DeepEqual(got.Offerings, want.Offerings) {
				t.Errorf("%s offerings: got %v, want %v", got.Name, got.Offerings, want.Offerings)
			}
			if !equality.Semantic.DeepEqual(got.Allocatable(), want.Allocatable()) {
				t.Errorf("%s allocatable: got %v, want %v", got.Name, got.Allocatable(), want.Allocatable())
			}
		}
	}
	if count != len(types) {
		t.Errorf("round trip kept %d of %d types", count, len(types))
	}
}

func TestInstanceTypesRefusesABadPrice(t *testing.T) {
	_, err := InstanceTypes([]tailorv1alpha1.CatalogInstanceType{{Name: "m5.large", Offerings: []tailorv1alpha1.CatalogOffering{{Zone: "a", CapacityType: "spot", Price: "cheap"}}}})
	if err == nil || !strings.Contains(err.Error(), "m5.large") || !strings.Contains(err.Error(), `"cheap"`) {
		t.Fatalf("want an error naming the type and the price, got %v", err)
	}
}

// Publishing writes only what changed and removes families that are gone.
func TestPublishWritesChangesAndRemovesStaleFamilies(t *testing.T) {
	ctx := context.Background()
	c := fake.NewClientBuilder().WithScheme(apis.NewScheme()).Build()
	types := projectTypes(t)
	if err := Publish(ctx, c, "default", types); err != nil {
		t.Fatal(err)
	}
	list := func() map[string]tailorv1alpha1.InstanceTypeCatalog {
		var l tailorv1alpha1.InstanceTypeCatalogList
		if err := c.List(ctx, &l, client.MatchingLabels{tailorv1alpha1.NodeClassLabelKey: "default"}); err != nil {
			t.Fatal(err)
		}
		out := map[string]tailorv1alpha1.InstanceTypeCatalog{}
		for _, o := range l.Items {
			out[o.Name] = o
		}
		return out
	}
	first := list()
	if len(first) != len(Objects("default", types)) {
		t.Fatalf("published %d objects, want one per family (%d)", len(first), len(Objects("default", types)))
	}
	m5 := first["default.m5"]
	var kept []*cloudprovider.InstanceType
	for _, it := range types {
		if familyOf(it) == "c5" {
			continue // the c5 family disappears
		}
		if familyOf(it) == "m5" {
			it.Offerings[0].Available = false // and m5 runs short in one offering
		}
		kept = append(kept, it)
	}
	if err := Publish(ctx, c, "default", kept); err != nil {
		t.Fatal(err)
	}
	second := list()
	if _, ok := second["default.c5"]; ok {
		t.Error("the c5 family was not removed")
	}
	if second["default.m5"].ResourceVersion == m5.ResourceVersion {
		t.Error("the m5 family changed but was not rewritten")
	}
	if second["default.r5"].ResourceVersion != first["default.r5"].ResourceVersion {
		t.Error("the r5 family did not change but was rewritten")
	}
}
