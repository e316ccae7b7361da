package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	karpv1 "sigs.k8s.io/karpenter/pkg/apis/v1"
	"sigs.k8s.io/karpenter/pkg/cloudprovider"
	"sigs.k8s.io/karpenter/pkg/scheduling"
)

// awsLabelPrefix is the domain of the AWS provider's instance type labels, which
// it makes well-known to Karpenter's scheduler.
const awsLabelPrefix = "karpenter.k8s.aws/"

func loadPods(path string) ([]*corev1.Pod, error) {
	var list struct {
		Items []*corev1.Pod `json:"items"`
	}
	if err := readJSON(path, &list); err != nil {
		return nil, err
	}
	if len(list.Items) == 0 {
		return nil, fmt.Errorf("%s holds no pods", path)
	}
	return list.Items, nil
}

// loadNodePools reads the NodePool documents of a YAML file.
func loadNodePools(path string) ([]*karpv1.NodePool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*karpv1.NodePool
	for _, doc := range bytes.Split(data, []byte("\n---")) {
		np := &karpv1.NodePool{}
		if err := yaml.UnmarshalStrict(doc, np); err != nil {
			return nil, fmt.Errorf("reading %s, %w", path, err)
		}
		if np.Kind == "NodePool" {
			out = append(out, np)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no NodePool", path)
	}
	return out, nil
}

// entry is an instance type in the ../shared/bench catalog format.
type entry struct {
	Name                 string            `json:"name"`
	OnDemandPricePerHour float64           `json:"onDemandPricePerHour"`
	Allocatable          map[string]string `json:"allocatable"`
	Labels               map[string]string `json:"labels"`
}

// loadCatalog turns a bench catalog into Karpenter instance types the way the
// project's planner reads it: labels as requirements, allocatable as capacity
// with no overhead, offered in every zone on demand, and as spot at
// spotPriceFactor of the price when it is above zero. The AWS labels it
// carries become well-known, as the AWS provider makes them.
func loadCatalog(path string, zones []string, spotPriceFactor float64) ([]*cloudprovider.InstanceType, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var entries []entry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("parsing %s, %w", path, err)
	}
	capacityTypes := []string{karpv1.CapacityTypeOnDemand}
	if spotPriceFactor > 0 {
		capacityTypes = append(capacityTypes, karpv1.CapacityTypeSpot)
	}
	out := make([]*cloudprovider.InstanceType, 0, len(entries))
	for _, e := range entries {
		reqs := scheduling.NewLabelRequirements(e.Labels)
		reqs.Add(scheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, zones...),
			scheduling.NewRequirement(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, capacityTypes...))
		for key := range e.Labels {
			if strings.HasPrefix(key, awsLabelPrefix) {
				karpv1.WellKnownLabels.Insert(key)
			}
		}
		capacity := corev1.ResourceList{}
		for name, value := range e.Allocatable {
			q, err := resource.ParseQuantity(value)
			if err != nil {
				return nil, fmt.Errorf("%s: allocatable %s %q, %w", e.Name, name, value, err)
			}
			capacity[corev1.ResourceName(name)] = q
		}
		it := &cloudprovider.InstanceType{Name: e.Name, Requirements: reqs, Capacity: capacity, Overhead: &cloudprovider.InstanceTypeOverhead{}}
		for _, z := range zones {
			for _, ct := range capacityTypes {
				price := e.OnDemandPricePerHour
				if ct == karpv1.CapacityTypeSpot {
					price *= spotPriceFactor
				}
				it.Offerings = append(it.Offerings, &cloudprovider.Offering{Available: true, Price: price, Requirements: scheduling.NewRequirements(
					scheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, z),
					scheduling.NewRequirement(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, ct))})
			}
		}
		out = append(out, it)
	}
	return out, nil
}
