// Command planinput writes the inputs of a side-by-side planning comparison
// (hack/compare) to a directory, so that both planners read the same files:
//
//	pods.json     a List of the mix's pods
//	catalog.json  the instance types, in the ../shared/bench JSON format
//	bounds.json   the fluid and fit-aware lower bounds of the pods' hourly cost
//	              over the types the NodePools allow
//
// Mixes: generic and diverse (pkg/planner/planio) and sample, the Deployments of
// hack/samples/demo.yaml scaled from their tailor.sh/demo-replicas (200 pods in
// all) to n pods. With no -catalog, the catalog is the project's own.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

func main() {
	var (
		mix       = flag.String("mix", "generic", "generic, diverse or sample")
		n         = flag.Int("n", 1000, "number of pods")
		seed      = flag.Int64("seed", 1, "seed of the generic and diverse mixes")
		sample    = flag.String("sample", "hack/samples/demo.yaml", "the sample workload's manifests")
		catalog   = flag.String("catalog", "", "instance type catalog in the ../shared/bench JSON format (default: the project's own)")
		zones     = flag.String("zones", "", "comma-separated zones (default: the project catalog's region a,b,c)")
		nodePools = flag.String("nodepools", "", "NodePools whose types bound the cost (default: one on-demand amd64 linux NodePool)")
		spot      = flag.Float64("spot-price-factor", 0, "offer spot at this fraction of the on-demand price, for the bounds (0: on-demand only)")
		out       = flag.String("out", "", "directory to write to (required)")
	)
	flag.Parse()
	if err := run(*mix, *n, *seed, *sample, *catalog, *zones, *nodePools, *out, *spot); err != nil {
		fmt.Fprintln(os.Stderr, "planinput:", err)
		os.Exit(1)
	}
}

func run(mix string, n int, seed int64, sample, catalog, zones, nodePools, out string, spotPriceFactor float64) error {
	if out == "" {
		return fmt.Errorf("-out is required: the directory to write pods.json, catalog.json and bounds.json to")
	}
	pods, err := mixPods(mix, n, seed, sample)
	if err != nil {
		return err
	}
	var zoneList []string
	if zones != "" {
		zoneList = strings.Split(zones, ",")
	}
	types, err := planio.LoadCatalog(catalog, zoneList, spotPriceFactor)
	if err != nil {
		return err
	}
	pools := planio.DefaultNodePools()
	if nodePools != "" {
		if pools, err = planio.LoadNodePools(nodePools); err != nil {
			return err
		}
	}
	b, err := computeBounds(pods, types, pools)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	list := corev1.List{TypeMeta: typeMeta("v1", "List")}
	for _, p := range pods {
		p.TypeMeta = typeMeta("v1", "Pod")
		list.Items = append(list.Items, runtimeRaw(p))
	}
	for name, v := range map[string]any{"pods.json": list, "catalog.json": exportCatalog(types), "bounds.json": b} {
		if err := writeJSON(filepath.Join(out, name), v); err != nil {
			return err
		}
	}
	return nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("encoding %s, %w", path, err)
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
