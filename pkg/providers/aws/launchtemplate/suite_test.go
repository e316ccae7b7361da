package launchtemplate

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/providers/aws/awstest"
	"github.com/tailor-sh/tailor/pkg/providers/aws/nodeclass"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
	"github.com/tailor-sh/tailor/pkg/providers/aws/userdata"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

const clusterName = "my-cluster"

// env is a simulated region, a Provider and a Resolver whose real SDK clients
// point at it.
type env struct {
	sim      *ec2sim.Simulator
	clock    *clocktesting.FakeClock
	provider *Provider
	resolver *nodeclass.Resolver
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
	s := settings.Settings{
		ClusterName:     clusterName,
		ClusterEndpoint: "https://ABCDEF.gr7.us-west-2.eks.amazonaws.com",
		ClusterCABundle: base64.StdEncoding.EncodeToString([]byte("ca")),
		ClusterDNS:      "10.100.0.10",
		Region:          sim.Region(),
	}
	clk := clocktesting.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	p := NewProvider(ec2Client, s)
	p.clock = clk
	return &env{sim: sim, clock: clk, provider: p, resolver: nodeclass.NewResolver(ec2Client, ssmClient, iamClient, s, clk)}
}

// resolvedNodeClass returns a node class with alias, resolved against the
// simulator.
func (e *env) resolvedNodeClass(t *testing.T, alias string) *ec2v1.EC2NodeClass {
	t.Helper()
	discovery := map[string]string{"karpenter.sh/discovery": clusterName}
	nc := &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: "default", UID: types.UID("uid-" + alias), Generation: 1},
		Spec: ec2v1.EC2NodeClassSpec{
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: discovery}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: discovery}},
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: alias}},
			Role:                       "NodeRole",
			Tags:                       map[string]string{"team": "blue"},
		},
	}
	status, err := e.resolver.Resolve(context.Background(), nc)
	if err != nil {
		t.Fatalf("resolving node class: %v", err)
	}
	nc.Status = status
	return nc
}

func nodeClaim() *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "default-abcde", Labels: map[string]string{
			wellknown.NodePoolLabelKey: "default",
			"team":                     "blue",
		}},
		Spec: karpv1.NodeClaimSpec{
			Taints:        karpv1.Taints{{Key: "dedicated", Value: "batch", Effect: corev1.TaintEffectNoSchedule}},
			StartupTaints: karpv1.Taints{{Key: "example.com/agent-not-ready", Effect: corev1.TaintEffectNoExecute}},
		},
	}
}

// instanceType makes a type with an architecture, a pod capacity and extra labels.
func instanceType(name, arch string, pods int64, labels ...string) *cloudprovider.InstanceType {
	reqs := scheduling.NewRequirements(scheduling.NewRequirement(wellknown.ArchLabelKey, corev1.NodeSelectorOpIn, arch))
	for i := 0; i+1 < len(labels); i += 2 {
		reqs.Add(scheduling.NewRequirement(labels[i], corev1.NodeSelectorOpIn, labels[i+1]))
	}
	capacity := corev1.ResourceList{}
	if pods > 0 {
		capacity[corev1.ResourcePods] = *resource.NewQuantity(pods, resource.DecimalSI)
	}
	return &cloudprovider.InstanceType{Name: name, Requirements: reqs, Capacity: capacity}
}

var (
	m5Large   = instanceType("m5.large", "amd64", 29)
	c5Large   = instanceType("c5.large", "amd64", 29, wellknown.InstanceGPUCountLabelKey, "0")
	m5XLarge  = instanceType("m5.xlarge", "amd64", 58)
	m6gLarge  = instanceType("m6g.large", "arm64", 29)
	g5XLarge  = instanceType("g5.xlarge", "amd64", 58, wellknown.InstanceGPUCountLabelKey, "1")
	inf2Large = instanceType("inf2.xlarge", "amd64", 58, wellknown.InstanceAcceleratorCountLabelKey, "1")
	s390x     = instanceType("z.large", "s390x", 29)
)

func (e *env) ensure(t *testing.T, nc *ec2v1.EC2NodeClass, types ...*cloudprovider.InstanceType) []LaunchTemplate {
	t.Helper()
	lts, err := e.provider.EnsureAll(context.Background(), nc, nodeClaim(), types, wellknown.CapacityTypeSpot)
	if err != nil {
		t.Fatalf("EnsureAll failed: %v", err)
	}
	return lts
}

// simTemplate returns the simulator's copy of a launch template.
func (e *env) simTemplate(t *testing.T, name string) ec2sim.LaunchTemplate {
	t.Helper()
	lt, ok := e.sim.LaunchTemplate(name)
	if !ok {
		t.Fatalf("launch template %s does not exist", name)
	}
	return lt
}

func typeNamesOf(types []*cloudprovider.InstanceType) []string {
	var out []string
	for _, it := range types {
		out = append(out, it.Name)
	}
	return out
}

func decodeUserData(t *testing.T, lt ec2sim.LaunchTemplate) (map[string]string, []corev1.Taint) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(lt.UserData)
	if err != nil {
		t.Fatalf("user data is not base64: %v", err)
	}
	labels, taints, err := userdata.Parse(string(raw))
	if err != nil {
		t.Fatalf("parsing user data: %v\n%s", err, raw)
	}
	return labels, taints
}
