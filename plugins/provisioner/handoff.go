package provisioner

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/planner"
)

// Event reasons on pods.
const (
	ReasonWaiting     = "WaitingForCapacity"
	ReasonUnplaceable = "NoNodePoolFits"
	ReasonFailed      = "CapacityRequestFailed"
	eventAction       = "Provision"
)

// handOff creates a CapacityRequest per new node (at most maxNewNodesPerBatch; the
// pods of the others join the next batch), records which pods wait for what, and
// tells each pod in an event. It returns the errors of the requests it could not
// create.
func (p *Provisioner) handOff(ctx context.Context, in *batchInput, plan planner.Plan) error {
	var errs []error
	nodes := plan.NewNodes
	if len(nodes) > int(p.args.MaxNewNodesPerBatch) {
		for _, node := range nodes[p.args.MaxNewNodesPerBatch:] {
			for _, pod := range node.Pods {
				p.window.add(pod)
			}
		}
		nodes = nodes[:p.args.MaxNewNodesPerBatch]
	}
	observeHandedOff(nodes)
	// Every planned pod waits for its request before any request is written: the
	// Filter keeps a waiting pod off other requests' nodes, and writing a hundred
	// requests takes long enough for a pod to land in spare room elsewhere and
	// leave its own node empty.
	for _, node := range nodes {
		p.flight.assign(planner.CapacityRequest(node).Name, node.Pods)
	}
	for _, node := range nodes {
		errs = append(errs, p.request(ctx, node))
	}
	for name, pods := range plan.InFlight {
		p.flight.assign(name, pods)
		for _, pod := range pods {
			p.recorder.Eventf(pod, nil, corev1.EventTypeNormal, ReasonWaiting, eventAction,
				"Waiting for the node of capacity request %s, already in flight", name)
		}
	}
	for _, u := range plan.Unplaced {
		unplaceablePods.WithLabelValues(reasonClass(u.Reason)).Inc()
		reason := u.Reason
		for _, why := range in.missing {
			reason += "; " + why
		}
		p.recorder.Eventf(u.Pod, nil, corev1.EventTypeWarning, ReasonUnplaceable, eventAction,
			"No NodePool can run the pod: %s", reason)
		if !p.parked.add(u.Pod, in.generation) {
			p.activate(klog.FromContext(ctx), map[string]*corev1.Pod{u.Pod.Namespace + "/" + u.Pod.Name: u.Pod})
		}
	}
	return errors.Join(errs...)
}

// request creates the CapacityRequest for node. Its name is derived from its
// content, so creating it again (after a timeout, a retried batch, a restart)
// finds the existing object instead of requesting a second node.
func (p *Provisioner) request(ctx context.Context, node *planner.Node) error {
	obj := planner.CapacityRequest(node)
	err := p.writer.Create(ctx, obj)
	if err == nil {
		requestsCreated.WithLabelValues(node.NodePool).Inc()
	}
	if apierrors.IsAlreadyExists(err) {
		existing := &tailorv1alpha1.CapacityRequest{}
		if err = p.writer.Get(ctx, nameOf(obj), existing); err == nil && failed(existing) {
			// The pods stay assigned: they are retried when the launcher removes it.
			for _, pod := range node.Pods {
				p.recorder.Eventf(pod, nil, corev1.EventTypeWarning, ReasonFailed, eventAction,
					"Capacity request %s failed: %s; it is planned again once the launcher removes it", obj.Name, failure(existing))
			}
			return nil
		}
	}
	if err != nil {
		p.unassign(node)
		return fmt.Errorf("creating capacity request %s, %w", obj.Name, err)
	}
	note := describe(node)
	for _, pod := range node.Pods {
		p.recorder.Eventf(pod, nil, corev1.EventTypeNormal, ReasonWaiting, eventAction,
			"Waiting for capacity request %s: %s", obj.Name, note)
	}
	return nil
}

// unassign forgets that node's pods wait for its request, which was not written.
func (p *Provisioner) unassign(node *planner.Node) {
	for _, pod := range node.Pods {
		p.flight.podGone(pod.UID)
	}
}

// describe says what the node will most likely be: the cheapest type, its zone,
// capacity type and price, and how many types fit.
func describe(node *planner.Node) string {
	cheapest := node.InstanceTypes[0]
	offering, ok := likelyOffering(node)
	if !ok {
		return fmt.Sprintf("%s (%d instance types fit)", cheapest.Name, len(node.InstanceTypes))
	}
	return fmt.Sprintf("%s in %s, %s, $%.4f/h (%d instance types fit, cheapest first)",
		cheapest.Name, offering.Zone, offering.CapacityType, offering.PricePerHour, len(node.InstanceTypes))
}

func failed(r *tailorv1alpha1.CapacityRequest) bool { return failure(r) != "" }

// failure is why the launcher gave up on r, or "".
func failure(r *tailorv1alpha1.CapacityRequest) string {
	for _, c := range r.Status.Conditions {
		if c.Type == tailorv1alpha1.ConditionTypeLaunched && c.Status == metav1.ConditionFalse && c.Reason == tailorv1alpha1.ReasonLaunchFailed {
			if c.Message == "" {
				return c.Reason
			}
			return c.Message
		}
	}
	return ""
}

func nameOf(obj *tailorv1alpha1.CapacityRequest) client.ObjectKey {
	return client.ObjectKeyFromObject(obj)
}
