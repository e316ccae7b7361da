package planio

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// Defaults the karpenter.sh/v1 CRD gives NodePool fields left unset.
const (
	defaultExpireAfter      = 720 * time.Hour
	defaultConsolidateAfter = 0 * time.Second
	defaultBudgetNodes      = "10%"
)

// budgetNodesPattern is the CRD's pattern for a budget's nodes.
var budgetNodesPattern = regexp.MustCompile(`^((100|[0-9]{1,2})%|[0-9]+)$`)

// LoadNodePools reads karpenter.sh/v1 NodePools from a YAML or JSON file (one
// object, several YAML documents or a List), applies the defaults the API server
// would (expireAfter 720h, consolidateAfter 0s, consolidationPolicy
// WhenEmptyOrUnderutilized, one budget of 10%; weight stays unset) and checks what
// the API server's validation would refuse and planning depends on: a
// nodeClassRef, requirements that parse, weights within 1-100, unique names.
func LoadNodePools(path string) ([]*karpv1.NodePool, error) {
	docs, err := readDocuments(path)
	if err != nil {
		return nil, fmt.Errorf("loading nodepools from %s, %w", path, err)
	}
	out := make([]*karpv1.NodePool, 0, len(docs))
	seen := map[string]string{}
	for _, d := range docs {
		np, err := nodePoolOf(d)
		if err != nil {
			return nil, fmt.Errorf("loading nodepools from %s, %w", path, err)
		}
		if first, ok := seen[np.Name]; ok {
			return nil, fmt.Errorf("loading nodepools from %s, nodepool %s of %s is also defined by %s; nodepool names must be unique", path, np.Name, d.where, first)
		}
		seen[np.Name] = d.where
		out = append(out, np)
	}
	return out, nil
}

// nodePoolOf decodes, defaults and validates one NodePool document.
func nodePoolOf(d document) (*karpv1.NodePool, error) {
	if d.kind != "NodePool" {
		return nil, fmt.Errorf("reading %s, kind %q is not supported; want karpenter.sh/v1 NodePool or a List of them", d.where, d.kind)
	}
	if d.apiVersion != karpv1.GroupVersion.String() {
		return nil, fmt.Errorf("reading %s, apiVersion %q is not supported for NodePools; want %s", d.where, d.apiVersion, karpv1.GroupVersion)
	}
	np := &karpv1.NodePool{}
	if err := decodeStrict(d.raw, np); err != nil {
		return nil, fmt.Errorf("reading %s, %w", d.describe(), err)
	}
	SetNodePoolDefaults(np)
	if err := ValidateNodePool(np); err != nil {
		return nil, fmt.Errorf("reading %s, %w", d.describe(), err)
	}
	return np, nil
}

// SetNodePoolDefaults fills the fields the karpenter.sh/v1 CRD defaults when
// they are unset. Weight has no default.
func SetNodePoolDefaults(np *karpv1.NodePool) {
	spec := &np.Spec.Template.Spec
	if spec.ExpireAfter.IsZero() {
		spec.ExpireAfter = karpv1.NewNillableDuration(defaultExpireAfter)
	}
	disruption := &np.Spec.Disruption
	if disruption.ConsolidateAfter.IsZero() {
		disruption.ConsolidateAfter = karpv1.NewNillableDuration(defaultConsolidateAfter)
	}
	if disruption.ConsolidationPolicy == "" {
		disruption.ConsolidationPolicy = karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized
	}
	if disruption.Budgets == nil {
		disruption.Budgets = []karpv1.Budget{{Nodes: defaultBudgetNodes}}
	}
}

