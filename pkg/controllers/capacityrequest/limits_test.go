package capacityrequest

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

func instanceType(name, cpu string) *cloudprovider.InstanceType {
	return &cloudprovider.InstanceType{Name: name, Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}
}

func claimOf(types []string, launchedCPU string) karpv1.NodeClaim {
	c := karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Spec: karpv1.NodeClaimSpec{Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
		{Key: corev1.LabelInstanceTypeStable, Operator: corev1.NodeSelectorOpIn, Values: types},
	}}}
	if launchedCPU != "" {
		c.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(launchedCPU)}
	}
	return c
}

func TestWithinLimits(t *testing.T) {
	types := map[string]*cloudprovider.InstanceType{
		"small": instanceType("small", "2"), "medium": instanceType("medium", "4"), "large": instanceType("large", "8"),
	}
	cases := []struct {
		name     string
		limits   karpv1.Limits
		existing []karpv1.NodeClaim
		want     []string
		refused  string
	}{
		{name: "no limits: every type", want: []string{"small", "medium", "large"}},
		{name: "room for medium", limits: karpv1.Limits{corev1.ResourceCPU: resource.MustParse("6")},
			existing: []karpv1.NodeClaim{claimOf(nil, "2")}, want: []string{"small", "medium"}},
		{name: "an unlaunched claim counts its largest allowed type", limits: karpv1.Limits{corev1.ResourceCPU: resource.MustParse("10")},
			existing: []karpv1.NodeClaim{claimOf([]string{"small", "large"}, "")}, want: []string{"small"}},
		{name: "no room left", limits: karpv1.Limits{corev1.ResourceCPU: resource.MustParse("8")},
			existing: []karpv1.NodeClaim{claimOf([]string{"large"}, "")}, refused: "cpu limit 8, 8 in use or launching"},
		{name: "node count limit", limits: karpv1.Limits{"nodes": resource.MustParse("1")},
			existing: []karpv1.NodeClaim{claimOf(nil, "2")}, refused: "nodes limit 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			np := &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: "np"}, Spec: karpv1.NodePoolSpec{Limits: tc.limits}}
			got, refusal := withinLimits(np, []string{"small", "medium", "large"}, types, tc.existing)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("within = %v, want %v", got, tc.want)
			}
			if tc.refused != "" && (len(got) > 0 || !strings.Contains(refusal, tc.refused)) {
				t.Errorf("refusal = %q, want it to contain %q and no type", refusal, tc.refused)
			}
		})
	}
}
