package status

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tailor-sh/tailor/pkg/apis"
	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	awsprovider "github.com/tailor-sh/tailor/pkg/providers/aws"
	"github.com/tailor-sh/tailor/pkg/providers/aws/awstest"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
)

const cluster = "sim-cluster"

// env is the controller over a fake API server and the AWS provider over the EC2
// simulator.
type env struct {
	kube       client.Client
	controller *Controller
}

func setup(t *testing.T, objs ...client.Object) *env {
	t.Helper()
	sim, clients := awstest.Start(t, ec2sim.Options{ClusterName: cluster})
	kube := fake.NewClientBuilder().WithScheme(apis.NewScheme()).
		WithStatusSubresource(&ec2v1.EC2NodeClass{}).WithObjects(objs...).Build()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	provider, err := awsprovider.New(ctx, kube, awsprovider.Clients{EC2: clients.EC2, SSM: clients.SSM, Pricing: clients.Pricing, IAM: clients.IAM},
		settings.Settings{ClusterName: cluster, Region: sim.Region(), ClusterEndpoint: "https://api.sim.local", ClusterCABundle: "Q0EK", ClusterDNS: "10.100.0.10"})
	if err != nil {
		t.Fatalf("building provider: %v", err)
	}
	return &env{kube: kube, controller: NewController(kube, provider)}
}

// expectReconciled reconciles the node class, expects a resync after
// resyncPeriod, and returns the node class as stored afterwards.
func (e *env) expectReconciled(t *testing.T, name string) *ec2v1.EC2NodeClass {
	t.Helper()
	ctx := context.Background()
	result, err := e.controller.Reconcile(ctx, reconcile.Request{NamespacedName: types.NamespacedName{Name: name}})
	if err != nil || result.RequeueAfter != resyncPeriod {
		t.Fatalf("reconciling ec2nodeclass %s = %+v, %v; want a resync after %s", name, result, err, resyncPeriod)
	}
	nc := &ec2v1.EC2NodeClass{}
	if err := e.kube.Get(ctx, client.ObjectKey{Name: name}, nc); err != nil {
		t.Fatalf("getting ec2nodeclass %s: %v", name, err)
	}
	return nc
}

func expectCondition(t *testing.T, nc *ec2v1.EC2NodeClass, condType string, want metav1.ConditionStatus, wantInMessage ...string) {
	t.Helper()
	c := meta.FindStatusCondition(nc.Status.Conditions, condType)
	if c == nil {
		t.Errorf("ec2nodeclass %s has no %s condition, want %s; conditions: %+v", nc.Name, condType, want, nc.Status.Conditions)
		return
	}
	if c.Status != want {
		t.Errorf("ec2nodeclass %s %s = %s (%s: %s), want %s", nc.Name, condType, c.Status, c.Reason, c.Message, want)
	}
	for _, s := range wantInMessage {
		if !strings.Contains(c.Message, s) {
			t.Errorf("ec2nodeclass %s %s message = %q, want it to contain %q", nc.Name, condType, c.Message, s)
		}
	}
}

func nodeClass(name string) *ec2v1.EC2NodeClass {
	discovery := map[string]string{"karpenter.sh/discovery": cluster}
	return &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), Generation: 1},
		Spec: ec2v1.EC2NodeClassSpec{
			Role:                       "KarpenterNodeRole-" + cluster,
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: discovery}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: discovery}},
		},
	}
}

func TestHappyPathResolvesEverySelector(t *testing.T) {
	e := setup(t, nodeClass("default"))
	nc := e.expectReconciled(t, "default")
	for _, c := range []string{ec2v1.ConditionTypeSubnetsReady, ec2v1.ConditionTypeSecurityGroupsReady,
		ec2v1.ConditionTypeAMIsReady, ec2v1.ConditionTypeInstanceProfileReady, ec2v1.ConditionTypeReady} {
		expectCondition(t, nc, c, metav1.ConditionTrue)
	}
	// Prices were never fetched here: the fallback table is said to be in use, and
	// that does not stop launches.
	expectCondition(t, nc, ec2v1.ConditionTypePricesCurrent, metav1.ConditionFalse, "fallback")
	s := nc.Status
	if len(s.Subnets) != 3 || len(s.SecurityGroups) != 1 || len(s.AMIs) == 0 || s.InstanceProfile == "" {
		t.Errorf("status = %d subnets, %d security groups, %d AMIs, instance profile %q; want the simulator's 3 discovery subnets, its node security group, al2023 AMIs and a profile for the role",
			len(s.Subnets), len(s.SecurityGroups), len(s.AMIs), s.InstanceProfile)
	}
}

