package aws

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/providers/aws/pricing"
)

// NodeClassStatus resolves the node class's selectors into its status, with a
// PricesCurrent condition that says when on-demand prices come from the embedded
// fallback table. The error joins what did not resolve.
func (p *CloudProvider) NodeClassStatus(ctx context.Context, nodeClass *ec2v1.EC2NodeClass) (ec2v1.EC2NodeClassStatus, error) {
	status, err := p.NodeClasses.Resolve(ctx, nodeClass)
	meta.SetStatusCondition(&status.Conditions, pricesCondition(p.Pricing.Status(), nodeClass.Generation))
	return status, err
}

func pricesCondition(s pricing.Status, generation int64) metav1.Condition {
	if s.OnDemandSource == pricing.SourceAPI {
		return metav1.Condition{
			Type: ec2v1.ConditionTypePricesCurrent, Status: metav1.ConditionTrue, Reason: "PricingAPI",
			Message:            fmt.Sprintf("on-demand prices from the Pricing API, updated %s", s.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")),
			ObservedGeneration: generation,
		}
	}
	message := "on-demand prices come from the embedded fallback table; the Pricing API has not answered yet"
	if s.LastError != nil {
		message = fmt.Sprintf("on-demand prices come from the embedded fallback table because the Pricing API failed: %v; launches continue, but may not pick today's cheapest type", s.LastError)
	}
	return metav1.Condition{
		Type: ec2v1.ConditionTypePricesCurrent, Status: metav1.ConditionFalse, Reason: "FallbackPrices",
		Message: message, ObservedGeneration: generation,
	}
}
