package ec2sim

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// launchOne launches one on-demand syn0.large instance and returns its id.
func launchOne(t *testing.T, sim *Simulator, client *ec2.Client) string {
	t.Helper()
	if _, ok := sim.LaunchTemplate("nodes"); !ok {
		ec2CreateTemplate(t, client, "nodes", ec2AL2023Image(t, sim, "x86_64"))
	}
	zone := offeredZone(t, sim, "syn0.large")
	out, err := client.CreateFleet(context.Background(), fleetInput("nodes", "on-demand", override("syn0.large", ec2TaggedSubnet(t, sim, zone), zone)))
	if err != nil || len(out.Instances) != 1 {
		t.Fatalf("launch: %v %+v", err, out)
	}
	return out.Instances[0].InstanceIds[0]
}

// stateLog records the states listeners see per instance.
type stateLog struct {
	mu     sync.Mutex
	states map[string][]InstanceState
}

func (l *stateLog) record(inst Instance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.states[inst.ID] = append(l.states[inst.ID], inst.State)
}

func (l *stateLog) of(id string) []InstanceState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]InstanceState(nil), l.states[id]...)
}

func describeState(t *testing.T, client *ec2.Client, id string) (ec2types.InstanceStateName, int32) {
	t.Helper()
	out, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	st := out.Reservations[0].Instances[0].State
	return st.Name, aws.ToInt32(st.Code)
}

func TestInstanceLifecycle(t *testing.T) {
	clock := newEC2Clock()
	sim, client := startEC2(t, Options{
		InstanceTypes: ec2SyntheticTypes(2), Now: clock.Now,
		PendingDuration: 30 * time.Second, ShuttingDownDuration: 20 * time.Second,
	})
	log := &stateLog{states: map[string][]InstanceState{}}
	sim.OnInstanceChange(log.record)
	// Listeners run outside the simulator's lock, so they may call it back.
	sim.OnInstanceChange(func(inst Instance) { sim.Instance(inst.ID) })
	id := launchOne(t, sim, client)
	if name, code := describeState(t, client, id); name != ec2types.InstanceStateNamePending || code != 0 {
		t.Fatalf("after launch: %s %d", name, code)
	}
	clock.Advance(31 * time.Second)
	sim.Tick()
	if inst, _ := sim.Instance(id); inst.State != StateRunning {
		t.Fatalf("after Tick: %s", inst.State)
	}
	if name, code := describeState(t, client, id); name != ec2types.InstanceStateNameRunning || code != 16 {
		t.Fatalf("running: %s %d", name, code)
	}
	term, err := client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	change := term.TerminatingInstances[0]
	if change.PreviousState.Name != ec2types.InstanceStateNameRunning || change.CurrentState.Name != ec2types.InstanceStateNameShuttingDown {
		t.Fatalf("terminate: %+v -> %+v", change.PreviousState, change.CurrentState)
	}
	again, err := client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil || again.TerminatingInstances[0].CurrentState.Name != ec2types.InstanceStateNameShuttingDown {
		t.Fatalf("second terminate: %v %+v", err, again)
	}
	clock.Advance(21 * time.Second)
	if name, code := describeState(t, client, id); name != ec2types.InstanceStateNameTerminated || code != 48 {
		t.Fatalf("terminated: %s %d", name, code)
	}
	if _, err := client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatalf("terminate a terminated instance: %v", err)
	}
	want := []InstanceState{StatePending, StateRunning, StateShuttingDown, StateTerminated}
	if got := log.of(id); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("listener saw %v, want %v", got, want)
	}
	clock.Advance(time.Hour)
	_, err = client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if ec2ErrCode(err) != "InvalidInstanceID.NotFound" {
		t.Fatalf("an hour after termination: %v", err)
	}
}

func TestDescribeInstancesFiltersAndErrors(t *testing.T) {
	sim, client := startEC2(t, Options{InstanceTypes: ec2SyntheticTypes(2), PageSize: 2})
	ctx := context.Background()
	ids := []string{launchOne(t, sim, client), launchOne(t, sim, client), launchOne(t, sim, client)}
	if _, err := client.CreateTags(ctx, &ec2.CreateTagsInput{
		Resources: ids[:1], Tags: []ec2types.Tag{{Key: aws.String("karpenter.sh/nodeclaim"), Value: aws.String("default-abc")}},
	}); err != nil {
		t.Fatal(err)
	}
	if inst, _ := sim.Instance(ids[0]); inst.Tags["karpenter.sh/nodeclaim"] != "default-abc" {
		t.Fatalf("tags %v", inst.Tags)
	}
	if _, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids[2:]}); err != nil {
		t.Fatal(err)
	}
	var found []string
	pager := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag-key"), Values: []string{"karpenter.sh/nodepool"}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}},
	}})
	for pager.HasMorePages() {
		out, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Reservations {
			for _, inst := range r.Instances {
				found = append(found, aws.ToString(inst.InstanceId))
				if aws.ToString(inst.Placement.AvailabilityZone) == "" || aws.ToString(inst.PrivateIpAddress) == "" ||
					len(inst.SecurityGroups) != 1 || aws.ToString(inst.ImageId) == "" || inst.LaunchTime == nil {
					t.Fatalf("instance %+v", inst)
				}
			}
		}
	}
	if len(found) != 2 || found[0] != ids[0] || found[1] != ids[1] {
		t.Fatalf("found %v, want %v", found, ids[:2])
	}
	out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:karpenter.sh/nodeclaim"), Values: []string{"default-*"}},
	}})
	if err != nil || len(out.Reservations) != 1 {
		t.Fatalf("by tag: %v %+v", err, out)
	}
	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{ids[0], "i-0123456789abcdef0"}})
	if ec2ErrCode(err) != "InvalidInstanceID.NotFound" {
		t.Fatalf("unknown id: %v", err)
	}
	_, err = client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
	if ec2ErrCode(err) != "InvalidInstanceID.NotFound" {
		t.Fatalf("terminate unknown id: %v", err)
	}
}

func TestThrottlingIsRetriedByTheSDK(t *testing.T) {
	sim, _ := startEC2(t, Options{InstanceTypes: ec2SyntheticTypes(2)})
	// The SDK's standard retryer, with a short backoff to keep the test fast.
	client := ec2.NewFromConfig(aws.Config{Region: sim.Region(), Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		func(o *ec2.Options) {
			o.BaseEndpoint = aws.String(sim.URL())
			o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 50 * time.Millisecond })
		})
	sim.SetThrottleRate(0.5)
	for range 4 {
		if _, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{}); err != nil {
			t.Fatalf("throttled call not retried: %v", err)
		}
	}
	if calls := sim.Calls("DescribeAvailabilityZones"); calls < 6 {
		t.Fatalf("%d calls for 4 requests at throttle rate 0.5", calls)
	}
	single := newEC2Client(sim, 1)
	var throttled bool
	for range 2 {
		_, err := single.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
		throttled = throttled || ec2ErrCode(err) == "RequestLimitExceeded"
	}
	if !throttled {
		t.Fatal("without retries no call saw RequestLimitExceeded")
	}
}