func TestSelectorsThatMatchNothingNameTheField(t *testing.T) {
	missingProfile := "no-such-profile"
	for _, tc := range []struct {
		name      string
		edit      func(*ec2v1.EC2NodeClass)
		condition string
		message   string
	}{{
		name: "subnets",
		edit: func(nc *ec2v1.EC2NodeClass) {
			nc.Spec.SubnetSelectorTerms[0].Tags = map[string]string{"karpenter.sh/discovery": "other-cluster"}
		},
		condition: ec2v1.ConditionTypeSubnetsReady,
		message:   "spec.subnetSelectorTerms: no subnet matches subnetSelectorTerms [{tags: {karpenter.sh/discovery: other-cluster}}]",
	}, {
		name: "security groups",
		edit: func(nc *ec2v1.EC2NodeClass) {
			nc.Spec.SecurityGroupSelectorTerms[0] = ec2v1.SecurityGroupSelectorTerm{Name: "nope"}
		},
		condition: ec2v1.ConditionTypeSecurityGroupsReady,
		message:   "spec.securityGroupSelectorTerms: no security group matches securityGroupSelectorTerms [{name: nope}]",
	}, {
		name: "AMIs",
		edit: func(nc *ec2v1.EC2NodeClass) {
			nc.Spec.AMISelectorTerms[0] = ec2v1.AMISelectorTerm{ID: "ami-0000000000000000"}
		},
		condition: ec2v1.ConditionTypeAMIsReady,
		message:   "spec.amiSelectorTerms: no available AMI matches amiSelectorTerms [{id: ami-0000000000000000}]",
	}, {
		name:      "instance profile",
		edit:      func(nc *ec2v1.EC2NodeClass) { nc.Spec.Role, nc.Spec.InstanceProfile = "", &missingProfile },
		condition: ec2v1.ConditionTypeInstanceProfileReady,
		message:   "spec.instanceProfile: instance profile no-such-profile not found",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			broken := nodeClass("broken")
			tc.edit(broken)
			nc := setup(t, broken).expectReconciled(t, "broken")
			expectCondition(t, nc, tc.condition, metav1.ConditionFalse, tc.message)
			expectCondition(t, nc, ec2v1.ConditionTypeReady, metav1.ConditionFalse, tc.message)
			part := meta.FindStatusCondition(nc.Status.Conditions, tc.condition)
			if ready := meta.FindStatusCondition(nc.Status.Conditions, ec2v1.ConditionTypeReady); part != nil && ready != nil && ready.Message != part.Message {
				t.Errorf("Ready message = %q, want only the part that failed: %q", ready.Message, part.Message)
			}
		})
	}
}

func TestFixedSelectorResolvesOnTheNextReconcile(t *testing.T) {
	broken := nodeClass("default")
	broken.Spec.SubnetSelectorTerms[0].Tags = map[string]string{"karpenter.sh/discovery": "other-cluster"}
	e := setup(t, broken)
	nc := e.expectReconciled(t, "default")
	expectCondition(t, nc, ec2v1.ConditionTypeReady, metav1.ConditionFalse, "spec.subnetSelectorTerms")
	if len(nc.Status.Subnets) != 0 || len(nc.Status.SecurityGroups) != 1 {
		t.Errorf("status = %d subnets, %d security groups; want none, and the parts that matched still resolved", len(nc.Status.Subnets), len(nc.Status.SecurityGroups))
	}

	nc.Spec.SubnetSelectorTerms = nodeClass("default").Spec.SubnetSelectorTerms
	nc.Generation++
	if err := e.kube.Update(context.Background(), nc); err != nil {
		t.Fatalf("fixing the subnet selector: %v", err)
	}
	nc = e.expectReconciled(t, "default")
	expectCondition(t, nc, ec2v1.ConditionTypeReady, metav1.ConditionTrue)
	if len(nc.Status.Subnets) != 3 {
		t.Errorf("subnets = %v, want the 3 discovery subnets", nc.Status.Subnets)
	}
}

func TestUnchangedStatusIsNotWritten(t *testing.T) {
	e := setup(t, nodeClass("default"))
	first := e.expectReconciled(t, "default")
	second := e.expectReconciled(t, "default")
	if first.ResourceVersion != second.ResourceVersion {
		t.Errorf("a second reconcile of an unchanged node class wrote it (resource version %s -> %s)", first.ResourceVersion, second.ResourceVersion)
	}
}

func TestDeletedNodeClassNeedsNothing(t *testing.T) {
	e := setup(t)
	result, err := e.controller.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Name: "gone"}})
	if err != nil || result != (reconcile.Result{}) {
		t.Errorf("Reconcile of a deleted node class = %+v, %v; want nothing", result, err)
	}
}
