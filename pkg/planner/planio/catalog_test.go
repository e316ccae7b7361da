package planio

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// benchCatalogPath is the public-price catalog kept outside the project as a
// measuring stick (/work/shared/bench/README.md); read only when present.
const benchCatalogPath = "/work/shared/bench/aws-us-east-1-instance-types.json"

var benchZones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

func TestLoadCatalogProject(t *testing.T) {
	types, err := LoadCatalog("", nil, 0.35)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(catalog.Default()); len(types) < want*9/10 {
		t.Errorf("got %d instance types of the catalog's %d", len(types), want)
	}
	m5 := find(t, types, "m5.large")
	price := catalog.ByName()["m5.large"].OnDemandPricePerHour
	expectOfferings(t, m5, DefaultZones, price, price*0.35)
	if got := m5.Requirements.Get(wellknown.InstanceFamilyLabelKey).Values(); len(got) != 1 || got[0] != "m5" {
		t.Errorf("m5.large has instance family %v, want m5", got)
	}
	if got := m5.Requirements.Get(wellknown.ZoneIDLabelKey).Len(); got != len(DefaultZones) {
		t.Errorf("m5.large has %d zone ids, want one per zone", got)
	}
	allocatable, capacity := m5.Allocatable()[corev1.ResourceMemory], m5.Capacity[corev1.ResourceMemory]
	if allocatable.Cmp(capacity) >= 0 || allocatable.Sign() <= 0 {
		t.Errorf("m5.large allocatable memory %s, capacity %s: want the kubelet's default reservations taken off", allocatable.String(), capacity.String())
	}
}

func TestLoadCatalogProjectWithoutSpotInOtherZones(t *testing.T) {
	zones := []string{"us-west-2b", "us-west-2d"}
	types, err := LoadCatalog("", zones, 0)
	if err != nil {
		t.Fatal(err)
	}
	price := catalog.ByName()["c5.xlarge"].OnDemandPricePerHour
	expectOfferings(t, find(t, types, "c5.xlarge"), zones, price, 0)
}

func TestLoadCatalogFile(t *testing.T) {
	path := writeFile(t, "types.json", `[
 {"name":"m5.large","onDemandPricePerHour":0.096,
  "allocatable":{"cpu":"1930m","memory":"7134Mi","pods":"29","ephemeral-storage":"17Gi"},
  "labels":{"node.kubernetes.io/instance-type":"m5.large","kubernetes.io/arch":"amd64","karpenter.k8s.aws/instance-family":"m5",
            "topology.kubernetes.io/zone":"us-east-1a","karpenter.sh/capacity-type":"on-demand"}},
 {"name":"c6g.large","onDemandPricePerHour":0.068,
  "allocatable":{"cpu":"1930m","memory":"3022Mi","pods":"29"},
  "labels":{"kubernetes.io/arch":"arm64"}}]`)
	types, err := LoadCatalog(path, benchZones, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 2 {
		t.Fatalf("got %d types, want 2", len(types))
	}
	m5 := find(t, types, "m5.large")
	expectOfferings(t, m5, benchZones, 0.096, 0.048)
	if got := m5.Allocatable()[corev1.ResourceMemory]; got.String() != "7134Mi" {
		t.Errorf("allocatable memory = %s, want the file's 7134Mi with no overhead taken", got.String())
	}
	if got := m5.Requirements.Get(wellknown.InstanceFamilyLabelKey).Values(); len(got) != 1 || got[0] != "m5" {
		t.Errorf("instance family = %v, want the label's m5", got)
	}
	if m5.Requirements.Has(wellknown.ZoneIDLabelKey) {
		t.Error("a file type has zone ids, but the file gives none")
	}
	if got := find(t, types, "c6g.large").Requirements.Get(wellknown.ArchLabelKey).Values(); got[0] != wellknown.ArchARM64 {
		t.Errorf("c6g.large arch = %v, want arm64", got)
	}
}

func TestLoadCatalogRefusesBadInput(t *testing.T) {
	entry := `{"name":"m5.large","onDemandPricePerHour":0.096,"allocatable":{"cpu":"1930m","memory":"7134Mi","pods":"29"},"labels":{}}`
	for _, tc := range []struct {
		name, content   string
		zones           []string
		spotPriceFactor float64
		wantErr         []string
	}{{
		name: "no zones for a file", content: "[" + entry + "]",
		wantErr: []string{"no zones given", "us-east-1a,us-east-1b,us-east-1c"},
	}, {
		name: "a zone twice", content: "[" + entry + "]", zones: []string{"us-east-1a", "us-east-1a"},
		wantErr: []string{`zones "us-east-1a,us-east-1a" hold an empty or repeated zone`},
	}, {
		name: "negative spot factor", content: "[" + entry + "]", zones: benchZones, spotPriceFactor: -1,
		wantErr: []string{"spot price factor -1 is negative"},
	}, {
		name: "not an array", content: `{"name":"m5.large"}`, zones: benchZones,
		wantErr: []string{"parsing file, want a JSON array"},
	}, {
		name: "empty", content: `[]`, zones: benchZones,
		wantErr: []string{"lists no instance types"},
	}, {
		name: "a bad quantity", content: "[" + strings.Replace(entry, "7134Mi", "7134 MiB", 1) + "]", zones: benchZones,
		wantErr: []string{"entry 1 (m5.large)", `allocatable memory "7134 MiB" is not a quantity`},
	}, {
		name: "no price", content: "[" + strings.Replace(entry, "0.096", "0", 1) + "]", zones: benchZones,
		wantErr: []string{"entry 1 (m5.large)", "onDemandPricePerHour 0 is not a positive price"},
	}, {
		name: "no pods", content: "[" + strings.Replace(entry, `,"pods":"29"`, "", 1) + "]", zones: benchZones,
		wantErr: []string{"entry 1 (m5.large)", "allocatable has no pods"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "types.json", tc.content)
			_, err := LoadCatalog(path, tc.zones, tc.spotPriceFactor)
			expectError(t, err, append(tc.wantErr, "loading instance types")...)
		})
	}
	_, err := LoadCatalog(filepath.Join(t.TempDir(), "absent.json"), benchZones, 0)
	expectError(t, err, "loading instance types from", "absent.json", "no such file")
}

