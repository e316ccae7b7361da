package provisioner

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
)

// watch registers the informers the plugin reads (they start with the scheduler's
// informer factory and the plugin's cache) and keeps the flight up to date: pods
// bound or deleted, nodes initialized, requests failed or removed.
func (p *Provisioner) watch(ctx context.Context) error {
	factory := p.handle.SharedInformerFactory()
	factory.Apps().V1().DaemonSets().Informer()
	logger := klog.FromContext(ctx).WithName(Name)
	if _, err := factory.Core().V1().Pods().Informer().AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if pod, ok := obj.(*corev1.Pod); ok {
				p.adopt(pod)
			}
		},
		UpdateFunc: func(_, obj any) {
			if pod, ok := obj.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
				p.podGone(pod.UID)
			}
		},
		DeleteFunc: func(obj any) {
			if pod, ok := unwrap(obj).(*corev1.Pod); ok {
				p.podGone(pod.UID)
			}
		},
	}); err != nil {
		return fmt.Errorf("%s: watching pods, %w", Name, err)
	}
	reg, err := factory.Core().V1().Nodes().Informer().AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			p.nodes.n.Add(1)
			p.nodeEvent(logger, obj)
		},
		UpdateFunc: func(_, obj any) { p.nodeEvent(logger, obj) },
		DeleteFunc: func(any) {
			if p.nodes.n.Add(-1) == 0 {
				p.adoptPending(logger)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("%s: watching nodes, %w", Name, err)
	}
	p.nodes.reg = reg
	changed := toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { p.unpark(logger) },
		UpdateFunc: func(any, any) { p.unpark(logger) },
		DeleteFunc: func(any) { p.unpark(logger) },
	}
	for _, obj := range []client.Object{&karpv1.NodePool{}, &tailorv1alpha1.InstanceTypeCatalog{}} {
		informer, err := p.objects.GetInformer(ctx, obj)
		if err == nil {
			_, err = informer.AddEventHandler(changed)
		}
		if err != nil {
			return fmt.Errorf("%s: watching %T, %w", Name, obj, err)
		}
	}
	requests, err := p.objects.GetInformer(ctx, &tailorv1alpha1.CapacityRequest{})
	if err != nil {
		return fmt.Errorf("%s: watching capacity requests, %w", Name, err)
	}
	_, err = requests.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.requestEvent(logger, obj) },
		UpdateFunc: func(_, obj any) { p.requestEvent(logger, obj) },
		DeleteFunc: func(obj any) {
			if r, ok := unwrap(obj).(*tailorv1alpha1.CapacityRequest); ok {
				pods := p.flight.plannedPods(r.Name)
				p.flight.forget(r.Name)
				p.retry(logger, pods) // a removed request's pods that are still pending are planned again
			}
		},
	})
	if err != nil {
		return fmt.Errorf("%s: watching capacity requests, %w", Name, err)
	}
	return nil
}

// podGone forgets a pod that was bound or deleted.
func (p *Provisioner) podGone(uid types.UID) {
	p.flight.podGone(uid)
	p.parked.remove(uid)
	p.held.forget(uid)
}

// nodeEvent starts a request's clocks when its node is initialized. No cluster
// event marks their end, so the plugin retries the pods itself then: pods still
// waiting for the request once it settled, and pods kept off its node once the
// reservation lapsed.
func (p *Provisioner) nodeEvent(logger klog.Logger, obj any) {
	node, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	if request := p.flight.nodeSeen(node, p.now()); request != "" {
		time.AfterFunc(settle, func() { p.retry(logger, p.flight.plannedPods(request)) })
		time.AfterFunc(reservation, func() { p.retry(logger, p.flight.keptPods(request)) })
	}
}

// requestEvent marks a request the launcher gave up on (Launched=False, reason
// LaunchFailed) as failed, and retries its pods so that they are planned again.
func (p *Provisioner) requestEvent(logger klog.Logger, obj any) {
	r, ok := obj.(*tailorv1alpha1.CapacityRequest)
	if !ok {
		return
	}
	if c := meta.FindStatusCondition(r.Status.Conditions, tailorv1alpha1.ConditionTypeLaunched); c != nil &&
		c.Status == "False" && c.Reason == tailorv1alpha1.ReasonLaunchFailed {
		if p.flight.fail(r.Name, c.Message) {
			p.retry(logger, p.flight.plannedPods(r.Name))
		}
	}
}

func unwrap(obj any) any {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		return tomb.Obj
	}
	return obj
}
