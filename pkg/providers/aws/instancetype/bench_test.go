package instancetype

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/providers/aws/unavailable"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// benchCatalogPath is a large public-price catalog kept outside the project as a
// measuring stick (see /work/shared/bench/README.md). It is read at benchmark time
// only and never copied in.
const benchCatalogPath = "/work/shared/bench/aws-us-east-1-instance-types.json"

// The bench catalog has no zones or spot prices; these are stated here.
var (
	benchZones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	// benchSpotFactor is the spot price as a share of on-demand (the simulator's
	// default too).
	benchSpotFactor = 0.35
)

// BenchmarkCompatiblePriceOrdered measures turning a whole catalog and one
// NodePool's requirements into the price-ordered list of compatible types, as the
// scheduler plugin does for every NodePool it considers.
func BenchmarkCompatiblePriceOrdered(b *testing.B) {
	reqs := scheduling.NewRequirements(
		requirement(wellknown.InstanceCategoryLabelKey, corev1.NodeSelectorOpIn, "c", "m", "r"),
		requirement(wellknown.InstanceGenerationLabelKey, corev1.NodeSelectorOpGt, "2"),
		requirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, wellknown.CapacityTypeSpot, wellknown.CapacityTypeOnDemand),
		requirement(wellknown.ArchLabelKey, corev1.NodeSelectorOpIn, wellknown.ArchAMD64),
	)
	keys := definedKeys()
	b.Run("catalog", func(b *testing.B) {
		env := discovered(b, ec2sim.Options{})
		types, err := env.provider.List(nil)
		if err != nil {
			b.Fatal(err)
		}
		benchmarkCompatible(b, types, reqs, keys)
	})
	b.Run("aws-us-east-1", func(b *testing.B) {
		types, err := loadBenchCatalog(benchCatalogPath)
		if errors.Is(err, fs.ErrNotExist) {
			b.Skipf("%s is not present on this machine; only the project's catalog was measured", benchCatalogPath)
		}
		if err != nil {
			b.Fatal(err)
		}
		benchmarkCompatible(b, types, reqs, keys)
	})
}

func benchmarkCompatible(b *testing.B, types []*cloudprovider.InstanceType, reqs scheduling.Requirements, keys map[string]bool) {
	b.ReportAllocs()
	compatible := 0
	for b.Loop() {
		compatible = len(cloudprovider.Compatible(types, reqs, keys))
	}
	if compatible == 0 {
		b.Fatal("no type is compatible; the benchmark measures nothing")
	}
	b.ReportMetric(float64(len(types)), "types")
	b.ReportMetric(float64(compatible), "compatible")
}

// benchType is one entry of the bench catalog.
type benchType struct {
	Name                 string            `json:"name"`
	OnDemandPricePerHour float64           `json:"onDemandPricePerHour"`
	Allocatable          map[string]string `json:"allocatable"`
	Labels               map[string]string `json:"labels"`
}

// loadBenchCatalog converts the bench catalog: labels become In requirements,
// allocatable becomes capacity (with no overhead), and the price becomes
// on-demand and spot offerings in benchZones.
func loadBenchCatalog(path string) ([]*cloudprovider.InstanceType, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var entries []benchType
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("parsing %s, %w", path, err)
	}
	out := make([]*cloudprovider.InstanceType, 0, len(entries))
	for _, e := range entries {
		it, err := benchInstanceType(e)
		if err != nil {
			return nil, fmt.Errorf("converting %s, %w", e.Name, err)
		}
		out = append(out, it)
	}
	return out, nil
}

func benchInstanceType(e benchType) (*cloudprovider.InstanceType, error) {
	reqs := scheduling.NewLabelRequirements(e.Labels)
	reqs.Add(
		requirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, benchZones...),
		requirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, wellknown.CapacityTypeOnDemand, wellknown.CapacityTypeSpot),
	)
	capacity := corev1.ResourceList{}
	for name, value := range e.Allocatable {
		q, err := resource.ParseQuantity(value)
		if err != nil {
			return nil, err
		}
		capacity[corev1.ResourceName(name)] = q
	}
	var offerings cloudprovider.Offerings
	for _, zone := range benchZones {
		offerings = append(offerings,
			cloudprovider.Offering{Zone: zone, CapacityType: wellknown.CapacityTypeOnDemand, PricePerHour: e.OnDemandPricePerHour, Available: true},
			cloudprovider.Offering{Zone: zone, CapacityType: wellknown.CapacityTypeSpot, PricePerHour: e.OnDemandPricePerHour * benchSpotFactor, Available: true})
	}
	return &cloudprovider.InstanceType{Name: e.Name, Requirements: reqs, Offerings: offerings, Capacity: capacity}, nil
}

// BenchmarkList measures List on the project's catalog: memoized, and rebuilt
// because an offering was just marked unavailable (after every capacity error).
func BenchmarkList(b *testing.B) {
	env := discovered(b, ec2sim.Options{})
	types, err := env.provider.List(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("memoized", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := env.provider.List(nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rebuilt", func(b *testing.B) {
		b.ReportAllocs()
		it, o := types[0], types[0].Offerings[0]
		for b.Loop() {
			// The last mark expires and a new one is made: two changes, one rebuild.
			env.clk.Step(unavailable.TTL)
			env.unavailable.MarkUnavailable("InsufficientInstanceCapacity", it.Name, o.Zone, o.CapacityType)
			if _, err := env.provider.List(nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(types)), "types")
	})
}
