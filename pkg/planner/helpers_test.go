package planner_test

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

var zones = []string{"test-1a", "test-1b", "test-1c"}

// instanceType is a test type offered on demand in every zone.
func instanceType(name, family string, cpu, memGi int64, price float64) *cloudprovider.InstanceType {
	reqs := scheduling.NewLabelRequirements(map[string]string{
		corev1.LabelInstanceTypeStable:     name,
		corev1.LabelArchStable:             "amd64",
		corev1.LabelOSStable:               "linux",
		wellknown.InstanceFamilyLabelKey:   family,
		wellknown.InstanceCategoryLabelKey: family[:1],
	})
	reqs.Add(scheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, zones...))
	reqs.Add(scheduling.NewRequirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, wellknown.CapacityTypeOnDemand))
	it := &cloudprovider.InstanceType{
		Name: name, Requirements: reqs,
		Capacity: corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewQuantity(cpu, resource.DecimalSI),
			corev1.ResourceMemory: *resource.NewQuantity(memGi<<30, resource.BinarySI),
			corev1.ResourcePods:   *resource.NewQuantity(110, resource.DecimalSI),
		},
	}
	for _, z := range zones {
		it.Offerings = append(it.Offerings, cloudprovider.Offering{Zone: z, CapacityType: wellknown.CapacityTypeOnDemand, PricePerHour: price, Available: true})
	}
	return it
}

func catalog() []*cloudprovider.InstanceType {
	return []*cloudprovider.InstanceType{
		instanceType("m.large", "m", 2, 8, 0.10),
		instanceType("m.xlarge", "m", 4, 16, 0.20),
		instanceType("m.2xlarge", "m", 8, 32, 0.40),
		instanceType("c.large", "c", 2, 4, 0.085),
		instanceType("c.xlarge", "c", 4, 8, 0.17),
	}
}

func nodePool(name string, weight int32, mutate ...func(*karpv1.NodePool)) planner.NodePoolInput {
	np := &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelOSStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"linux"}}},
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
		}}},
	}
	if weight > 0 {
		np.Spec.Weight = &weight
	}
	for _, m := range mutate {
		m(np)
	}
	return planner.NodePoolInput{NodePool: np, InstanceTypes: catalog()}
}

// pods makes n pods of one workload requesting cpu (cores) and memory (GiB).
func pods(workload string, n int, cpu string, memGi int64, mutate ...func(*corev1.Pod)) []*corev1.Pod {
	var out []*corev1.Pod
	for i := range n {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s-%d", workload, i), Namespace: "default", UID: types.UID(fmt.Sprintf("%s-%d", workload, i)),
				Labels: map[string]string{"app": workload},
			},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "app", Image: "app",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse(cpu),
					corev1.ResourceMemory: *resource.NewQuantity(memGi<<30, resource.BinarySI),
				}},
			}}},
		}
		for _, m := range mutate {
			m(p)
		}
		out = append(out, p)
	}
	return out
}

func plan(t *testing.T, in planner.Input) planner.Plan {
	t.Helper()
	ctx := context.Background()
	p, err := planner.NewStandalone(ctx, nil, nil)
	if err != nil {
		t.Fatalf("building planner: %v", err)
	}
	out, err := p.Plan(ctx, in)
	if err != nil {
		t.Fatalf("planning: %v", err)
	}
	return out
}

func cheapest(n *planner.Node) string {
	if len(n.InstanceTypes) == 0 {
		return ""
	}
	return n.InstanceTypes[0].Name
}

func label(n *planner.Node, key string) string {
	if r, ok := n.Requirements[key]; ok && r.Len() == 1 {
		return r.Any()
	}
	return ""
}

func resourceQuantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}
