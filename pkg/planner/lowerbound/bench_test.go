package lowerbound_test

import (
	"errors"
	"io/fs"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner/lowerbound"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

// benchCatalogPath is the public-price catalog kept outside the project as a
// measuring stick (/work/shared/bench/README.md), read only when present.
const benchCatalogPath = "/work/shared/bench/aws-us-east-1-instance-types.json"

// BenchmarkFluid measures the bound for 10,000 generic pods over a whole
// catalog, as the planner computes it once per batch.
func BenchmarkFluid(b *testing.B) {
	pods := planio.GenericMix(10000, 1)
	b.Run("catalog", func(b *testing.B) {
		types, err := planio.LoadCatalog("", nil, 0.35)
		if err != nil {
			b.Fatal(err)
		}
		benchmarkFluid(b, pods, types)
	})
	b.Run("aws-us-east-1", func(b *testing.B) {
		types, err := planio.LoadCatalog(benchCatalogPath, []string{"us-east-1a", "us-east-1b", "us-east-1c"}, 0.35)
		if errors.Is(err, fs.ErrNotExist) {
			b.Skipf("%s is not present on this machine; only the project's catalog was measured", benchCatalogPath)
		}
		if err != nil {
			b.Fatal(err)
		}
		benchmarkFluid(b, pods, types)
	})
}

func benchmarkFluid(b *testing.B, pods []*corev1.Pod, types []*cloudprovider.InstanceType) {
	b.ReportAllocs()
	var bound float64
	for b.Loop() {
		bound, _, _ = lowerbound.Fluid(pods, types)
	}
	b.ReportMetric(bound, "$/h")
	b.ReportMetric(float64(len(types)), "types")
}
