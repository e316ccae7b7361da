package planner

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner/lowerbound"
)

// efficientSlack is how far above the batch's dual prices for cpu and memory a
// type's price may be and still count as efficient: tight enough to steer packing
// to the cheapest families, loose enough to keep several sizes and families.
const efficientSlack = 0.03

// efficientTypes are the types priced within efficientSlack of what the batch's
// fluid lower bound values their cpu and memory at.
func efficientTypes(types []*cloudprovider.InstanceType, pods []*corev1.Pod) map[string]bool {
	out := map[string]bool{}
	if len(types) == 0 || len(pods) == 0 {
		return out
	}
	_, a, b := lowerbound.Fluid(pods, types)
	for _, it := range lowerbound.Efficient(types, a, b, efficientSlack) {
		out[it.Name] = true
	}
	return out
}
