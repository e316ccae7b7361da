package status

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// Condition reasons.
const (
	ReasonNodeClassReady          = "NodeClassReady"
	ReasonNodeClassNotFound       = "NodeClassNotFound"
	ReasonNodeClassNotReady       = "NodeClassNotReady"
	ReasonValidated               = "Validated"
	ReasonAwaitingNodeClass       = "AwaitingNodeClass"
	ReasonInstanceTypesUnknown    = "InstanceTypesUnknown"
	ReasonInvalidRequirements     = "InvalidRequirements"
	ReasonInstanceTypeNotOffered  = "InstanceTypeNotOffered"
	ReasonNoInstanceTypeSatisfies = "NoInstanceTypeSatisfiesRequirements"
	ReasonReady                   = "Ready"
)

// maxSuggestions is how many offered instance types a message names.
const maxSuggestions = 5

const (
	nodeClassRefPath = "spec.template.spec.nodeClassRef"
	requirementsPath = "spec.template.spec.requirements"
)

// snapshot is what a NodePool's status is decided from.
type snapshot struct {
	nodePool *karpv1.NodePool
	// nodeClass is nil when the reference is not to an EC2NodeClass or it does not exist.
	nodeClass *ec2v1.EC2NodeClass
	claims    []karpv1.NodeClaim
	// types were read only when the node class is ready; typesErr says why not.
	types    []*cloudprovider.InstanceType
	typesErr error
}

// decide returns the NodePool's new status; it calls nothing.
func decide(in snapshot) karpv1.NodePoolStatus {
	np := in.nodePool
	status := *np.Status.DeepCopy()
	status.Resources = resources(in.claims)
	if in.nodeClass != nil {
		status.NodeClassObservedGeneration = in.nodeClass.Generation
	}
	set := func(c metav1.Condition) {
		c.ObservedGeneration = np.Generation
		meta.SetStatusCondition(&status.Conditions, c)
	}
	nodeClass := nodeClassCondition(np, in.nodeClass)
	set(nodeClass)
	if validation, known := validationCondition(in); known ||
		meta.FindStatusCondition(status.Conditions, karpv1.ConditionTypeValidationSucceeded) == nil {
		set(validation)
	}
	set(readyCondition(nodeClass, *meta.FindStatusCondition(status.Conditions, karpv1.ConditionTypeValidationSucceeded)))
	return status
}

// resources sums the capacity of the claims, with "nodes" their count.
func resources(claims []karpv1.NodeClaim) corev1.ResourceList {
	total := corev1.ResourceList{}
	for i := range claims {
		total = quotav1.Add(total, claims[i].Status.Capacity)
	}
	total[corev1.ResourceName("nodes")] = *resource.NewQuantity(int64(len(claims)), resource.DecimalSI)
	return total
}

func isEC2NodeClass(ref *karpv1.NodeClassReference) bool {
	return ref != nil && ref.Group == ec2v1.GroupVersion.Group && ref.Kind == "EC2NodeClass"
}

func nodeClassReady(nc *ec2v1.EC2NodeClass) bool {
	return nc != nil && meta.IsStatusConditionTrue(nc.Status.Conditions, ec2v1.ConditionTypeReady)
}

func nodeClassCondition(np *karpv1.NodePool, nc *ec2v1.EC2NodeClass) metav1.Condition {
	ref := np.Spec.Template.Spec.NodeClassRef
	c := metav1.Condition{Type: karpv1.ConditionTypeNodeClassReady, Status: metav1.ConditionFalse, Reason: ReasonNodeClassNotFound}
	switch {
	case ref == nil:
		c.Message = nodeClassRefPath + ": not set; point the NodePool at an EC2NodeClass"
	case !isEC2NodeClass(ref):
		c.Message = fmt.Sprintf("%s: %s/%s %q is not an EC2NodeClass; set group %s and kind EC2NodeClass",
			nodeClassRefPath, ref.Group, ref.Kind, ref.Name, ec2v1.GroupVersion.Group)
	case nc == nil:
		c.Message = fmt.Sprintf("%s.name: EC2NodeClass %q not found; create it or point the NodePool at an existing one", nodeClassRefPath, ref.Name)
	case !nodeClassReady(nc):
		c.Reason = ReasonNodeClassNotReady
		c.Message = fmt.Sprintf("%s.name: EC2NodeClass %q is not ready", nodeClassRefPath, ref.Name)
		if ready := meta.FindStatusCondition(nc.Status.Conditions, ec2v1.ConditionTypeReady); ready != nil && ready.Message != "" {
			c.Message += ": " + ready.Message
		} else {
			c.Message += ": its selectors have not been resolved yet"
		}
	default:
		c.Status, c.Reason = metav1.ConditionTrue, ReasonNodeClassReady
		c.Message = fmt.Sprintf("EC2NodeClass %q is ready", ref.Name)
	}
	return c
}

