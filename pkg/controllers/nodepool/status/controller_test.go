package status

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tailor-sh/tailor/pkg/apis"
	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

type want struct {
	status  metav1.ConditionStatus
	reason  string
	message string
}

func TestConditionsSayWhatToFix(t *testing.T) {
	notFound := `spec.template.spec.nodeClassRef.name: EC2NodeClass "missing" not found; create it or point the NodePool at an existing one`
	notOffered := `spec.template.spec.requirements[1].values: instance type "x9.huge" is not offered by EC2NodeClass default; known types include `
	wrongKind := func() *karpv1.NodePool {
		np := nodePool("default", "default")
		np.Spec.Template.Spec.NodeClassRef.Group, np.Spec.Template.Spec.NodeClassRef.Kind = "example.com", "FooNodeClass"
		return np
	}
	for _, tc := range []struct {
		name string
		objs []client.Object
		want map[string]want
	}{{
		name: "missing node class",
		objs: []client.Object{nodePool("default", "missing")},
		want: map[string]want{
			karpv1.ConditionTypeNodeClassReady:      {metav1.ConditionFalse, ReasonNodeClassNotFound, notFound},
			karpv1.ConditionTypeValidationSucceeded: {metav1.ConditionUnknown, ReasonAwaitingNodeClass, ""},
			karpv1.ConditionTypeReady:               {metav1.ConditionFalse, ReasonNodeClassNotFound, notFound},
		},
	}, {
		name: "reference to another kind",
		objs: []client.Object{wrongKind(), readyNodeClass("default")},
		want: map[string]want{
			karpv1.ConditionTypeNodeClassReady: {metav1.ConditionFalse, ReasonNodeClassNotFound,
				`spec.template.spec.nodeClassRef: example.com/FooNodeClass "default" is not an EC2NodeClass; set group karpenter.k8s.aws and kind EC2NodeClass`},
			karpv1.ConditionTypeReady: {metav1.ConditionFalse, ReasonNodeClassNotFound, "is not an EC2NodeClass"},
		},
	}, {
		name: "node class not ready",
		objs: []client.Object{nodePool("default", "default"), notReadyNodeClass("default", "spec.subnetSelectorTerms: no subnet matches")},
		want: map[string]want{
			karpv1.ConditionTypeNodeClassReady: {metav1.ConditionFalse, ReasonNodeClassNotReady,
				`spec.template.spec.nodeClassRef.name: EC2NodeClass "default" is not ready: spec.subnetSelectorTerms: no subnet matches`},
			karpv1.ConditionTypeValidationSucceeded: {metav1.ConditionUnknown, ReasonAwaitingNodeClass, ""},
			karpv1.ConditionTypeReady:               {metav1.ConditionFalse, ReasonNodeClassNotReady, "spec.subnetSelectorTerms: no subnet matches"},
		},
	}, {
		name: "unknown instance type",
		objs: []client.Object{readyNodeClass("default"), nodePool("default", "default",
			in(wellknown.CapacityTypeLabelKey, wellknown.CapacityTypeOnDemand),
			in(wellknown.InstanceTypeLabelKey, "m5.large", "x9.huge"))},
		want: map[string]want{
			karpv1.ConditionTypeNodeClassReady:      {metav1.ConditionTrue, ReasonNodeClassReady, ""},
			karpv1.ConditionTypeValidationSucceeded: {metav1.ConditionFalse, ReasonInstanceTypeNotOffered, notOffered},
			karpv1.ConditionTypeReady:               {metav1.ConditionFalse, ReasonInstanceTypeNotOffered, notOffered},
		},
	}, {
		name: "no instance type satisfies the requirements",
		objs: []client.Object{readyNodeClass("default"), nodePool("default", "default",
			in(wellknown.InstanceFamilyLabelKey, "m5"), in(wellknown.ArchLabelKey, wellknown.ArchARM64))},
		want: map[string]want{
			karpv1.ConditionTypeValidationSucceeded: {metav1.ConditionFalse, ReasonNoInstanceTypeSatisfies,
				"spec.template.spec.requirements: no instance type of EC2NodeClass default satisfies requirements"},
			karpv1.ConditionTypeReady: {metav1.ConditionFalse, ReasonNoInstanceTypeSatisfies, "widen them"},
		},
	}, {
		name: "ready",
		objs: []client.Object{readyNodeClass("default"), nodePool("default", "default",
			in(wellknown.InstanceCategoryLabelKey, "c", "m", "r"), in(wellknown.InstanceTypeLabelKey, "m5.large", "c5.xlarge"))},
		want: map[string]want{
			karpv1.ConditionTypeNodeClassReady:      {metav1.ConditionTrue, ReasonNodeClassReady, ""},
			karpv1.ConditionTypeValidationSucceeded: {metav1.ConditionTrue, ReasonValidated, ""},
			karpv1.ConditionTypeReady:               {metav1.ConditionTrue, ReasonReady, ""},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			np := setup(t, true, tc.objs...).expectReconciled(t, "default")
			for condType, w := range tc.want {
				expectCondition(t, np, condType, w.status, w.message)
				if c := meta.FindStatusCondition(np.Status.Conditions, condType); c != nil && c.Reason != w.reason {
					t.Errorf("%s reason = %s, want %s", condType, c.Reason, w.reason)
				}
			}
		})
	}
}

