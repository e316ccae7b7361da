package provisioner

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	quotav1 "k8s.io/apiserver/pkg/quota/v1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/moves"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/scheduling"
	"github.com/tailor-sh/tailor/pkg/whatif"
)

// batchInput is a planning round and what the hand-off needs to describe it.
type batchInput struct {
	planner.Input
	// missing names, per NodePool, why it offers no instance type.
	missing map[string]string
	// generation is the parked pods' generation the NodePools were read at.
	generation uint64
}

// cluster is what the listers hold when a batch is planned.
type cluster struct {
	nodes     []*corev1.Node
	byRequest map[string]*corev1.Node
	podsOn    map[string][]*corev1.Pod
	pending   map[string]*corev1.Pod
	pools     map[string]*karpv1.NodePool
	types     map[string][]*cloudprovider.InstanceType
	// awaiting are the nodes with a moves record (pkg/moves).
	awaiting []*corev1.Node
}

// input reads the cluster and builds the round for batch: the batch's pods that are
// still pending and wait for nothing, NodePools with their node class's catalog,
// existing nodes with their pods, requests in flight and DaemonSets.
func (p *Provisioner) input(ctx context.Context, batch []*corev1.Pod) (*batchInput, error) {
	generation := p.parked.seen()
	c, err := p.read(ctx)
	if err != nil {
		return nil, err
	}
	in := &batchInput{missing: map[string]string{}, generation: generation}
	var requests tailorv1alpha1.CapacityRequestList
	if err := p.objects.List(ctx, &requests); err != nil {
		return nil, fmt.Errorf("listing capacity requests, %w", err)
	}
	used := map[string]corev1.ResourceList{}
	for _, node := range c.nodes {
		if pool := node.Labels[wellknown.NodePoolLabelKey]; pool != "" {
			used[pool] = quotav1.Add(used[pool], node.Status.Capacity)
		}
		in.Nodes = append(in.Nodes, planner.NodeWithPods{Node: node, Pods: c.podsOn[node.Name]})
	}
	for i := range requests.Items {
		if n := p.inFlight(&requests.Items[i], c); n != nil {
			in.InFlight = append(in.InFlight, n)
			used[n.NodePool] = quotav1.Add(used[n.NodePool], n.InstanceTypes[0].Capacity)
		}
	}
	for name, np := range c.pools {
		types := c.types[np.Spec.Template.Spec.NodeClassRef.Name]
		if len(types) == 0 {
			in.missing[name] = fmt.Sprintf("nodepool %s: no instance types are published for EC2NodeClass %s (is the launcher running?)",
				name, np.Spec.Template.Spec.NodeClassRef.Name)
		}
		in.NodePools = append(in.NodePools, planner.NodePoolInput{NodePool: np, InstanceTypes: types, Remaining: whatif.Remaining(np, used[name])})
	}
	for _, pod := range batch {
		live, ok := c.pending[pod.Namespace+"/"+pod.Name]
		if !ok || live.UID != pod.UID {
			continue // bound or deleted meanwhile
		}
		if _, waits := p.flight.waitsFor(pod.UID, p.now()); !waits && !p.heldBack(ctx, live, c) {
			in.Pods = append(in.Pods, live)
		}
	}
	keepMovedRoom(in, p.now())
	in.DaemonSetPods, err = p.daemonSetPods()
	return in, err
}

