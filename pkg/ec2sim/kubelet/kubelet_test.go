package kubelet_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/ec2sim/kubelet"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

var env *harness.Environment

func TestMain(m *testing.M) { harness.Main(m, &env) }

const nodeConfigUserData = `MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="//"

--//
Content-Type: application/node.eks.aws

apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  kubelet:
    config:
      registerWithTaints:
      - key: karpenter.sh/unregistered
        effect: NoExecute
      - key: dedicated
        value: web
        effect: NoSchedule
    flags:
    - --node-labels="karpenter.sh/nodepool=default,team=blue"

--//--
`

const bottlerocketUserData = `[settings.kubernetes]
max-pods = 110
[settings.kubernetes.node-labels]
"karpenter.sh/nodepool" = "arm"
`

// launch starts one instance of instanceType through the EC2 API, from a new
// launch template with the image and user data, and returns its id.
func launch(t *testing.T, sim *ec2sim.Simulator, client *ec2.Client, instanceType, imageID, capacityType, userData string) string {
	t.Helper()
	ctx := context.Background()
	template := fmt.Sprintf("lt-%s-%d", instanceType, time.Now().UnixNano())
	_, err := client.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(template),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
			ImageId: aws.String(imageID), UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(userData))),
		},
	})
	if err != nil {
		t.Fatalf("CreateLaunchTemplate: %v", err)
	}
	var overrides []ec2types.FleetLaunchTemplateOverridesRequest
	for _, sn := range sim.Subnets() {
		if sn.Tags["karpenter.sh/discovery"] != "" && sim.Offered(instanceType, sn.Zone) {
			overrides = append(overrides, ec2types.FleetLaunchTemplateOverridesRequest{
				InstanceType: ec2types.InstanceType(instanceType), SubnetId: aws.String(sn.ID), AvailabilityZone: aws.String(sn.Zone),
			})
		}
	}
	out, err := client.CreateFleet(ctx, &ec2.CreateFleetInput{
		Type: ec2types.FleetTypeInstant,
		TargetCapacitySpecification: &ec2types.TargetCapacitySpecificationRequest{
			TotalTargetCapacity: aws.Int32(1), DefaultTargetCapacityType: ec2types.DefaultTargetCapacityType(capacityType),
		},
		LaunchTemplateConfigs: []ec2types.FleetLaunchTemplateConfigRequest{{
			LaunchTemplateSpecification: &ec2types.FleetLaunchTemplateSpecificationRequest{
				LaunchTemplateName: aws.String(template), Version: aws.String("$Latest"),
			},
			Overrides: overrides,
		}},
	})
	if err != nil || len(out.Instances) != 1 || len(out.Instances[0].InstanceIds) != 1 {
		t.Fatalf("CreateFleet: %+v, %v", out, err)
	}
	return out.Instances[0].InstanceIds[0]
}

func imageOf(t *testing.T, sim *ec2sim.Simulator, family, arch string) string {
	t.Helper()
	for _, img := range sim.DefaultImages() {
		if img.Family == family && img.Architecture == arch && img.Variant == ec2sim.VariantStandard {
			return img.ID
		}
	}
	t.Fatalf("no %s %s image", family, arch)
	return ""
}