func TestResourcesSumTheNodePoolsClaims(t *testing.T) {
	e := setup(t, true, readyNodeClass("default"), nodePool("default", "default"), nodePool("empty", "default"),
		claim("default-a", "default", "2", "8Gi"), claim("default-b", "default", "4", "16Gi"), claim("other-a", "other", "8", "32Gi"))
	for pool, wantResources := range map[string]corev1.ResourceList{
		"default": {corev1.ResourceCPU: resource.MustParse("6"), corev1.ResourceMemory: resource.MustParse("24Gi"), "nodes": resource.MustParse("2")},
		"empty":   {"nodes": resource.MustParse("0")},
	} {
		got := e.expectReconciled(t, pool).Status.Resources
		if len(got) != len(wantResources) {
			t.Errorf("nodepool %s resources = %v, want %v", pool, got, wantResources)
		}
		for name, q := range wantResources {
			if have := got[name]; have.Cmp(q) != 0 {
				t.Errorf("nodepool %s resources[%s] = %s, want %s", pool, name, have.String(), q.String())
			}
		}
	}
}

// Until instance types are discovered, a NodePool's requirements cannot be
// checked: that is not a validation failure, and an earlier verdict stands.
func TestUndiscoveredInstanceTypesKeepValidation(t *testing.T) {
	validated := nodePool("validated", "default")
	validated.Status.Conditions = []metav1.Condition{{Type: karpv1.ConditionTypeValidationSucceeded, Status: metav1.ConditionTrue,
		Reason: ReasonValidated, LastTransitionTime: metav1.Now(), ObservedGeneration: validated.Generation}}
	e := setup(t, false, readyNodeClass("default"), validated, nodePool("fresh", "default"))

	result, err := e.controller.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: "fresh"}})
	if err != nil || result.RequeueAfter != typesRetry {
		t.Errorf("Reconcile = %+v, %v; want a retry after %s", result, err, typesRetry)
	}
	fresh := e.expectReconciled(t, "fresh")
	expectCondition(t, fresh, karpv1.ConditionTypeValidationSucceeded, metav1.ConditionUnknown, "instance types and their offerings are not discovered yet")
	expectCondition(t, fresh, karpv1.ConditionTypeReady, metav1.ConditionFalse)
	expectCondition(t, e.expectReconciled(t, "validated"), karpv1.ConditionTypeValidationSucceeded, metav1.ConditionTrue)
}

