package whatif

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// Cluster is what the Provisioner reads when it plans a batch, read once through
// the API: nodes and pods, NodePools with the instance types the launcher
// published for their node class, capacity requests and NodeClaims, DaemonSets.
type Cluster struct {
	Nodes []*corev1.Node
	// Pods are every pod not being deleted, bound or not.
	Pods      []*corev1.Pod
	NodePools []*karpv1.NodePool
	// NodeClasses by name.
	NodeClasses map[string]*ec2v1.EC2NodeClass
	// Types are the published instance types by EC2NodeClass name.
	Types    map[string][]*cloudprovider.InstanceType
	Requests []*tailorv1alpha1.CapacityRequest
	Claims   []*karpv1.NodeClaim
	// DaemonSetPods are one pod per DaemonSet, made from its template.
	DaemonSetPods []*corev1.Pod
}

// Read lists everything a Cluster holds. It only reads.
func Read(ctx context.Context, kube client.Reader) (*Cluster, error) {
	c := &Cluster{NodeClasses: map[string]*ec2v1.EC2NodeClass{}}
	var err error
	if c.Types, err = publishedTypes(ctx, kube); err != nil {
		return nil, err
	}
	steps := []func(context.Context, client.Reader) error{c.readNodes, c.readPods, c.readPools, c.readClasses, c.readRequests, c.readClaims, c.readDaemonSets}
	for _, step := range steps {
		if err := step(ctx, kube); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Cluster) readNodes(ctx context.Context, kube client.Reader) error {
	var list corev1.NodeList
	if err := kube.List(ctx, &list); err != nil {
		return fmt.Errorf("listing nodes, %w", err)
	}
	for i := range list.Items {
		c.Nodes = append(c.Nodes, &list.Items[i])
	}
	return nil
}

func (c *Cluster) readPods(ctx context.Context, kube client.Reader) error {
	var list corev1.PodList
	if err := kube.List(ctx, &list); err != nil {
		return fmt.Errorf("listing pods, %w", err)
	}
	for i := range list.Items {
		if list.Items[i].DeletionTimestamp == nil {
			c.Pods = append(c.Pods, &list.Items[i])
		}
	}
	return nil
}

func (c *Cluster) readPools(ctx context.Context, kube client.Reader) error {
	var list karpv1.NodePoolList
	if err := kube.List(ctx, &list); err != nil {
		return fmt.Errorf("listing nodepools, %w", err)
	}
	for i := range list.Items {
		if list.Items[i].DeletionTimestamp == nil {
			c.NodePools = append(c.NodePools, &list.Items[i])
		}
	}
	return nil
}

func (c *Cluster) readClasses(ctx context.Context, kube client.Reader) error {
	var list ec2v1.EC2NodeClassList
	if err := kube.List(ctx, &list); err != nil {
		return fmt.Errorf("listing ec2nodeclasses, %w", err)
	}
	for i := range list.Items {
		c.NodeClasses[list.Items[i].Name] = &list.Items[i]
	}
	return nil
}

func (c *Cluster) readRequests(ctx context.Context, kube client.Reader) error {
	var list tailorv1alpha1.CapacityRequestList
	if err := kube.List(ctx, &list); err != nil {
		return fmt.Errorf("listing capacity requests, %w", err)
	}
	for i := range list.Items {
		c.Requests = append(c.Requests, &list.Items[i])
	}
	return nil
}

func (c *Cluster) readClaims(ctx context.Context, kube client.Reader) error {
	var list karpv1.NodeClaimList
	if err := kube.List(ctx, &list); err != nil {
		return fmt.Errorf("listing nodeclaims, %w", err)
	}
	for i := range list.Items {
		c.Claims = append(c.Claims, &list.Items[i])
	}
	return nil
}

func (c *Cluster) readDaemonSets(ctx context.Context, kube client.Reader) error {
	var list appsv1.DaemonSetList
	if err := kube.List(ctx, &list); err != nil {
		return fmt.Errorf("listing daemonsets, %w", err)
	}
	for i := range list.Items {
		c.DaemonSetPods = append(c.DaemonSetPods, planner.DaemonSetPod(&list.Items[i]))
	}
	return nil
}

// PodsOn returns the bound pods by node name.
func (c *Cluster) PodsOn() map[string][]*corev1.Pod {
	out := map[string][]*corev1.Pod{}
	for _, p := range c.Pods {
		if p.Spec.NodeName != "" {
			out[p.Spec.NodeName] = append(out[p.Spec.NodeName], p)
		}
	}
	return out
}

// Pending returns the pods the Provisioner of profile schedulerName plans for:
// unbound, not finished, not held by a scheduling gate, in namespace ("": any).
func (c *Cluster) Pending(namespace, schedulerName string) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range c.Pods {
		if p.Spec.NodeName != "" || p.Spec.SchedulerName != schedulerName || len(p.Spec.SchedulingGates) > 0 ||
			p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		if namespace == "" || p.Namespace == namespace {
			out = append(out, p)
		}
	}
	return out
}

// NodePool returns the NodePool named name, or nil.
func (c *Cluster) NodePool(name string) *karpv1.NodePool {
	for _, np := range c.NodePools {
		if np.Name == name {
			return np
		}
	}
	return nil
}

// NodesWithPods are the cluster's nodes with their bound pods, leaving out the
// pod skip (nil: none), as the planner's Input and a Judge take them.
func (c *Cluster) NodesWithPods(skip *corev1.Pod) []planner.NodeWithPods {
	podsOn := c.PodsOn()
	out := make([]planner.NodeWithPods, 0, len(c.Nodes))
	for _, node := range c.Nodes {
		n := planner.NodeWithPods{Node: node}
		for _, p := range podsOn[node.Name] {
			if skip == nil || p.UID != skip.UID {
				n.Pods = append(n.Pods, p)
			}
		}
		out = append(out, n)
	}
	return out
}
