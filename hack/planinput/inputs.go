package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner/lowerbound"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// demoReplicas names, on each Deployment of the sample, its share of the
// sample's 200 pods.
const (
	demoReplicas = "tailor.sh/demo-replicas"
	samplePods   = 200
)

func mixPods(mix string, n int, seed int64, sample string) ([]*corev1.Pod, error) {
	switch mix {
	case "generic":
		return planio.GenericMix(n, seed), nil
	case "diverse":
		return planio.DiverseMix(n, seed), nil
	case "sample":
		return samplePodsOf(sample, n)
	}
	return nil, fmt.Errorf("-mix %q is not a mix; use generic, diverse or sample", mix)
}

// samplePodsOf expands the Deployments of the sample file, each scaled from its
// demo replicas to its share of n pods.
func samplePodsOf(path string, n int) ([]*corev1.Pod, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the sample, %w", err)
	}
	var scaled [][]byte
	for _, doc := range bytes.Split(data, []byte("\n---")) {
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("reading %s, %w", path, err)
		}
		if obj["kind"] != "Deployment" {
			continue
		}
		meta, _ := obj["metadata"].(map[string]any)
		annotations, _ := meta["annotations"].(map[string]any)
		replicas, err := strconv.Atoi(fmt.Sprint(annotations[demoReplicas]))
		if err != nil {
			return nil, fmt.Errorf("deployment %v of %s has no %s annotation", meta["name"], path, demoReplicas)
		}
		obj["spec"].(map[string]any)["replicas"] = int(math.Round(float64(replicas*n) / samplePods))
		out, err := yaml.Marshal(obj)
		if err != nil {
			return nil, err
		}
		scaled = append(scaled, out)
	}
	tmp, err := os.MkdirTemp("", "planinput")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, "sample.yaml")
	if err := os.WriteFile(file, bytes.Join(scaled, []byte("---\n")), 0o644); err != nil {
		return nil, err
	}
	return planio.LoadPods(file)
}

// bounds are lower bounds of the pods' hourly cost.
type bounds struct {
	Fluid    float64 `json:"fluid"`
	FitAware float64 `json:"fitAware"`
}

// computeBounds bounds the cost over the types some NodePool allows.
func computeBounds(pods []*corev1.Pod, types []*cloudprovider.InstanceType, pools []*karpv1.NodePool) (bounds, error) {
	var allowed []*cloudprovider.InstanceType
	var matchers []scheduling.Requirements
	for _, np := range pools {
		reqs, err := scheduling.NewNodeSelectorRequirements(np.Spec.Template.Spec.Requirements...)
		if err != nil {
			return bounds{}, fmt.Errorf("nodepool %s, %w", np.Name, err)
		}
		matchers = append(matchers, reqs)
	}
	for _, it := range types {
		for _, reqs := range matchers {
			if scheduling.NewMatcher(reqs, wellknown.InstanceTypeLabels).Compatible(it.Requirements) && len(it.Offerings.Available().Compatible(reqs)) > 0 {
				allowed = append(allowed, it)
				break
			}
		}
	}
	fluid, _, _ := lowerbound.Fluid(pods, allowed)
	fit, err := lowerbound.FitAware(pods, allowed)
	if err != nil {
		return bounds{}, fmt.Errorf("bounding the cost, %w", err)
	}
	return bounds{Fluid: fluid, FitAware: fit}, nil
}

// entry is an instance type in the ../shared/bench catalog format.
type entry struct {
	Name                 string            `json:"name"`
	OnDemandPricePerHour float64           `json:"onDemandPricePerHour"`
	Allocatable          map[string]string `json:"allocatable"`
	Labels               map[string]string `json:"labels"`
}

// exportCatalog writes types as the bench format: allocatable (capacity less
// overhead), the on-demand price, and the labels the type fixes apart from
// those of its offerings.
func exportCatalog(types []*cloudprovider.InstanceType) []entry {
	out := make([]entry, 0, len(types))
	for _, it := range types {
		e := entry{Name: it.Name, Allocatable: map[string]string{}, Labels: it.Requirements.Labels()}
		for _, key := range []string{corev1.LabelTopologyZone, wellknown.CapacityTypeLabelKey, wellknown.ZoneIDLabelKey} {
			delete(e.Labels, key)
		}
		for name, q := range it.Allocatable() {
			e.Allocatable[string(name)] = q.String()
		}
		for _, o := range it.Offerings {
			if o.CapacityType == wellknown.CapacityTypeOnDemand && (e.OnDemandPricePerHour == 0 || o.PricePerHour < e.OnDemandPricePerHour) {
				e.OnDemandPricePerHour = o.PricePerHour
			}
		}
		if e.OnDemandPricePerHour > 0 {
			out = append(out, e)
		}
	}
	return out
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func runtimeRaw(obj runtime.Object) runtime.RawExtension {
	return runtime.RawExtension{Object: obj}
}