func TestLoadCatalogBenchFile(t *testing.T) {
	if _, err := os.Stat(benchCatalogPath); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is not present on this machine; the bench catalog was not read", benchCatalogPath)
	}
	types, err := LoadCatalog(benchCatalogPath, benchZones, 0.35)
	if err != nil {
		t.Fatal(err)
	}
	if len(types) < 1000 {
		t.Errorf("got %d types from the bench catalog, want its 1,000 and more", len(types))
	}
	for _, it := range types {
		if it.Requirements.Get(corev1.LabelTopologyZone).Len() != len(benchZones) {
			t.Fatalf("%s is not offered in every zone: %s", it.Name, it.Requirements.Get(corev1.LabelTopologyZone))
		}
	}
}

func find(t *testing.T, types []*cloudprovider.InstanceType, name string) *cloudprovider.InstanceType {
	t.Helper()
	for _, it := range types {
		if it.Name == name {
			return it
		}
	}
	t.Fatalf("instance type %s is missing", name)
	return nil
}

// expectOfferings checks it is offered on-demand at onDemand, and at spot when
// spot > 0, in every zone, and that its requirements say so.
func expectOfferings(t *testing.T, it *cloudprovider.InstanceType, zones []string, onDemand, spot float64) {
	t.Helper()
	capacityTypes := []string{wellknown.CapacityTypeOnDemand}
	if spot > 0 {
		capacityTypes = append(capacityTypes, wellknown.CapacityTypeSpot)
	}
	if len(it.Offerings) != len(zones)*len(capacityTypes) {
		t.Errorf("%s has %d offerings, want %d zones × %v", it.Name, len(it.Offerings), len(zones), capacityTypes)
	}
	for _, o := range it.Offerings {
		want := onDemand
		if o.CapacityType == wellknown.CapacityTypeSpot {
			want = spot
		}
		if !o.Available || math.Abs(o.PricePerHour-want) > 1e-9 {
			t.Errorf("%s offering %+v, want available at %v", it.Name, o, want)
		}
	}
	zoneReq, ctReq := it.Requirements.Get(corev1.LabelTopologyZone), it.Requirements.Get(wellknown.CapacityTypeLabelKey)
	if strings.Join(zoneReq.Values(), ",") != strings.Join(slices.Sorted(slices.Values(zones)), ",") {
		t.Errorf("%s zone requirement %s, want In %v", it.Name, zoneReq, zones)
	}
	if strings.Join(ctReq.Values(), ",") != strings.Join(slices.Sorted(slices.Values(capacityTypes)), ",") {
		t.Errorf("%s capacity type requirement %s, want In %v", it.Name, ctReq, capacityTypes)
	}
}