// LimitsReached belongs to the capacity-request controller, which may write it
// between this controller's read and its patch: the patch then conflicts, is
// retried, and neither condition is lost.
func TestOtherControllersConditionsSurvive(t *testing.T) {
	limits := metav1.Condition{Type: tailorv1alpha1.ConditionTypeLimitsReached, Status: metav1.ConditionTrue, Reason: "LimitsReached",
		Message: "cpu 100 of 100", LastTransitionTime: metav1.Now(), ObservedGeneration: 3}
	var kube client.Client
	wroteLimits := false
	kube = fake.NewClientBuilder().WithScheme(apis.NewScheme()).
		WithStatusSubresource(&karpv1.NodePool{}, &karpv1.NodeClaim{}, &ec2v1.EC2NodeClass{}).
		WithObjects(nodePool("default", "missing")).
		WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			if !wroteLimits {
				wroteLimits = true
				other := &karpv1.NodePool{}
				if err := c.Get(ctx, client.ObjectKeyFromObject(obj), other); err != nil {
					return err
				}
				stored := other.DeepCopy()
				meta.SetStatusCondition(&other.Status.Conditions, limits)
				if err := c.Status().Patch(ctx, other, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
					return err
				}
			}
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		}}).Build()
	e := &env{kube: kube, controller: NewController(kube, nil)}

	result, err := e.controller.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: "default"}})
	if err != nil || result.RequeueAfter != conflictRetry {
		t.Fatalf("Reconcile after a concurrent write = %+v, %v; want a retry after %s", result, err, conflictRetry)
	}
	np := e.expectReconciled(t, "default")
	expectCondition(t, np, karpv1.ConditionTypeNodeClassReady, metav1.ConditionFalse, `"missing" not found`)
	expectCondition(t, np, tailorv1alpha1.ConditionTypeLimitsReached, metav1.ConditionTrue, "cpu 100 of 100")
}

func TestUnchangedStatusIsNotWritten(t *testing.T) {
	e := setup(t, true, readyNodeClass("default"), nodePool("default", "default"), claim("default-a", "default", "2", "8Gi"))
	first := e.expectReconciled(t, "default")
	second := e.expectReconciled(t, "default")
	if first.ResourceVersion != second.ResourceVersion {
		t.Errorf("a second reconcile of an unchanged NodePool wrote it (resource version %s -> %s)", first.ResourceVersion, second.ResourceVersion)
	}
}

// A node class that turns ready requeues the NodePools that use it, which turn
// ready too.
func TestNodeClassChangesReachItsNodePools(t *testing.T) {
	e := setup(t, true, notReadyNodeClass("default", "resolving"), nodePool("a", "default"), nodePool("b", "other"))
	expectCondition(t, e.expectReconciled(t, "a"), karpv1.ConditionTypeReady, metav1.ConditionFalse, "resolving")

	got := e.controller.nodePoolsOfNodeClass(context.Background(), readyNodeClass("default"))
	if len(got) != 1 || got[0].Name != "a" {
		t.Fatalf("an EC2NodeClass event for default requeues %v, want [a]", got)
	}
	if err := e.kube.Status().Update(context.Background(), readyNodeClassStored(t, e, "default")); err != nil {
		t.Fatalf("marking node class ready: %v", err)
	}
	expectCondition(t, e.expectReconciled(t, "a"), karpv1.ConditionTypeReady, metav1.ConditionTrue)

	if got := nodePoolOfClaim(context.Background(), claim("a-1", "a", "1", "1Gi")); len(got) != 1 || got[0].Name != "a" {
		t.Errorf("a NodeClaim event of pool a requeues %v, want [a]", got)
	}
}

func readyNodeClassStored(t *testing.T, e *env, name string) *ec2v1.EC2NodeClass {
	t.Helper()
	nc := &ec2v1.EC2NodeClass{}
	if err := e.kube.Get(context.Background(), client.ObjectKey{Name: name}, nc); err != nil {
		t.Fatalf("getting ec2nodeclass %s: %v", name, err)
	}
	nc.Status = readyNodeClass(name).Status
	return nc
}