func startSim(t *testing.T, opts kubelet.Options) (*ec2sim.Simulator, *ec2.Client) {
	t.Helper()
	sim := ec2sim.New(ec2sim.Options{})
	t.Cleanup(sim.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	kubelet.Register(ctx, sim, env.Client, opts)
	client := ec2.NewFromConfig(aws.Config{
		Region: sim.Region(), Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	}, func(o *ec2.Options) { o.BaseEndpoint = aws.String(sim.URL()) })
	return sim, client
}

func expectNode(t *testing.T, sim *ec2sim.Simulator, id string) *corev1.Node {
	t.Helper()
	inst, _ := sim.Instance(id)
	node := &corev1.Node{}
	harness.Eventually(t, 20*time.Second, "the node of "+id, func() error {
		return env.Client.Get(context.Background(), client.ObjectKey{Name: kubelet.NodeName(inst)}, node)
	})
	return node
}

func TestNodeRegistersWhenTheInstanceRuns(t *testing.T) {
	sim, ec2c := startSim(t, kubelet.Options{
		RegistrationDelay: 300 * time.Millisecond, TickInterval: 50 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, DeleteOnTermination: true,
	})
	id := launch(t, sim, ec2c, "m5.large", imageOf(t, sim, ec2sim.FamilyAL2023, "x86_64"), "on-demand", nodeConfigUserData)
	inst, _ := sim.Instance(id)
	node := expectNode(t, sim, id)
	env.ExpectFetched(t, node) // what the API server stored, status included

	wantLabels := map[string]string{
		"kubernetes.io/hostname": node.Name, "topology.kubernetes.io/zone": inst.Zone,
		"topology.kubernetes.io/region": "us-west-2", "node.kubernetes.io/instance-type": "m5.large",
		"kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "karpenter.sh/capacity-type": "on-demand",
		"karpenter.sh/nodepool": "default", "team": "blue", "topology.k8s.aws/zone-id": sim.ZoneID(inst.Zone),
	}
	for k, v := range wantLabels {
		if node.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, node.Labels[k], v)
		}
	}
	if node.Name != inst.PrivateDNSName || node.Spec.ProviderID != "aws:///"+inst.Zone+"/"+id ||
		node.Annotations["kwok.x-k8s.io/node"] != "fake" {
		t.Errorf("name %s, provider id %s, annotations %v", node.Name, node.Spec.ProviderID, node.Annotations)
	}
	wantTaints := []corev1.Taint{
		{Key: "karpenter.sh/unregistered", Effect: corev1.TaintEffectNoExecute},
		{Key: "dedicated", Value: "web", Effect: corev1.TaintEffectNoSchedule},
	}
	if len(node.Spec.Taints) != 2 || !node.Spec.Taints[0].MatchTaint(&wantTaints[0]) || !node.Spec.Taints[1].MatchTaint(&wantTaints[1]) {
		t.Errorf("taints = %+v", node.Spec.Taints)
	}
	expectQuantity(t, node.Status.Capacity, corev1.ResourceCPU, "2")
	expectQuantity(t, node.Status.Capacity, corev1.ResourcePods, "29") // 3 ENIs * (10-1) + 2
	expectQuantity(t, node.Status.Capacity, corev1.ResourceEphemeralStorage, "20Gi")
	expectQuantity(t, node.Status.Capacity, corev1.ResourceMemory, "7577Mi") // 8192Mi less 7.5%
	expectQuantity(t, node.Status.Allocatable, corev1.ResourceCPU, "1930m")
	expectQuantity(t, node.Status.Allocatable, corev1.ResourceMemory, "6903Mi") // less 11*29+255 and 100 eviction
	ready := false
	for _, c := range node.Status.Conditions {
		ready = ready || (c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue)
	}
	info := node.Status.NodeInfo
	if !ready || info.KubeletVersion != "v1.34.12" || info.Architecture != "amd64" || info.OperatingSystem != "linux" {
		t.Errorf("ready %v, node info %+v", ready, info)
	}

	lease := &coordinationv1.Lease{}
	harness.Eventually(t, 10*time.Second, "the node lease", func() error {
		return env.Client.Get(context.Background(), client.ObjectKey{Namespace: kubelet.NodeLeaseNamespace, Name: node.Name}, lease)
	})

	sim.TerminateInstance(id, "Client.UserInitiatedShutdown")
	harness.Eventually(t, 20*time.Second, "the node to be deleted", func() error {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(node), &corev1.Node{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})
}

func TestArmSpotBottlerocketNode(t *testing.T) {
	sim, ec2c := startSim(t, kubelet.Options{TickInterval: 50 * time.Millisecond})
	id := launch(t, sim, ec2c, "m6g.large", imageOf(t, sim, ec2sim.FamilyBottlerocket, "arm64"), "spot", bottlerocketUserData)
	node := expectNode(t, sim, id)
	if node.Labels["kubernetes.io/arch"] != "arm64" || node.Labels["karpenter.sh/capacity-type"] != "spot" ||
		node.Labels["karpenter.sh/nodepool"] != "arm" || node.Status.NodeInfo.Architecture != "arm64" {
		t.Errorf("labels %v, node info %+v", node.Labels, node.Status.NodeInfo)
	}
	expectQuantity(t, node.Status.Capacity, corev1.ResourcePods, "110")
	if len(node.Spec.Taints) != 1 || node.Spec.Taints[0].Key != "karpenter.sh/unregistered" {
		t.Errorf("taints = %+v, want only karpenter.sh/unregistered", node.Spec.Taints)
	}
}

func TestGPUNodeAdvertisesDevices(t *testing.T) {
	sim, _ := startSim(t, kubelet.Options{})
	inst := ec2sim.Instance{ID: "i-0abc", InstanceType: "g4dn.xlarge", Zone: sim.Zones()[0], CapacityType: "on-demand",
		PrivateDNSName: "ip-10-0-0-9.us-west-2.compute.internal", PrivateIP: "10.0.0.9"}
	node, err := kubelet.BuildNode(sim, inst, kubelet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	expectQuantity(t, node.Status.Capacity, "nvidia.com/gpu", "1")
	expectQuantity(t, node.Status.Allocatable, "nvidia.com/gpu", "1")
}

func expectQuantity(t *testing.T, list corev1.ResourceList, name corev1.ResourceName, want string) {
	t.Helper()
	got, ok := list[name]
	if !ok || got.Cmp(resource.MustParse(want)) != 0 {
		t.Errorf("%s = %s, want %s", name, got.String(), want)
	}
}