// ValidateNodePool reports what the API server would refuse in a NodePool and
// planning depends on, one line per problem with the field at fault.
func ValidateNodePool(np *karpv1.NodePool) error {
	var errs field.ErrorList
	if np.Name == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), "name the nodepool"))
	}
	spec := field.NewPath("spec")
	if w := np.Spec.Weight; w != nil && (*w < 1 || *w > 100) {
		errs = append(errs, field.Invalid(spec.Child("weight"), *w, "must be between 1 and 100"))
	}
	templateSpec := spec.Child("template", "spec")
	errs = append(errs, validateNodeClassRef(np.Spec.Template.Spec.NodeClassRef, templateSpec.Child("nodeClassRef"))...)
	errs = append(errs, validateRequirements(np.Spec.Template.Spec.Requirements, templateSpec.Child("requirements"))...)
	switch p := np.Spec.Disruption.ConsolidationPolicy; p {
	case karpv1.ConsolidationPolicyWhenEmpty, karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized:
	default:
		errs = append(errs, field.NotSupported(spec.Child("disruption", "consolidationPolicy"), p,
			[]string{string(karpv1.ConsolidationPolicyWhenEmpty), string(karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized)}))
	}
	for i, b := range np.Spec.Disruption.Budgets {
		if !budgetNodesPattern.MatchString(b.Nodes) {
			errs = append(errs, field.Invalid(spec.Child("disruption", "budgets").Index(i).Child("nodes"), b.Nodes, `must be a count ("5") or a percentage ("10%")`))
		}
	}
	return errs.ToAggregate()
}

func validateNodeClassRef(ref *karpv1.NodeClassReference, path *field.Path) field.ErrorList {
	if ref == nil {
		return field.ErrorList{field.Required(path, "point the nodepool at its node class, e.g. {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}")}
	}
	var errs field.ErrorList
	for _, f := range []struct{ name, value string }{{"group", ref.Group}, {"kind", ref.Kind}, {"name", ref.Name}} {
		if f.value == "" {
			errs = append(errs, field.Required(path.Child(f.name), "may not be empty"))
		}
	}
	return errs
}

// validateRequirements checks what the CRD's rules check, then that the
// requirements parse as the planner will parse them.
func validateRequirements(reqs []karpv1.NodeSelectorRequirementWithMinValues, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, r := range reqs {
		p := path.Index(i)
		if slices.Contains(wellknown.RestrictedLabels, r.Key) {
			errs = append(errs, field.Invalid(p.Child("key"), r.Key, "is restricted: the system sets this label"))
		}
		switch r.Operator {
		case corev1.NodeSelectorOpIn:
			if len(r.Values) == 0 {
				errs = append(errs, field.Required(p.Child("values"), "operator In needs at least one value"))
			}
		case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
			if len(r.Values) > 0 {
				errs = append(errs, field.Invalid(p.Child("values"), r.Values, fmt.Sprintf("operator %s takes no values", r.Operator)))
			}
		}
		if r.MinValues != nil && (r.Operator != corev1.NodeSelectorOpIn || len(r.Values) < *r.MinValues) {
			errs = append(errs, field.Invalid(p.Child("minValues"), *r.MinValues, "needs operator In with at least that many values"))
		}
		if _, err := scheduling.NewNodeSelectorRequirements(r); err != nil {
			errs = append(errs, field.Invalid(p, r.Key, err.Error()))
		}
	}
	return errs
}

// DefaultNodePools is what the planning command plans with when no NodePools are
// given: one NodePool named "default" that launches on-demand, amd64, Linux nodes
// of any instance type, with the API server's defaults. On-demand only, so that
// a plan's cost is list prices, independent of any assumed spot discount, and so
// that no one is planned onto interruptible capacity they did not ask for; amd64
// because images are not all built for arm64. Pass NodePools to plan with spot or
// Graviton.
func DefaultNodePools() []*karpv1.NodePool {
	np := &karpv1.NodePool{
		TypeMeta:   metav1.TypeMeta{APIVersion: karpv1.GroupVersion.String(), Kind: "NodePool"},
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: karpv1.NodePoolSpec{
			Template: karpv1.NodeClaimTemplate{
				Spec: karpv1.NodeClaimTemplateSpec{
					Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
						{Key: wellknown.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{wellknown.CapacityTypeOnDemand}},
						{Key: wellknown.ArchLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{wellknown.ArchAMD64}},
						{Key: wellknown.OSLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{string(corev1.Linux)}},
					},
					NodeClassRef: &karpv1.NodeClassReference{Group: wellknown.AWSGroup, Kind: "EC2NodeClass", Name: "default"},
				},
			},
		},
	}
	SetNodePoolDefaults(np)
	return []*karpv1.NodePool{np}
}
