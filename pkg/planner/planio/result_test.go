package planio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// testType has cpu cores, memory GiB, maxPods and the given offerings.
func testType(name string, cpu, memGiB, maxPods int64, offerings ...cloudprovider.Offering) *cloudprovider.InstanceType {
	return &cloudprovider.InstanceType{
		Name: name,
		Capacity: corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewQuantity(cpu, resource.DecimalSI),
			corev1.ResourceMemory: *resource.NewQuantity(memGiB<<30, resource.BinarySI),
			corev1.ResourcePods:   *resource.NewQuantity(maxPods, resource.DecimalSI),
		},
		Offerings: offerings,
	}
}

func offering(zone, capacityType string, price float64) cloudprovider.Offering {
	return cloudprovider.Offering{Zone: zone, CapacityType: capacityType, PricePerHour: price, Available: true}
}

func testPod(name, cpu, memory string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		}}}},
	}
}

func zoneAndCapacityType(zones []string, capacityTypes ...string) scheduling.Requirements {
	return scheduling.NewRequirements(
		scheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, zones...),
		scheduling.NewRequirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, capacityTypes...),
	)
}

func TestCheapest(t *testing.T) {
	unavailable := offering("a", "spot", 0.01)
	unavailable.Available = false
	small := testType("small", 2, 8, 29, offering("a", "on-demand", 0.10), offering("b", "on-demand", 0.09), offering("a", "spot", 0.04), unavailable)
	large := testType("large", 4, 16, 58, offering("a", "on-demand", 0.20), offering("a", "spot", 0.03))
	for _, tc := range []struct {
		name      string
		types     []*cloudprovider.InstanceType
		reqs      scheduling.Requirements
		want      string // type/zone/capacity type, or "" for none
		wantPrice float64
	}{{
		name: "the cheapest offering of any type wins", types: []*cloudprovider.InstanceType{small, large},
		reqs: zoneAndCapacityType([]string{"a", "b"}, "on-demand", "spot"), want: "large/a/spot", wantPrice: 0.03,
	}, {
		name: "capacity type narrowed to on-demand", types: []*cloudprovider.InstanceType{small, large},
		reqs: zoneAndCapacityType([]string{"a", "b"}, "on-demand"), want: "small/b/on-demand", wantPrice: 0.09,
	}, {
		name: "zone pinned", types: []*cloudprovider.InstanceType{small, large},
		reqs: zoneAndCapacityType([]string{"a"}, "on-demand"), want: "small/a/on-demand", wantPrice: 0.10,
	}, {
		name: "unavailable offerings never win", types: []*cloudprovider.InstanceType{small},
		reqs: zoneAndCapacityType([]string{"a"}, "spot"), want: "small/a/spot", wantPrice: 0.04,
	}, {
		name: "no offering allowed", types: []*cloudprovider.InstanceType{small, large},
		reqs: zoneAndCapacityType([]string{"c"}, "on-demand"), want: "",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			it, o, ok := Cheapest(&planner.Node{Name: "n", InstanceTypes: tc.types, Requirements: tc.reqs})
			got := ""
			if ok {
				got = fmt.Sprintf("%s/%s/%s", it.Name, o.Zone, o.CapacityType)
			}
			if got != tc.want || (ok && o.PricePerHour != tc.wantPrice) {
				t.Errorf("Cheapest = %q at %v, want %q at %v", got, o.PricePerHour, tc.want, tc.wantPrice)
			}
		})
	}
}

func TestNewResultAndWriteJSON(t *testing.T) {
	small := testType("small", 2, 8, 29, offering("a", "on-demand", 0.10), offering("b", "spot", 0.04))
	large := testType("large", 4, 16, 58, offering("a", "on-demand", 0.20))
	plan := planner.Plan{
		NewNodes: []*planner.Node{
			{Name: "n1", InstanceTypes: []*cloudprovider.InstanceType{small, large}, Requirements: zoneAndCapacityType([]string{"a", "b"}, "on-demand", "spot"),
				Pods: []*corev1.Pod{testPod("p1", "1", "1Gi"), testPod("p2", "1", "1Gi")}},
			{Name: "n2", InstanceTypes: []*cloudprovider.InstanceType{large}, Requirements: zoneAndCapacityType([]string{"a"}, "on-demand"),
				Pods: []*corev1.Pod{testPod("p3", "3", "1Gi")}},
		},
		InFlight: map[string][]*corev1.Pod{"claim-1": {testPod("p4", "1", "1Gi")}},
		Unplaced: []planner.Unplaced{{Pod: testPod("huge", "100", "1Gi"), Reason: "no instance type has 100 cpu"}},
	}
	r := NewResult(plan, 1.5)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"nodes": []any{
			map[string]any{"instanceType": "small", "zone": "b", "capacityType": "spot", "pricePerHour": 0.04, "pods": []any{"default/p1", "default/p2"}},
			map[string]any{"instanceType": "large", "zone": "a", "capacityType": "on-demand", "pricePerHour": 0.2, "pods": []any{"default/p3"}},
		},
		"nodeCount":         2.0,
		"totalPricePerHour": 0.24,
		"unplaced":          []any{map[string]any{"pod": "default/huge", "reason": "no instance type has 100 cpu"}},
		"planningSeconds":   1.5,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("JSON =\n%s\nwant %v", buf.String(), want)
	}
	if !strings.Contains(buf.String(), "\n  \"nodes\": [") {
		t.Errorf("JSON is not indented:\n%s", buf.String())
	}
}

func TestNewResultOfAnEmptyPlanHasEmptyLists(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, NewResult(planner.Plan{}, 0)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"nodes": []`, `"unplaced": []`, `"nodeCount": 0`, `"totalPricePerHour": 0`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, buf.String())
		}
	}
}
