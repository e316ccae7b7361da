package status

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tailor-sh/tailor/pkg/apis"
	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	awsprovider "github.com/tailor-sh/tailor/pkg/providers/aws"
	"github.com/tailor-sh/tailor/pkg/providers/aws/awstest"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
)

const cluster = "sim-cluster"

// env is a controller over a fake API server and the AWS provider over the EC2
// simulator, the same instance types the launcher would see.
type env struct {
	kube       client.Client
	controller *Controller
}

// setup starts the simulator and the controller with objs stored. discover=false
// leaves instance types undiscovered, as in the first seconds of a launcher.
func setup(t *testing.T, discover bool, objs ...client.Object) *env {
	t.Helper()
	sim, clients := awstest.Start(t, ec2sim.Options{ClusterName: cluster})
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).
		WithStatusSubresource(&karpv1.NodePool{}, &karpv1.NodeClaim{}, &ec2v1.EC2NodeClass{}).
		WithObjects(objs...).Build()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	provider, err := awsprovider.New(ctx, kube, awsprovider.Clients{EC2: clients.EC2, SSM: clients.SSM, Pricing: clients.Pricing, IAM: clients.IAM},
		settings.Settings{ClusterName: cluster, Region: sim.Region(), ClusterEndpoint: "https://api.sim.local", ClusterCABundle: "Q0EK", ClusterDNS: "10.100.0.10"})
	if err != nil {
		t.Fatalf("building provider: %v", err)
	}
	if discover {
		if err := provider.Refresh(ctx); err != nil {
			t.Fatalf("discovering instance types: %v", err)
		}
	}
	return &env{kube: kube, controller: NewController(kube, provider)}
}

// expectReconciled reconciles the NodePool and returns it as stored afterwards.
func (e *env) expectReconciled(t *testing.T, name string) *karpv1.NodePool {
	t.Helper()
	ctx := context.Background()
	if _, err := e.controller.Reconcile(ctx, reconcile.Request{NamespacedName: types.NamespacedName{Name: name}}); err != nil {
		t.Fatalf("reconciling nodepool %s: %v", name, err)
	}
	np := &karpv1.NodePool{}
	if err := e.kube.Get(ctx, client.ObjectKey{Name: name}, np); err != nil {
		t.Fatalf("getting nodepool %s: %v", name, err)
	}
	return np
}

// expectCondition checks a condition's status and that its message holds each of
// wantInMessage.
func expectCondition(t *testing.T, np *karpv1.NodePool, condType string, want metav1.ConditionStatus, wantInMessage ...string) {
	t.Helper()
	c := meta.FindStatusCondition(np.Status.Conditions, condType)
	if c == nil {
		t.Errorf("nodepool %s has no %s condition, want %s; conditions: %+v", np.Name, condType, want, np.Status.Conditions)
		return
	}
	if c.Status != want {
		t.Errorf("nodepool %s %s = %s (%s: %s), want %s", np.Name, condType, c.Status, c.Reason, c.Message, want)
	}
	if c.ObservedGeneration != np.Generation {
		t.Errorf("nodepool %s %s observed generation %d, want %d", np.Name, condType, c.ObservedGeneration, np.Generation)
	}
	for _, s := range wantInMessage {
		if !strings.Contains(c.Message, s) {
			t.Errorf("nodepool %s %s message = %q, want it to contain %q", np.Name, condType, c.Message, s)
		}
	}
}

func nodePool(name, nodeClass string, reqs ...karpv1.NodeSelectorRequirementWithMinValues) *karpv1.NodePool {
	return &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 3},
		Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
			Requirements: reqs,
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: nodeClass},
		}}},
	}
}

// readyNodeClass is an EC2NodeClass whose selectors resolved, as the
// nodeclass.status controller leaves it.
func readyNodeClass(name string) *ec2v1.EC2NodeClass {
	nc := notReadyNodeClass(name, "")
	nc.Status.Conditions[0].Status, nc.Status.Conditions[0].Reason = metav1.ConditionTrue, "Ready"
	return nc
}

func notReadyNodeClass(name, message string) *ec2v1.EC2NodeClass {
	return &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), Generation: 2},
		Spec: ec2v1.EC2NodeClassSpec{
			Role:                       "KarpenterNodeRole-" + cluster,
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": cluster}}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": cluster}}},
		},
		Status: ec2v1.EC2NodeClassStatus{Conditions: []metav1.Condition{{
			Type: ec2v1.ConditionTypeReady, Status: metav1.ConditionFalse, Reason: "NotReady", Message: message,
			LastTransitionTime: metav1.Now(), ObservedGeneration: 2,
		}}},
	}
}

// claim is a NodeClaim of pool whose instance has the given capacity.
func claim(name, pool, cpu, memory string) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{wellknown.NodePoolLabelKey: pool}},
		Spec:       karpv1.NodeClaimSpec{NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"}},
		Status: karpv1.NodeClaimStatus{Capacity: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory),
		}},
	}
}

func in(key string, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}
}
