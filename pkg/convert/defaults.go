package convert

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// alphaDefault is a requirement that v1alpha5 added to a Provisioner lacking any
// requirement on its keys. v1beta1 and v1 add none, so conversion writes them out.
type alphaDefault struct {
	// covers reports whether a requirement on key makes the default not apply.
	covers func(key string) bool
	req    map[string]any
}

var alphaDefaults = []alphaDefault{
	{covers: isInstanceTypeKey, req: requirement(wellknown.InstanceCategoryLabelKey, corev1.NodeSelectorOpIn, "c", "m", "r")},
	{covers: isInstanceTypeKey, req: requirement(wellknown.InstanceGenerationLabelKey, corev1.NodeSelectorOpGt, "2")},
	{covers: isKey(wellknown.CapacityTypeLabelKey), req: requirement(wellknown.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, wellknown.CapacityTypeOnDemand)},
	{covers: isKey(corev1.LabelOSStable), req: requirement(corev1.LabelOSStable, corev1.NodeSelectorOpIn, string(corev1.Linux))},
	{covers: isKey(corev1.LabelArchStable), req: requirement(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "amd64")},
}

// alphaRequirementDefaults returns reqs with the requirements v1alpha5 defaulted.
func alphaRequirementDefaults(reqs []any, np *Object) []any {
	out := append([]any{}, reqs...)
	for _, d := range alphaDefaults {
		if anyKey(reqs, d.covers) {
			continue
		}
		out = append(out, d.req)
		np.change("spec.template.spec.requirements: added %s %s %v (v1alpha5 defaulted it; v1 does not)", d.req["key"], d.req["operator"], d.req["values"])
	}
	return out
}

func requirement(key string, op corev1.NodeSelectorOperator, values ...string) map[string]any {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return map[string]any{"key": key, "operator": string(op), "values": vs}
}

func isInstanceTypeKey(key string) bool {
	return key == corev1.LabelInstanceTypeStable || key == corev1.LabelInstanceType ||
		strings.HasPrefix(key, wellknown.AWSGroup+"/instance-")
}

func isKey(want string) func(string) bool {
	return func(key string) bool { return key == want }
}

func anyKey(reqs []any, match func(string) bool) bool {
	for _, r := range reqs {
		if m, ok := r.(map[string]any); ok {
			if key, _ := m["key"].(string); match(key) {
				return true
			}
		}
	}
	return false
}
