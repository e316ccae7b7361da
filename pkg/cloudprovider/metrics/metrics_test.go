package metrics

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// failing is a provider whose Create always meets an insufficient-capacity error.
type failing struct{ cloudprovider.CloudProvider }

func (failing) Name() string { return "test" }
func (failing) Create(context.Context, *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	return nil, cloudprovider.NewInsufficientCapacityError(errors.New("no m5.large in us-west-2a"))
}

func TestDecoratorCountsErrorsByKindAndKeepsThem(t *testing.T) {
	p := Decorate(failing{})
	before := testutil.ToFloat64(callErrors.WithLabelValues("Create", "test", "InsufficientCapacity"))
	_, err := p.Create(context.Background(), &karpv1.NodeClaim{})
	if !cloudprovider.IsInsufficientCapacityError(err) {
		t.Fatalf("Create error = %v, want the provider's insufficient capacity error unchanged", err)
	}
	after := testutil.ToFloat64(callErrors.WithLabelValues("Create", "test", "InsufficientCapacity"))
	if after != before+1 {
		t.Errorf("errors_total{method=Create,error=InsufficientCapacity} went %v -> %v, want +1", before, after)
	}
	if n := testutil.CollectAndCount(callDuration); n == 0 {
		t.Errorf("no duration observed")
	}
}
