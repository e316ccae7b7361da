package status

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

// Condition reasons of Ready, which this controller derives from the parts.
const (
	ReasonReady    = "Ready"
	ReasonNotReady = "NotReady"
)

// parts are the conditions that gate Ready, in the order of the spec, each with
// the field a user edits when it is False.
var parts = []struct {
	condition string
	field     func(*ec2v1.EC2NodeClass) string
}{
	{ec2v1.ConditionTypeSubnetsReady, func(*ec2v1.EC2NodeClass) string { return "spec.subnetSelectorTerms" }},
	{ec2v1.ConditionTypeSecurityGroupsReady, func(*ec2v1.EC2NodeClass) string { return "spec.securityGroupSelectorTerms" }},
	{ec2v1.ConditionTypeAMIsReady, func(*ec2v1.EC2NodeClass) string { return "spec.amiSelectorTerms" }},
	{ec2v1.ConditionTypeInstanceProfileReady, func(nc *ec2v1.EC2NodeClass) string {
		if nc.Spec.InstanceProfile != nil && *nc.Spec.InstanceProfile != "" {
			return "spec.instanceProfile"
		}
		return "spec.role"
	}},
}

// decide returns the node class's new status: what resolved, with the conditions
// merged into the stored ones (a condition whose status did not change keeps its
// transition time; others' conditions stay), each False part's message starting
// with the field to fix (unless it starts with one already), and Ready derived
// again from the parts so that it carries those messages. It calls nothing.
func decide(resolved ec2v1.EC2NodeClassStatus, nc *ec2v1.EC2NodeClass) ec2v1.EC2NodeClassStatus {
	status := *resolved.DeepCopy()
	status.Conditions = make([]metav1.Condition, 0, len(nc.Status.Conditions)+len(resolved.Conditions))
	for _, c := range nc.Status.Conditions {
		status.Conditions = append(status.Conditions, *c.DeepCopy())
	}
	for _, c := range resolved.Conditions {
		meta.SetStatusCondition(&status.Conditions, c)
	}
	var notReady []string
	for _, p := range parts {
		c := meta.FindStatusCondition(status.Conditions, p.condition)
		if c == nil {
			notReady = append(notReady, fmt.Sprintf("%s: %s has not been resolved", p.field(nc), p.condition))
			continue
		}
		if c.Status == metav1.ConditionTrue {
			continue
		}
		if !strings.HasPrefix(c.Message, "spec.") {
			c.Message = p.field(nc) + ": " + c.Message
		}
		notReady = append(notReady, c.Message)
	}
	ready := metav1.Condition{Type: ec2v1.ConditionTypeReady, Status: metav1.ConditionTrue, Reason: ReasonReady,
		Message: "subnets, security groups, AMIs and instance profile resolved", ObservedGeneration: nc.Generation}
	if len(notReady) > 0 {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, ReasonNotReady, strings.Join(notReady, "; ")
	}
	meta.SetStatusCondition(&status.Conditions, ready)
	return status
}
