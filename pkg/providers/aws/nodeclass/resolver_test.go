package nodeclass

import (
	"context"
	"strings"
	"testing"
	"time"

	aws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

func TestRoleGetsAnInstanceProfileCreatedOnce(t *testing.T) {
	e := newEnv(t)
	nc := nodeClass()
	status := e.expectResolved(t, nc)
	if want := InstanceProfileName(clusterName, nc); status.InstanceProfile != want {
		t.Errorf("instance profile = %q, want %q", status.InstanceProfile, want)
	}
	out, err := e.iam.GetInstanceProfile(context.Background(), &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(status.InstanceProfile)})
	if err != nil {
		t.Fatalf("getting the instance profile: %v", err)
	}
	if len(out.InstanceProfile.Roles) != 1 || aws.ToString(out.InstanceProfile.Roles[0].RoleName) != nc.Spec.Role {
		t.Errorf("instance profile roles = %+v, want [%s]", out.InstanceProfile.Roles, nc.Spec.Role)
	}
	// A new resolver (a restarted launcher) finds the profile and adds nothing.
	e.resolver.Forget(nc)
	e.expectResolved(t, nc)
	if n := e.sim.Calls("CreateInstanceProfile"); n != 1 {
		t.Errorf("CreateInstanceProfile called %d times, want 1", n)
	}
	if n := e.sim.Calls("AddRoleToInstanceProfile"); n != 1 {
		t.Errorf("AddRoleToInstanceProfile called %d times, want 1", n)
	}
}

func TestInstanceProfileName(t *testing.T) {
	nc := nodeClass()
	name := InstanceProfileName(clusterName, nc)
	if !strings.HasPrefix(name, clusterName+"_") || len(name) != len(clusterName)+17 {
		t.Errorf("name = %q, want %s_<16 hex>", name, clusterName)
	}
	same := nodeClass()
	same.UID = nc.UID
	if again := InstanceProfileName(clusterName, same); again != name {
		t.Errorf("name is not deterministic: %q then %q", name, again)
	}
	other := nodeClass()
	other.UID = "another-uid"
	if InstanceProfileName(clusterName, other) == name {
		t.Error("two node classes got the same instance profile name")
	}
	if long := InstanceProfileName(strings.Repeat("c", 200), nc); len(long) != maxInstanceProfileName {
		t.Errorf("name of a long cluster has %d characters, want %d", len(long), maxInstanceProfileName)
	}
}

func TestGivenInstanceProfile(t *testing.T) {
	e := newEnv(t)
	if _, err := e.iam.CreateInstanceProfile(context.Background(), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("existing")}); err != nil {
		t.Fatal(err)
	}
	nc := nodeClass()
	nc.Spec.Role, nc.Spec.InstanceProfile = "", ptr("existing")
	if got := e.expectResolved(t, nc).InstanceProfile; got != "existing" {
		t.Errorf("instance profile = %q, want existing", got)
	}
	nc.Spec.InstanceProfile = ptr("missing")
	nc.Generation++
	status, _ := e.expectFailed(t, nc)
	expectCondition(t, status, ec2v1.ConditionTypeInstanceProfileReady, metav1.ConditionFalse, "instance profile missing not found")
	if e.sim.Calls("CreateInstanceProfile") != 1 {
		t.Error("a given instance profile must never be created")
	}
}

func TestResolveIsCachedPerGenerationForAMinute(t *testing.T) {
	e := newEnv(t)
	nc := nodeClass()
	e.expectResolved(t, nc)
	calls := func() int { return e.sim.Calls("DescribeSubnets") }
	before := calls()

	e.clock.Step(statusCacheTTL - time.Second)
	e.expectResolved(t, nc)
	if calls() != before {
		t.Errorf("resolving again within %s called DescribeSubnets", statusCacheTTL)
	}
	nc.Generation++
	e.expectResolved(t, nc)
	if calls() != before+1 {
		t.Errorf("a new generation did not resolve again")
	}
	e.clock.Step(statusCacheTTL)
	e.expectResolved(t, nc)
	if calls() != before+2 {
		t.Errorf("a status older than %s was reused", statusCacheTTL)
	}
}

func TestFailuresAreNotCached(t *testing.T) {
	e := newEnv(t)
	nc := nodeClass()
	nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"team": "late"}}}
	e.expectFailed(t, nc)
	e.sim.AddSubnet(e.sim.Zones()[0], map[string]string{"team": "late"})
	if got := e.expectResolved(t, nc).Subnets; len(got) != 1 {
		t.Errorf("subnets = %+v, want the subnet tagged after the failure", got)
	}
}

func TestConditionsKeepTransitionTimes(t *testing.T) {
	e := newEnv(t)
	nc := nodeClass()
	nc.Status = e.expectResolved(t, nc)
	first := nc.Status.Conditions[0].LastTransitionTime
	e.clock.Step(2 * statusCacheTTL)
	nc.Status = e.expectResolved(t, nc)
	for _, c := range nc.Status.Conditions {
		if !c.LastTransitionTime.Equal(&first) {
			t.Errorf("condition %s moved its transition time to %s though its status did not change", c.Type, c.LastTransitionTime)
		}
		if c.ObservedGeneration != nc.Generation {
			t.Errorf("condition %s observed generation %d, want %d", c.Type, c.ObservedGeneration, nc.Generation)
		}
	}
}