// validationCondition checks the requirements against the node class's instance
// types. known is false when the types were not read (the condition returned is
// then Unknown, for a NodePool that has none yet).
func validationCondition(in snapshot) (c metav1.Condition, known bool) {
	c = metav1.Condition{Type: karpv1.ConditionTypeValidationSucceeded, Status: metav1.ConditionUnknown}
	switch {
	case !nodeClassReady(in.nodeClass):
		c.Reason, c.Message = ReasonAwaitingNodeClass, "the requirements are checked once the node class is ready"
		return c, false
	case in.typesErr != nil:
		c.Reason, c.Message = ReasonInstanceTypesUnknown, fmt.Sprintf("reading instance types, %v", in.typesErr)
		return c, false
	}
	c.Status = metav1.ConditionFalse
	requirements := in.nodePool.Spec.Template.Spec.Requirements
	reqs, err := scheduling.NewNodeSelectorRequirements(requirements...)
	if err != nil {
		c.Reason, c.Message = ReasonInvalidRequirements, fmt.Sprintf("%s: %v", requirementsPath, err)
		return c, true
	}
	if problems := unofferedTypes(requirements, in.types, in.nodeClass.Name); len(problems) > 0 {
		c.Reason, c.Message = ReasonInstanceTypeNotOffered, strings.Join(problems, "; ")
		return c, true
	}
	if !anySatisfies(in.types, reqs) {
		c.Reason = ReasonNoInstanceTypeSatisfies
		c.Message = fmt.Sprintf("%s: no instance type of EC2NodeClass %s satisfies requirements %s; widen them", requirementsPath, in.nodeClass.Name, reqs)
		return c, true
	}
	c.Status, c.Reason, c.Message = metav1.ConditionTrue, ReasonValidated, "an instance type of the node class satisfies the requirements"
	return c, true
}

// unofferedTypes names each value of an instance-type In requirement that is not
// among the types, with the field and index the user edits.
func unofferedTypes(requirements []karpv1.NodeSelectorRequirementWithMinValues, types []*cloudprovider.InstanceType, nodeClass string) []string {
	offered := make([]string, 0, len(types))
	for _, it := range types {
		offered = append(offered, it.Name)
	}
	slices.Sort(offered)
	var out []string
	for i, r := range requirements {
		if r.Key != wellknown.InstanceTypeLabelKey || r.Operator != corev1.NodeSelectorOpIn {
			continue
		}
		for _, v := range r.Values {
			if _, found := slices.BinarySearch(offered, v); !found {
				out = append(out, fmt.Sprintf("%s[%d].values: instance type %q is not offered by EC2NodeClass %s; known types include %s",
					requirementsPath, i, v, nodeClass, suggest(v, offered)))
			}
		}
	}
	return out
}

// suggest lists a few offered types, those of the same family as name first.
func suggest(name string, offered []string) string {
	family, _, _ := strings.Cut(name, ".")
	picked := make([]string, 0, maxSuggestions)
	for _, o := range offered {
		if f, _, _ := strings.Cut(o, "."); f == family && len(picked) < maxSuggestions {
			picked = append(picked, o)
		}
	}
	for _, o := range offered {
		if len(picked) < maxSuggestions && !slices.Contains(picked, o) {
			picked = append(picked, o)
		}
	}
	if len(offered) > len(picked) {
		picked = append(picked, "...")
	}
	return strings.Join(picked, ", ")
}

// anySatisfies reports whether a type meets reqs and has an offering (zone and
// capacity type) they allow. Unlike cloudprovider.Compatible it counts offerings
// that are out of capacity for now: a shortage is not a configuration error.
func anySatisfies(types []*cloudprovider.InstanceType, reqs scheduling.Requirements) bool {
	for _, it := range types {
		if it.Requirements.Compatible(reqs, wellknown.InstanceTypeLabels) == nil && len(it.Offerings.Compatible(reqs)) > 0 {
			return true
		}
	}
	return false
}

// readyCondition is True when both are, else False with the first failing one's
// reason and message.
func readyCondition(nodeClass, validation metav1.Condition) metav1.Condition {
	for _, c := range []metav1.Condition{nodeClass, validation} {
		if c.Status != metav1.ConditionTrue {
			return metav1.Condition{Type: karpv1.ConditionTypeReady, Status: metav1.ConditionFalse, Reason: c.Reason, Message: c.Message}
		}
	}
	return metav1.Condition{Type: karpv1.ConditionTypeReady, Status: metav1.ConditionTrue, Reason: ReasonReady, Message: "the NodePool can launch nodes"}
}
