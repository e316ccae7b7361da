package provisioner

import (
	"context"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// parked holds the pods no NodePool could run. The scheduler knows no event for
// NodePools or catalogs, so when one changes the plugin moves these pods back to
// the active queue itself: a NodePool applied together with its workload, or a
// launcher that publishes its catalog after the pods came, must not leave them
// waiting for the queue's periodic flush (5 minutes).
type parked struct {
	mu   sync.Mutex
	pods map[types.UID]*corev1.Pod
	// generation counts the changes seen: a pod planned on an older view than the
	// current one is not parked but retried at once.
	generation uint64
}

func newParked() *parked { return &parked{pods: map[types.UID]*corev1.Pod{}} }

// seen is the generation of NodePools and catalogs a batch is planned on.
func (k *parked) seen() uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.generation
}

// add parks pod, judged unplaceable on generation seen; it reports false when
// NodePools or catalogs changed since, and the pod is to be retried now.
func (k *parked) add(pod *corev1.Pod, seen uint64) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if seen != k.generation {
		return false
	}
	k.pods[pod.UID] = pod
	return true
}

func (k *parked) remove(uid types.UID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.pods, uid)
}

// changed starts a new generation, empties the set and returns its pods keyed as
// the scheduling queue's Activate takes them.
func (k *parked) changed() map[string]*corev1.Pod {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.generation++
	out := make(map[string]*corev1.Pod, len(k.pods))
	for uid, pod := range k.pods {
		out[pod.Namespace+"/"+pod.Name] = pod
		delete(k.pods, uid)
	}
	return out
}

// unpark requeues the parked pods, after a NodePool or a catalog changed.
func (p *Provisioner) unpark(logger klog.Logger) {
	if pods := p.parked.changed(); len(pods) > 0 {
		logger.V(2).Info("NodePools or instance types changed: retrying pods no NodePool could run", "pods", len(pods))
		p.activate(logger, pods)
	}
}

// retry moves the pending pods among keys (namespace/name by UID) back to the
// scheduling queue.
func (p *Provisioner) retry(logger klog.Logger, keys map[types.UID]string) {
	lister := p.handle.SharedInformerFactory().Core().V1().Pods().Lister()
	pods := map[string]*corev1.Pod{}
	for uid, key := range keys {
		namespace, name, err := toolscache.SplitMetaNamespaceKey(key)
		if err != nil {
			continue
		}
		if pod, err := lister.Pods(namespace).Get(name); err == nil && pod.UID == uid && pod.Spec.NodeName == "" {
			pods[key] = pod
		}
	}
	if len(pods) > 0 {
		logger.V(2).Info("Retrying pods whose capacity request settled, failed or stopped reserving its node", "pods", len(pods))
		p.activate(logger, pods)
	}
}

// activate moves pods back to the active queue; while the cluster has no node,
// where the scheduler would run no plugin for them, it adds them to the batch.
func (p *Provisioner) activate(logger klog.Logger, pods map[string]*corev1.Pod) {
	p.handle.Activate(logger, pods)
	for _, pod := range pods {
		p.adopt(pod)
	}
}

// nodeCount counts the nodes the scheduler's informer holds. kube-scheduler runs
// no plugin at all while there are none (ErrNoNodesAvailable), so then the
// plugin takes the profile's pending pods into the batch by itself.
type nodeCount struct {
	n   atomic.Int64
	reg toolscache.ResourceEventHandlerRegistration
}

// none reports whether the cluster is known to have no node.
func (c *nodeCount) none() bool {
	return c.reg != nil && c.reg.HasSynced() && c.n.Load() == 0
}

// adoptPending adds the profile's pending pods to the batch when the cluster has
// no node. Pods bound meanwhile are dropped when the batch is planned, and pods
// that fit a node existing by then are planned onto it, not onto new capacity.
func (p *Provisioner) adoptPending(logger klog.Logger) {
	if !p.nodes.none() {
		return
	}
	pods, err := p.handle.SharedInformerFactory().Core().V1().Pods().Lister().List(labels.Everything())
	if err != nil {
		logger.Error(err, "Listing pods to provision for an empty cluster")
		return
	}
	for _, pod := range pods {
		p.adopt(pod)
	}
}

// adopt adds pod to the batch if it is this profile's, pending and schedulable,
// and the cluster has no node.
func (p *Provisioner) adopt(pod *corev1.Pod) {
	if pod.Spec.SchedulerName == p.profile && pod.Spec.NodeName == "" && pod.DeletionTimestamp == nil &&
		len(pod.Spec.SchedulingGates) == 0 && pod.Status.Phase == corev1.PodPending && p.nodes.none() {
		if _, waits := p.flight.waitsFor(pod.UID, p.now()); !waits {
			p.window.add(pod)
		}
	}
}

// waitForInformers waits until the pods and nodes the plugin counts are listed.
func (p *Provisioner) waitForInformers(ctx context.Context) bool {
	pods := p.handle.SharedInformerFactory().Core().V1().Pods().Informer()
	return toolscache.WaitForCacheSync(ctx.Done(), pods.HasSynced, p.nodes.reg.HasSynced)
}
