// Package whatif asks what the autoscaler would do with a live cluster,
// without writing to it. It reads the cluster as the Provisioner reads it
// (Read, then Round: the planner's input for a batch), builds simulation
// frameworks from a scheduler profile as the Provisioner does (Fit), and judges
// pods on real or virtual nodes with the profile's PreFilter and Filter
// plugins (Judge). FreshInput plans a cluster's workload as if no node
// existed: the cost a fresh plan would reach, which consolidation is measured
// against (the demo and the disruption suite print both).
package whatif

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/catalog"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/controllers/disruption"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
)

// FreshInput is the planner's input for every workload pod in namespace ("":
// all) planned anew: bound or not, without its node; the NodePools with the
// instance types the launcher published for their node class; one pod per
// DaemonSet. Limits are left out: a fresh cluster has used none.
func FreshInput(ctx context.Context, kube client.Reader, namespace string) (planner.Input, error) {
	var in planner.Input
	var pods corev1.PodList
	if err := kube.List(ctx, &pods, client.InNamespace(namespace)); err != nil {
		return in, fmt.Errorf("listing pods, %w", err)
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if !disruption.IsWorkload(p) {
			continue
		}
		fresh := &corev1.Pod{ObjectMeta: *p.ObjectMeta.DeepCopy(), Spec: *p.Spec.DeepCopy()}
		fresh.Spec.NodeName = ""
		in.Pods = append(in.Pods, fresh)
	}
	types, err := publishedTypes(ctx, kube)
	if err != nil {
		return in, err
	}
	var pools karpv1.NodePoolList
	if err := kube.List(ctx, &pools); err != nil {
		return in, fmt.Errorf("listing nodepools, %w", err)
	}
	for i := range pools.Items {
		np := &pools.Items[i]
		if np.DeletionTimestamp != nil || np.Spec.Template.Spec.NodeClassRef == nil {
			continue
		}
		in.NodePools = append(in.NodePools, planner.NodePoolInput{NodePool: np, InstanceTypes: types[np.Spec.Template.Spec.NodeClassRef.Name]})
	}
	var sets appsv1.DaemonSetList
	if err := kube.List(ctx, &sets); err != nil {
		return in, fmt.Errorf("listing daemonsets, %w", err)
	}
	for i := range sets.Items {
		in.DaemonSetPods = append(in.DaemonSetPods, planner.DaemonSetPod(&sets.Items[i]))
	}
	return in, nil
}

// Cost is what a plan's new nodes cost per hour, each at its cheapest allowed
// offering.
func Cost(plan planner.Plan) float64 {
	total := 0.0
	for _, n := range plan.NewNodes {
		if _, o, ok := planio.Cheapest(n); ok {
			total += o.PricePerHour
		}
	}
	return total
}

// publishedTypes are the instance types of each node class, from the
// catalogs the launcher publishes.
func publishedTypes(ctx context.Context, kube client.Reader) (map[string][]*cloudprovider.InstanceType, error) {
	var list tailorv1alpha1.InstanceTypeCatalogList
	if err := kube.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("listing instance type catalogs, %w", err)
	}
	out := map[string][]*cloudprovider.InstanceType{}
	for i := range list.Items {
		types, err := catalog.InstanceTypes(list.Items[i].Spec.InstanceTypes)
		if err != nil {
			return nil, fmt.Errorf("instance type catalog %s, %w", list.Items[i].Name, err)
		}
		out[list.Items[i].Spec.NodeClass] = append(out[list.Items[i].Spec.NodeClass], types...)
	}
	return out, nil
}
