package operator

import (
	"context"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"

	"github.com/tailor-sh/tailor/pkg/controllers/capacityrequest"
	"github.com/tailor-sh/tailor/pkg/controllers/catalog"
	"github.com/tailor-sh/tailor/pkg/controllers/disruption"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
	"github.com/tailor-sh/tailor/pkg/controllers/interruption"
	nodetermination "github.com/tailor-sh/tailor/pkg/controllers/node/termination"
	"github.com/tailor-sh/tailor/pkg/controllers/nodeclaim/garbagecollection"
	"github.com/tailor-sh/tailor/pkg/controllers/nodeclaim/lifecycle"
	"github.com/tailor-sh/tailor/pkg/controllers/nodeclaim/termination"
	nodeclassstatus "github.com/tailor-sh/tailor/pkg/controllers/nodeclass/status"
	nodepoolstatus "github.com/tailor-sh/tailor/pkg/controllers/nodepool/status"
	clustermetrics "github.com/tailor-sh/tailor/pkg/metrics"
	"github.com/tailor-sh/tailor/pkg/providers/aws/unavailable"
)

// registerControllers builds every controller of the launcher and adds it to the
// manager: the one list of what runs.
func (o *Operator) registerControllers(ctx context.Context, c clients) error {
	mgr, clk := o.Manager, clock.RealClock{}
	kube := mgr.GetClient()
	recorder := mgr.GetEventRecorderFor("tailor-launcher")
	if err := indexes.Register(ctx, mgr); err != nil {
		return err
	}
	go func() { // only the leader reports the cluster's gauges: replicas would add up
		select {
		case <-mgr.Elected():
			clustermetrics.Observe(kube)
		case <-ctx.Done():
		}
	}()
	publisher := catalog.NewController(kube, o.Cloud)
	launches := lifecycle.NewInFlight()
	type registrar interface{ Register(manager.Manager) error }
	all := []registrar{
		publisher,
		capacityrequest.NewController(kube, o.Cloud, recorder, clk),
		lifecycle.NewController(kube, o.Cloud, recorder, clk, lifecycle.Options{
			LaunchTTL: o.opts.LaunchTTL, RegistrationTTL: o.opts.RegistrationTTL, OnCapacityShortage: publisher.Changed, InFlight: launches,
		}),
		termination.NewController(kube, o.Cloud, recorder, clk),
		nodetermination.NewController(kube),
		garbagecollection.NewController(kube, o.Cloud, recorder, clk, o.opts.GCInterval, o.opts.LeakGracePeriod, launches),
		nodepoolstatus.NewController(kube, o.Cloud),
		nodeclassstatus.NewController(kube, o.AWS),
	}
	if o.opts.Enabled("Disruption") {
		fit, err := consolidationPlanner(ctx, o.restConfig, o.opts)
		if err != nil {
			return err
		}
		all = append(all, disruption.NewController(kube, o.Cloud, recorder, clk, o.opts.Enabled("SpotToSpotConsolidation")).WithPlanner(fit))
	}
	if o.opts.InterruptionQueue != "" {
		all = append(all, interruption.NewController(kube, recorder, c.SQS, o.opts.InterruptionQueue, republishing{o.AWS.Unavailable, kube, publisher}, clk))
	}
	for _, r := range all {
		if err := r.Register(mgr); err != nil {
			return err
		}
	}
	return nil
}

// republishing marks an offering unavailable and republishes every node class's
// catalog at once, so that the scheduler stops planning onto it.
type republishing struct {
	*unavailable.Cache
	kube      client.Reader
	publisher *catalog.Controller
}

func (r republishing) MarkUnavailable(reason, instanceType, zone, capacityType string) {
	r.Cache.MarkUnavailable(reason, instanceType, zone, capacityType)
	var list ec2v1.EC2NodeClassList
	if err := r.kube.List(context.Background(), &list); err != nil {
		return // the periodic resync publishes it
	}
	for i := range list.Items {
		r.publisher.Changed(list.Items[i].Name)
	}
}
