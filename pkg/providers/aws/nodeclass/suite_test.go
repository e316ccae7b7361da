package nodeclass

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/providers/aws/awstest"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
)

const clusterName = "my-cluster"

// env is a simulated region with a Resolver whose real SDK clients point at it.
type env struct {
	sim      *ec2sim.Simulator
	clock    *clocktesting.FakeClock
	resolver *Resolver
	iam      *iam.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sim := ec2sim.New(ec2sim.Options{ClusterName: clusterName})
	t.Cleanup(sim.Close)
	// One attempt: these tests want an error at once, not after retries.
	cfg := awstest.Config(sim)
	cfg.Retryer, cfg.RetryMaxAttempts = nil, 1
	clients := awstest.ClientsFor(cfg)
	ec2Client, ssmClient, iamClient := clients.EC2, clients.SSM, clients.IAM
	clk := clocktesting.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := settings.Settings{ClusterName: clusterName, Region: sim.Region(), KubernetesVersion: "1.34"}
	return &env{sim: sim, clock: clk, iam: iamClient, resolver: NewResolver(ec2Client, ssmClient, iamClient, s, clk)}
}

// uids makes each nodeClass() a distinct node class, cached on its own.
var uids atomic.Int64

// nodeClass is a node class that resolves in the default simulated region.
func nodeClass() *ec2v1.EC2NodeClass {
	uid := types.UID(fmt.Sprintf("9f1c2d3e-0000-4000-8000-%012d", uids.Add(1)))
	discovery := map[string]string{"karpenter.sh/discovery": clusterName}
	return &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: "default", UID: uid, Generation: 1},
		Spec: ec2v1.EC2NodeClassSpec{
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: discovery}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: discovery}},
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			Role:                       "KarpenterNodeRole-" + clusterName,
		},
	}
}

func (e *env) expectResolved(t *testing.T, nc *ec2v1.EC2NodeClass) ec2v1.EC2NodeClassStatus {
	t.Helper()
	status, err := e.resolver.Resolve(context.Background(), nc)
	if err != nil {
		t.Fatalf("Resolve failed: %v", err)
	}
	expectCondition(t, status, ec2v1.ConditionTypeReady, metav1.ConditionTrue, "")
	return status
}

// expectFailed resolves nc, expects an error, and returns the status.
func (e *env) expectFailed(t *testing.T, nc *ec2v1.EC2NodeClass) (ec2v1.EC2NodeClassStatus, error) {
	t.Helper()
	status, err := e.resolver.Resolve(context.Background(), nc)
	if err == nil {
		t.Fatalf("Resolve succeeded with %+v, want an error", status)
	}
	expectCondition(t, status, ec2v1.ConditionTypeReady, metav1.ConditionFalse, "")
	return status, err
}

// expectCondition checks a condition's status and, when message is not "", that
// its message contains message.
func expectCondition(t *testing.T, status ec2v1.EC2NodeClassStatus, condType string, want metav1.ConditionStatus, message string) {
	t.Helper()
	c := meta.FindStatusCondition(status.Conditions, condType)
	if c == nil {
		t.Fatalf("condition %s missing from %+v", condType, status.Conditions)
	}
	if c.Status != want {
		t.Errorf("condition %s = %s (%s), want %s", condType, c.Status, c.Message, want)
	}
	if message != "" && !strings.Contains(c.Message, message) {
		t.Errorf("condition %s message = %q, want it to contain %q", condType, c.Message, message)
	}
}
