package provisioner

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	"github.com/tailor-sh/tailor/pkg/planner"
)

// run closes batches and provisions for them until ctx ends. After a failed
// batch it waits before the next, doubling the wait up to maxBackoff while the
// failures go on.
func (p *Provisioner) run(ctx context.Context) {
	logger := klog.FromContext(ctx).WithName(Name)
	if p.waitForInformers(ctx) {
		p.adoptPending(logger)
	}
	backoff := time.Duration(0)
	for p.window.wait(ctx.Done()) {
		pods := p.window.take()
		if len(pods) == 0 {
			continue
		}
		err := p.provision(ctx, pods)
		if err == nil {
			backoff = 0
			continue
		}
		backoff = min(max(2*backoff, time.Second), maxBackoff)
		// Pods of requests not handed off are pending still: they join the next
		// batch, which starts after the backoff.
		logger.Error(err, "Provisioning failed; the pods are planned again", "pods", len(pods), "retryIn", backoff)
		for _, pod := range pods {
			p.window.add(pod)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
}

// maxBackoff caps the wait between failing batches.
const maxBackoff = time.Minute

// provision plans one batch and hands the plan off.
func (p *Provisioner) provision(ctx context.Context, batch []*corev1.Pod) error {
	pl, err := p.planner.get(ctx)
	if err != nil {
		return err
	}
	syncCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if !p.objects.WaitForCacheSync(syncCtx) {
		return fmt.Errorf("NodePools, CapacityRequests and InstanceTypeCatalogs could not be listed within 30s (are the CRDs in manifests/crds installed, and may the scheduler read them?)")
	}
	in, err := p.input(ctx, batch)
	if err != nil {
		return err
	}
	if len(in.Pods) == 0 {
		return nil
	}
	start := time.Now()
	plan, err := planObserved(ctx, pl, in.Input)
	if err != nil {
		return fmt.Errorf("planning %d pods, %w", len(in.Pods), err)
	}
	klog.FromContext(ctx).V(2).Info("Planned a batch", "pods", len(in.Pods), "newNodes", len(plan.NewNodes),
		"inFlight", len(plan.InFlight), "unplaced", len(plan.Unplaced), "duration", time.Since(start))
	return p.handOff(ctx, in, plan)
}

// lazyPlanner builds the planner on first use: the profile it copies is only
// known once the scheduler is built, after every plugin's New.
type lazyPlanner struct {
	p       *Provisioner
	once    sync.Mutex
	planner *planner.Planner
}

func (l *lazyPlanner) get(ctx context.Context) (*planner.Planner, error) {
	l.once.Lock()
	defer l.once.Unlock()
	if l.planner != nil {
		return l.planner, nil
	}
	p := l.p
	profile, ok := p.deps.Profile(p.profile)
	if !ok {
		return nil, fmt.Errorf("profile %s is not known yet", p.profile)
	}
	snapshot := planner.NewSnapshot()
	fw, err := planner.NewFramework(ctx, p.deps.Registry(), profile, snapshot, planner.FrameworkOptions{
		Client:     p.handle.ClientSet(),
		Informers:  p.handle.SharedInformerFactory(),
		KubeConfig: p.handle.KubeConfig(),
		DRA:        p.handle.SharedDRAManager(),
		Exclude:    []string{Name},
	})
	if err != nil {
		return nil, err
	}
	// Plugins of the simulation may ask for informers the scheduler's own did not:
	// start them (already started ones are left alone) and wait for them.
	p.handle.SharedInformerFactory().Start(ctx.Done())
	p.handle.SharedInformerFactory().WaitForCacheSync(ctx.Done())
	l.planner = planner.NewPlanner(fw, snapshot)
	return l.planner, nil
}
