package provisioner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/tailor-sh/tailor/pkg/apis"
	tailorconfig "github.com/tailor-sh/tailor/pkg/apis/config"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/planner"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// handOffTo returns a plugin whose API writes go through c, and the events it
// records.
func handOffTo(c client.Client) (*Provisioner, *events.FakeRecorder) {
	recorder := events.NewFakeRecorder(100)
	return &Provisioner{
		args: tailorconfig.ProvisionerArgs{MaxNewNodesPerBatch: 10},
		window: newWindow(&tailorconfig.ProvisionerArgs{
			BatchIdleDuration: metav1.Duration{Duration: time.Second}, BatchMaxDuration: metav1.Duration{Duration: 10 * time.Second},
			MaxPodsPerBatch: 1000,
		}),
		writer: c, recorder: recorder, flight: newFlight(), parked: newParked(), now: time.Now,
	}, recorder
}

func plannedNode() *planner.Node {
	it := &cloudprovider.InstanceType{
		Name:      "m6i.large",
		Offerings: cloudprovider.Offerings{{Zone: "us-west-2a", CapacityType: "on-demand", PricePerHour: 0.096, Available: true}},
		Capacity:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi")},
	}
	return &planner.Node{
		NodePool: "general", Requirements: scheduling.NewRequirements(),
		InstanceTypes: []*cloudprovider.InstanceType{it}, Pods: []*corev1.Pod{benchPod(1), benchPod(2)},
	}
}

func TestHandOffErrorLeavesPodsUnassignedAndReported(t *testing.T) {
	c := fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithInterceptorFuncs(interceptor.Funcs{
		Create: func(context.Context, client.WithWatch, client.Object, ...client.CreateOption) error {
			return errors.New("etcdserver: request timed out")
		},
	}).Build()
	p, recorder := handOffTo(c)
	node := plannedNode()
	err := p.handOff(context.Background(), &batchInput{}, planner.Plan{NewNodes: []*planner.Node{node}})
	if err == nil || !strings.Contains(err.Error(), "request timed out") {
		t.Fatalf("handOff error = %v, want the API error, so that the batch loop backs off", err)
	}
	for _, pod := range node.Pods {
		if request, waits := p.flight.waitsFor(pod.UID, time.Now()); waits {
			t.Errorf("pod %s waits for %s, which was never created", pod.Name, request)
		}
	}
	if len(recorder.Events) != 0 {
		t.Errorf("pods were told they wait for a request that does not exist: %s", <-recorder.Events)
	}
}

func TestHandOffTwiceCreatesOneRequest(t *testing.T) {
	c := fake.NewClientBuilder().WithScheme(apis.NewScheme()).Build()
	p, _ := handOffTo(c)
	ctx := context.Background()
	for range 2 { // a retried batch, or a restarted scheduler, plans the same node
		if err := p.handOff(ctx, &batchInput{}, planner.Plan{NewNodes: []*planner.Node{plannedNode()}}); err != nil {
			t.Fatalf("handOff: %v", err)
		}
	}
	var requests tailorv1alpha1.CapacityRequestList
	if err := c.List(ctx, &requests); err != nil {
		t.Fatal(err)
	}
	if len(requests.Items) != 1 {
		t.Fatalf("%d capacity requests, want 1", len(requests.Items))
	}
	if request, waits := p.flight.waitsFor(benchPod(1).UID, time.Now()); !waits || request != requests.Items[0].Name {
		t.Errorf("pod waits for %q (%v), want %s", request, waits, requests.Items[0].Name)
	}
}