// read lists nodes, pods, NodePools and catalogs.
func (p *Provisioner) read(ctx context.Context) (*cluster, error) {
	factory := p.handle.SharedInformerFactory()
	nodes, err := factory.Core().V1().Nodes().Lister().List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing nodes, %w", err)
	}
	pods, err := factory.Core().V1().Pods().Lister().List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing pods, %w", err)
	}
	c := &cluster{nodes: nodes, byRequest: map[string]*corev1.Node{}, podsOn: map[string][]*corev1.Pod{}, pending: map[string]*corev1.Pod{}, pools: map[string]*karpv1.NodePool{}}
	for _, node := range nodes {
		if r := requestOf(node); r != "" {
			c.byRequest[r] = node
		}
		if node.Annotations[moves.AnnotationKey] != "" {
			c.awaiting = append(c.awaiting, node)
		}
	}
	for _, pod := range pods {
		switch {
		case pod.DeletionTimestamp != nil:
		case pod.Spec.NodeName != "":
			c.podsOn[pod.Spec.NodeName] = append(c.podsOn[pod.Spec.NodeName], pod)
		default:
			c.pending[pod.Namespace+"/"+pod.Name] = pod
		}
	}
	var pools karpv1.NodePoolList
	if err := p.objects.List(ctx, &pools); err != nil {
		return nil, fmt.Errorf("listing nodepools, %w", err)
	}
	for i := range pools.Items {
		if pools.Items[i].DeletionTimestamp == nil {
			c.pools[pools.Items[i].Name] = &pools.Items[i]
		}
	}
	c.types, err = p.catalogs.read(ctx, p.objects)
	return c, err
}

// inFlight returns the planner's view of a request still in flight (nil when its
// node is initialized or the launcher gave up), and records its pending pods as
// waiting for it (which rebuilds the waits after a restart).
func (p *Provisioner) inFlight(r *tailorv1alpha1.CapacityRequest, c *cluster) *planner.Node {
	if node, ok := c.byRequest[r.Name]; ok && node.Labels[wellknown.NodeInitializedLabelKey] == "true" {
		return nil
	}
	if cond := meta.FindStatusCondition(r.Status.Conditions, tailorv1alpha1.ConditionTypeLaunched); cond != nil &&
		cond.Status == metav1.ConditionFalse && cond.Reason == tailorv1alpha1.ReasonLaunchFailed {
		return nil
	}
	np, ok := c.pools[r.Spec.NodePool]
	if !ok {
		return nil
	}
	// The launcher launches the cheapest type that still has capacity; the room
	// left for more pods is judged on the cheapest, which is what it launches
	// unless capacity runs short.
	cheapest := whatif.TypeNamed(c.types[np.Spec.Template.Spec.NodeClassRef.Name], r.Spec.InstanceTypes)
	reqs, err := scheduling.NewNodeSelectorRequirements(r.Spec.Requirements...)
	if cheapest == nil || err != nil {
		return nil
	}
	var pods []*corev1.Pod
	planned := corev1.ResourceList{}
	for _, ref := range r.Spec.Pods {
		if pod, ok := c.pending[ref.Namespace+"/"+ref.Name]; ok && pod.UID == ref.UID {
			pods = append(pods, pod)
		}
	}
	for uid, key := range p.flight.plannedPods(r.Name) {
		if live, ok := c.pending[key]; ok && live.UID == uid && !containsPod(pods, live) {
			pods = append(pods, live)
		}
	}
	for _, pod := range pods {
		planned = quotav1.Add(planned, podRequests(pod))
	}
	p.flight.assign(r.Name, pods)
	return &planner.Node{
		Name: r.Name, NodePool: r.Spec.NodePool, Requirements: reqs,
		InstanceTypes: []*cloudprovider.InstanceType{cheapest}, Pods: pods,
		DaemonSetPods: whatif.OverheadPod(r, planned),
		Labels:        np.Spec.Template.ObjectMeta.Labels, Taints: taints(np),
	}
}

// daemonSetPods returns one pod per DaemonSet, made from its template.
func (p *Provisioner) daemonSetPods() ([]*corev1.Pod, error) {
	sets, err := p.handle.SharedInformerFactory().Apps().V1().DaemonSets().Lister().List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing daemonsets, %w", err)
	}
	out := make([]*corev1.Pod, 0, len(sets))
	for _, ds := range sets {
		out = append(out, planner.DaemonSetPod(ds))
	}
	return out, nil
}
