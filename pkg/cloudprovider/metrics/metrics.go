// Package metrics wraps a CloudProvider to record the duration and errors of every
// call, so the provider itself carries no timers.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

const namespace = "tailor"

var (
	callDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Subsystem: "cloudprovider",
		Name:      "duration_seconds",
		Help:      "Duration of cloud provider calls, by method and provider.",
		Buckets:   []float64{0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "provider"})
	callErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Subsystem: "cloudprovider",
		Name:      "errors_total",
		Help:      "Failed cloud provider calls, by method, provider and error kind.",
	}, []string{"method", "provider", "error"})
)

func init() {
	crmetrics.Registry.MustRegister(callDuration, callErrors)
}

// Decorator records metrics around every call of the wrapped provider.
type Decorator struct {
	cloudprovider.CloudProvider
}

var _ cloudprovider.CloudProvider = Decorator{}

// Decorate wraps p.
func Decorate(p cloudprovider.CloudProvider) cloudprovider.CloudProvider {
	return Decorator{CloudProvider: p}
}

// Create records and calls Create.
func (d Decorator) Create(ctx context.Context, nc *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	defer d.observe("Create", time.Now())
	out, err := d.CloudProvider.Create(ctx, nc)
	d.count("Create", err)
	return out, err
}

// Delete records and calls Delete.
func (d Decorator) Delete(ctx context.Context, nc *karpv1.NodeClaim) error {
	defer d.observe("Delete", time.Now())
	err := d.CloudProvider.Delete(ctx, nc)
	d.count("Delete", err)
	return err
}

// Get records and calls Get.
func (d Decorator) Get(ctx context.Context, providerID string) (*karpv1.NodeClaim, error) {
	defer d.observe("Get", time.Now())
	out, err := d.CloudProvider.Get(ctx, providerID)
	d.count("Get", err)
	return out, err
}

// List records and calls List.
func (d Decorator) List(ctx context.Context) ([]*karpv1.NodeClaim, error) {
	defer d.observe("List", time.Now())
	out, err := d.CloudProvider.List(ctx)
	d.count("List", err)
	return out, err
}

// GetInstanceTypes records and calls GetInstanceTypes.
func (d Decorator) GetInstanceTypes(ctx context.Context, np *karpv1.NodePool) ([]*cloudprovider.InstanceType, error) {
	defer d.observe("GetInstanceTypes", time.Now())
	out, err := d.CloudProvider.GetInstanceTypes(ctx, np)
	d.count("GetInstanceTypes", err)
	return out, err
}

// IsDrifted records and calls IsDrifted.
func (d Decorator) IsDrifted(ctx context.Context, nc *karpv1.NodeClaim) (cloudprovider.DriftReason, error) {
	defer d.observe("IsDrifted", time.Now())
	out, err := d.CloudProvider.IsDrifted(ctx, nc)
	d.count("IsDrifted", err)
	return out, err
}

func (d Decorator) observe(method string, start time.Time) {
	callDuration.WithLabelValues(method, d.Name()).Observe(time.Since(start).Seconds())
}

func (d Decorator) count(method string, err error) {
	if err != nil {
		callErrors.WithLabelValues(method, d.Name(), errorKind(err)).Inc()
	}
}

// errorKind maps an error to a bounded label value.
func errorKind(err error) string {
	switch {
	case cloudprovider.IsInsufficientCapacityError(err):
		return "InsufficientCapacity"
	case cloudprovider.IsNodeClaimNotFoundError(err):
		return "NotFound"
	case cloudprovider.IsNodeClassNotReadyError(err):
		return "NodeClassNotReady"
	}
	return "Other"
}
