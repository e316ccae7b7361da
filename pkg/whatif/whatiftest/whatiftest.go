// Package whatiftest builds the objects of a small simulated cluster for the
// tests of the what-if commands: instance types and their published catalog,
// NodePools, nodes launched for capacity requests, pods; and a fake API
// holding them.
package whatiftest

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/tailor-sh/tailor/pkg/apis"
	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/catalog"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// NodeClass is the EC2NodeClass every NodePool of these tests names.
const NodeClass = "default"

// Zones are where every type is offered.
var Zones = []string{"test-1a", "test-1b"}

// InstanceType is a type of cpu cores and memory GiB for arch, offered on
// demand at price in every zone, with 1 GiB of memory kept for the system.
func InstanceType(name, arch string, cpu, memoryGi int64, price float64) *cloudprovider.InstanceType {
	var offerings cloudprovider.Offerings
	for _, z := range Zones {
		offerings = append(offerings, cloudprovider.Offering{Zone: z, CapacityType: wellknown.CapacityTypeOnDemand, PricePerHour: price, Available: true})
	}
	return &cloudprovider.InstanceType{
		Name: name,
		Requirements: scheduling.NewLabelRequirements(map[string]string{
			corev1.LabelInstanceTypeStable: name, corev1.LabelArchStable: arch, corev1.LabelOSStable: "linux",
		}),
		Offerings: offerings,
		Capacity: corev1.ResourceList{
			corev1.ResourceCPU: *resource.NewQuantity(cpu, resource.DecimalSI), corev1.ResourceMemory: gi(memoryGi),
			corev1.ResourcePods: *resource.NewQuantity(110, resource.DecimalSI),
		},
		Overhead: cloudprovider.Overhead{KubeReserved: corev1.ResourceList{corev1.ResourceMemory: gi(1)}},
	}
}

// Types are four types, cheapest first: small, medium and large amd64, and
// an arm64 one cheaper than large.
func Types() []*cloudprovider.InstanceType {
	return []*cloudprovider.InstanceType{
		InstanceType("t.small", "amd64", 1, 2, 0.01),
		InstanceType("t.medium", "amd64", 2, 4, 0.02),
		InstanceType("a.large", "arm64", 4, 8, 0.03),
		InstanceType("t.large", "amd64", 4, 8, 0.04),
	}
}

// Catalog is the catalog the launcher publishes for types.
func Catalog(types []*cloudprovider.InstanceType) []client.Object {
	var out []client.Object
	for _, obj := range catalog.Objects(NodeClass, types) {
		out = append(out, obj)
	}
	return out
}

// NodePool is a NodePool of the test node class, with no requirements.
func NodePool(name string) *karpv1.NodePool {
	return &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: NodeClass},
		}}},
	}
}

// Class is the test node class, Ready.
func Class() *ec2v1.EC2NodeClass {
	return &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: NodeClass},
		Status:     ec2v1.EC2NodeClassStatus{Conditions: []metav1.Condition{{Type: karpv1.ConditionTypeReady, Status: metav1.ConditionTrue, Reason: "Ready"}}},
	}
}

// Pod is a pending pod of the default scheduler requesting cpu and memory.
func Pod(namespace, name, cpu, memory string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID(namespace + "-" + name), Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			SchedulerName: corev1.DefaultSchedulerName,
			Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory),
			}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

// On binds pod to node.
func On(pod *corev1.Pod, node string) *corev1.Pod {
	pod.Spec.NodeName = node
	pod.Status.Phase = corev1.PodRunning
	return pod
}

// Launched is what the launcher leaves for a node of it launched from np for
// request (in zone, on demand, priced as the catalog says): the request
// planned for pods, its NodeClaim and the initialized Node.
func Launched(np *karpv1.NodePool, request string, it *cloudprovider.InstanceType, zone string, pods ...*corev1.Pod) []client.Object {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-" + request, Labels: map[string]string{
			wellknown.NodePoolLabelKey: np.Name, tailorv1alpha1.CapacityRequestLabelKey: request,
			corev1.LabelInstanceTypeStable: it.Name, corev1.LabelTopologyZone: zone, corev1.LabelHostname: "node-" + request,
			wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeOnDemand, wellknown.NodeInitializedLabelKey: "true",
		}},
		Spec:   corev1.NodeSpec{ProviderID: "aws:///" + zone + "/i-" + request},
		Status: corev1.NodeStatus{Capacity: it.Capacity, Allocatable: it.Allocatable(), Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
	}
	claim := &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: request, Labels: map[string]string{wellknown.NodePoolLabelKey: np.Name, tailorv1alpha1.CapacityRequestLabelKey: request},
			Annotations: map[string]string{tailorv1alpha1.PricePerHourAnnotationKey: fmt.Sprint(it.Offerings[0].PricePerHour)}},
		Status: karpv1.NodeClaimStatus{NodeName: node.Name, ProviderID: node.Spec.ProviderID},
	}
	return []client.Object{Request(np, request, it, pods...), claim, node}
}

// Request is a capacity request of np for pods, it the cheapest type.
func Request(np *karpv1.NodePool, name string, it *cloudprovider.InstanceType, pods ...*corev1.Pod) *tailorv1alpha1.CapacityRequest {
	r := &tailorv1alpha1.CapacityRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Spec:       tailorv1alpha1.CapacityRequestSpec{NodePool: np.Name, InstanceTypes: []string{it.Name}},
		Status:     tailorv1alpha1.CapacityRequestStatus{NodeClaim: name},
	}
	for _, p := range pods {
		r.Spec.Pods = append(r.Spec.Pods, tailorv1alpha1.PodReference{Namespace: p.Namespace, Name: p.Name, UID: p.UID})
	}
	return r
}

// Failed marks r failed by the launcher, for why.
func Failed(r *tailorv1alpha1.CapacityRequest, why string) *tailorv1alpha1.CapacityRequest {
	r.Status.Conditions = []metav1.Condition{{Type: tailorv1alpha1.ConditionTypeLaunched, Status: metav1.ConditionFalse, Reason: tailorv1alpha1.ReasonLaunchFailed, Message: why}}
	return r
}

// Client is a fake API holding objs.
func Client(t testing.TB, objs ...client.Object) client.Client {
	t.Helper()
	return fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(objs...).
		WithStatusSubresource(&tailorv1alpha1.CapacityRequest{}, &karpv1.NodeClaim{}, &ec2v1.EC2NodeClass{}).Build()
}

func gi(n int64) resource.Quantity { return *resource.NewQuantity(n<<30, resource.BinarySI) }
