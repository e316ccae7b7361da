package lifecycle

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tailor-sh/tailor/pkg/apis"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/claims"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/controllers/indexes"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// fakeCloud lists the instances it is given and counts launches.
type fakeCloud struct {
	listed   []*karpv1.NodeClaim
	launches int
}

func (f *fakeCloud) Create(_ context.Context, claim *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	f.launches++
	out := claim.DeepCopy()
	out.Status.ProviderID = "aws:///us-west-2a/i-new"
	out.Labels[corev1.LabelInstanceTypeStable] = "m5.large"
	out.Labels[corev1.LabelTopologyZone] = "us-west-2a"
	out.Labels[wellknown.CapacityTypeLabelKey] = "on-demand"
	return out, nil
}
func (f *fakeCloud) Delete(context.Context, *karpv1.NodeClaim) error        { return nil }
func (f *fakeCloud) Get(context.Context, string) (*karpv1.NodeClaim, error) { return nil, nil }
func (f *fakeCloud) List(context.Context) ([]*karpv1.NodeClaim, error)      { return f.listed, nil }
func (f *fakeCloud) Name() string                                           { return "fake" }
func (f *fakeCloud) IsDrifted(context.Context, *karpv1.NodeClaim) (cloudprovider.DriftReason, error) {
	return "", nil
}
func (f *fakeCloud) GetInstanceTypes(context.Context, *karpv1.NodePool) ([]*cloudprovider.InstanceType, error) {
	return []*cloudprovider.InstanceType{{
		Name:         "m5.large",
		Requirements: scheduling.NewLabelRequirements(map[string]string{corev1.LabelInstanceTypeStable: "m5.large", corev1.LabelArchStable: "amd64"}),
		Capacity:     corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi")},
		Offerings:    cloudprovider.Offerings{{Zone: "us-west-2a", CapacityType: "on-demand", PricePerHour: 0.096, Available: true}},
	}}, nil
}

func unlaunchedClaim() *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "default-abc", Labels: map[string]string{wellknown.NodePoolLabelKey: "default"},
			CreationTimestamp: metav1.NewTime(time.Now())},
		Spec: karpv1.NodeClaimSpec{NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"}},
	}
}

func newKube() client.Client {
	return fake.NewClientBuilder().WithScheme(apis.NewScheme()).WithObjects(unlaunchedClaim(), &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: "default"}}).WithStatusSubresource(&karpv1.NodeClaim{}).
		WithIndex(&corev1.Node{}, indexes.NodeProviderID, func(o client.Object) []string { return []string{o.(*corev1.Node).Spec.ProviderID} }).
		Build()
}

func reconcileOnce(t *testing.T, c *Controller, kube client.Client) *karpv1.NodeClaim {
	t.Helper()
	if _, err := c.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: "default-abc"}}); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	got := &karpv1.NodeClaim{}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: "default-abc"}, got); err != nil {
		t.Fatal(err)
	}
	return got
}

// A launcher that stopped after launching but before writing the claim's status
// is succeeded by one that adopts the instance tagged with the claim's name.
func TestLaunchAdoptsTheInstanceOfAClaimLaunchedBeforeARestart(t *testing.T) {
	kube := newKube()
	cloud := &fakeCloud{listed: []*karpv1.NodeClaim{{
		ObjectMeta: metav1.ObjectMeta{Name: "default-abc", Labels: map[string]string{corev1.LabelInstanceTypeStable: "m5.large",
			corev1.LabelTopologyZone: "us-west-2a", wellknown.CapacityTypeLabelKey: "on-demand"}},
		Status: karpv1.NodeClaimStatus{ProviderID: "aws:///us-west-2a/i-before-restart"},
	}}}
	c := NewController(kube, cloud, record.NewFakeRecorder(10), clocktesting.NewFakeClock(time.Now()), Options{LaunchTTL: time.Minute, RegistrationTTL: time.Minute})
	got := reconcileOnce(t, c, kube)
	if cloud.launches != 0 {
		t.Errorf("%d instances launched, want the existing one adopted", cloud.launches)
	}
	if got.Status.ProviderID != "aws:///us-west-2a/i-before-restart" || !claims.IsTrue(got, karpv1.ConditionTypeLaunched) {
		t.Errorf("claim has providerID %q, Launched %v", got.Status.ProviderID, claims.IsTrue(got, karpv1.ConditionTypeLaunched))
	}
	if got.Status.Capacity.Cpu().String() != "2" || got.Labels[corev1.LabelArchStable] != "amd64" {
		t.Errorf("adopted claim lacks its type's capacity or labels: %v %v", got.Status.Capacity, got.Labels)
	}
}

// A claim with no instance anywhere is launched, once, even when it is
// reconciled again before its status reads back.
func TestLaunchCreatesOnce(t *testing.T) {
	kube := newKube()
	cloud := &fakeCloud{}
	c := NewController(kube, cloud, record.NewFakeRecorder(10), clocktesting.NewFakeClock(time.Now()), Options{LaunchTTL: time.Minute, RegistrationTTL: time.Minute})
	got := reconcileOnce(t, c, kube)
	if cloud.launches != 1 || got.Status.ProviderID != "aws:///us-west-2a/i-new" {
		t.Fatalf("launches %d, providerID %q", cloud.launches, got.Status.ProviderID)
	}
	if got.Annotations["tailor.sh/price-per-hour"] != "0.096" {
		t.Errorf("price annotation %q, want 0.096", got.Annotations["tailor.sh/price-per-hour"])
	}
	// The status write is lost (as when the launcher's write fails): the next
	// reconcile must reuse the launched instance, not launch another.
	lost := got.DeepCopy()
	lost.Status = karpv1.NodeClaimStatus{}
	if err := kube.Status().Update(context.Background(), lost); err != nil {
		t.Fatal(err)
	}
	got = reconcileOnce(t, c, kube)
	if cloud.launches != 1 || got.Status.ProviderID != "aws:///us-west-2a/i-new" {
		t.Errorf("after a lost status write: launches %d, providerID %q", cloud.launches, got.Status.ProviderID)
	}
}
