package launchtemplate

import (
	"context"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/ec2sim/kubelet"
)

func TestOneTemplatePerAMIGroup(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		alias string
		types []*cloudprovider.InstanceType
		// want maps (family, arch, variant) image ids to the types launched from it.
		want []struct {
			arch, variant string
			types         []string
		}
	}{
		{"al2023@latest", []*cloudprovider.InstanceType{m5Large, c5Large, m6gLarge, g5XLarge, inf2Large, s390x}, []struct {
			arch, variant string
			types         []string
		}{
			{"x86_64", "standard", []string{"m5.large", "c5.large"}},
			{"arm64", "standard", []string{"m6g.large"}},
			{"x86_64", "nvidia", []string{"g5.xlarge"}},
			{"x86_64", "neuron", []string{"inf2.xlarge"}},
		}},
		{"bottlerocket@latest", []*cloudprovider.InstanceType{m6gLarge, m5Large}, []struct {
			arch, variant string
			types         []string
		}{
			{"arm64", "standard", []string{"m6g.large"}},
			{"x86_64", "standard", []string{"m5.large"}},
		}},
	} {
		t.Run(tc.alias, func(t *testing.T) {
			family := strings.Split(tc.alias, "@")[0]
			lts := e.ensure(t, e.resolvedNodeClass(t, tc.alias), tc.types...)
			if len(lts) != len(tc.want) {
				t.Fatalf("got %d launch templates, want %d: %+v", len(lts), len(tc.want), lts)
			}
			for i, w := range tc.want {
				if id := ec2sim.DefaultImageID(family, w.arch, w.variant); lts[i].ImageID != id {
					t.Errorf("template %d image = %s, want %s/%s (%s)", i, lts[i].ImageID, w.arch, w.variant, id)
				}
				if got := typeNamesOf(lts[i].InstanceTypes); !reflect.DeepEqual(got, w.types) {
					t.Errorf("template %d types = %v, want %v", i, got, w.types)
				}
				if lt := e.simTemplate(t, lts[i].Name); lt.ImageID != lts[i].ImageID {
					t.Errorf("template %s has image %s, want %s", lt.Name, lt.ImageID, lts[i].ImageID)
				}
			}
		})
	}
}

func TestTemplatesSplitByPodLimit(t *testing.T) {
	e := newEnv(t)
	nc := e.resolvedNodeClass(t, "al2023@latest")
	lts := e.ensure(t, nc, m5Large, m5XLarge)
	if len(lts) != 2 || lts[0].ImageID != lts[1].ImageID {
		t.Fatalf("got %+v, want two templates of one image, one per pod limit", lts)
	}
	nc.Spec.Kubelet = &ec2v1.KubeletConfiguration{MaxPods: aws.Int32(110)}
	if lts := e.ensure(t, nc, m5Large, m5XLarge); len(lts) != 1 || len(lts[0].InstanceTypes) != 2 {
		t.Errorf("with kubelet.maxPods got %+v, want one template for both types", lts)
	}
}

func TestEnsureAllIsIdempotent(t *testing.T) {
	e := newEnv(t)
	nc := e.resolvedNodeClass(t, "al2023@latest")
	first := e.ensure(t, nc, m5Large, m6gLarge)
	creates, describes := e.sim.Calls("CreateLaunchTemplate"), e.sim.Calls("DescribeLaunchTemplates")
	if creates != 2 {
		t.Fatalf("CreateLaunchTemplate called %d times, want 2", creates)
	}
	second := e.ensure(t, nc, m5Large, m6gLarge)
	if !reflect.DeepEqual(first, second) {
		t.Errorf("second EnsureAll = %+v, want %+v", second, first)
	}
	if e.sim.Calls("CreateLaunchTemplate") != creates || e.sim.Calls("DescribeLaunchTemplates") != describes {
		t.Error("second EnsureAll called EC2, want the cached templates")
	}
	// After the cache expires, or from a new provider, the templates are found.
	e.clock.Step(ensuredTTL)
	e.ensure(t, nc, m5Large, m6gLarge)
	if e.sim.Calls("CreateLaunchTemplate") != creates || e.sim.Calls("DescribeLaunchTemplates") != describes+2 {
		t.Errorf("after %s: %d creates and %d describes, want %d and %d", ensuredTTL,
			e.sim.Calls("CreateLaunchTemplate"), e.sim.Calls("DescribeLaunchTemplates"), creates, describes+2)
	}
	if len(e.sim.LaunchTemplates()) != 2 {
		t.Errorf("%d launch templates exist, want 2", len(e.sim.LaunchTemplates()))
	}
}

func TestUserDataCarriesTheClaim(t *testing.T) {
	e := newEnv(t)
	for _, alias := range []string{"al2023@latest", "al2@latest", "bottlerocket@latest"} {
		t.Run(alias, func(t *testing.T) {
			lts := e.ensure(t, e.resolvedNodeClass(t, alias), m5Large)
			lt := e.simTemplate(t, lts[0].Name)
			labels, taints := decodeUserData(t, lt)
			expectSimKubeletAgrees(t, lt, labels, taints)
			for k, v := range map[string]string{
				wellknown.NodePoolLabelKey: "default", "team": "blue",
				wellknown.CapacityTypeLabelKey: wellknown.CapacityTypeSpot, wellknown.EC2NodeClassLabelKey: "default",
			} {
				if labels[k] != v {
					t.Errorf("label %s = %q, want %q (labels %v)", k, labels[k], v, labels)
				}
			}
			for _, want := range []corev1.Taint{
				{Key: "dedicated", Value: "batch", Effect: corev1.TaintEffectNoSchedule},
				{Key: "example.com/agent-not-ready", Effect: corev1.TaintEffectNoExecute},
				wellknown.UnregisteredNoExecuteTaint,
			} {
				if !hasTaint(taints, want) {
					t.Errorf("taints %v lack %v", taints, want)
				}
			}
		})
	}
}

// expectSimKubeletAgrees checks that the simulator's kubelet registers a node of
// the template with the labels and taints userdata.Parse reads.
func expectSimKubeletAgrees(t *testing.T, lt ec2sim.LaunchTemplate, labels map[string]string, taints []corev1.Taint) {
	t.Helper()
	raw, _ := base64.StdEncoding.DecodeString(lt.UserData)
	b, err := kubelet.ParseUserData(string(raw))
	if err != nil {
		t.Fatalf("the simulated kubelet cannot read the user data: %v", err)
	}
	if !reflect.DeepEqual(b.Labels, labels) || len(b.Taints) != len(taints) {
		t.Errorf("simulated kubelet reads %v, %v; userdata.Parse %v, %v", b.Labels, b.Taints, labels, taints)
	}
	for _, taint := range taints {
		if !hasTaint(b.Taints, taint) {
			t.Errorf("simulated kubelet taints %v lack %v", b.Taints, taint)
		}
	}
}

func hasTaint(taints []corev1.Taint, want corev1.Taint) bool {
	for _, t := range taints {
		if t.MatchTaint(&want) && t.Value == want.Value {
			return true
		}
	}
	return false
}

func TestTemplateSettings(t *testing.T) {
	e := newEnv(t)
	nc := e.resolvedNodeClass(t, "al2023@latest")
	lt := e.simTemplate(t, e.ensure(t, nc, m5Large)[0].Name)
	if md := lt.MetadataOptions; md.HTTPTokens != "required" || md.HTTPPutResponseHopLimit != 1 || md.HTTPEndpoint != "enabled" || md.HTTPProtocolIPv6 != "disabled" {
		t.Errorf("metadata options = %+v, want IMDSv2 required, hop limit 1", md)
	}
	if want := []ec2sim.BlockDevice{{DeviceName: "/dev/xvda", VolumeType: "gp3", VolumeSizeGiB: 20, Encrypted: true, DeleteOnTermination: true}}; !reflect.DeepEqual(lt.BlockDevices, want) {
		t.Errorf("block devices = %+v, want %+v", lt.BlockDevices, want)
	}
	if lt.IAMInstanceProfile != nc.Status.InstanceProfile || !reflect.DeepEqual(lt.SecurityGroupIDs, []string{nc.Status.SecurityGroups[0].ID}) {
		t.Errorf("profile %q and groups %v, want %q and %v", lt.IAMInstanceProfile, lt.SecurityGroupIDs, nc.Status.InstanceProfile, nc.Status.SecurityGroups)
	}
	wantTags := map[string]string{
		ClusterTagKey: clusterName, "kubernetes.io/cluster/" + clusterName: "owned",
		wellknown.NodePoolLabelKey: "default", wellknown.EC2NodeClassLabelKey: "default", "team": "blue",
	}
	if !reflect.DeepEqual(lt.Tags, wantTags) || !reflect.DeepEqual(lt.InstanceTags, wantTags) {
		t.Errorf("tags = %v, instance tags = %v, want %v", lt.Tags, lt.InstanceTags, wantTags)
	}
	if lt.Data["TagSpecification.2.ResourceType"] != "volume" {
		t.Errorf("template data %v has no volume tag specification", lt.Data)
	}

	// The node class's own settings win over the defaults and change the name.
	nc.Spec.MetadataOptions = &ec2v1.MetadataOptions{HTTPTokens: aws.String("optional"), HTTPPutResponseHopLimit: aws.Int64(2)}
	nc.Spec.AssociatePublicIPAddress = aws.Bool(true)
	nc.Spec.DetailedMonitoring = aws.Bool(true)
	nc.Spec.Tags = map[string]string{ClusterTagKey: "spoofed"}
	name := e.ensure(t, nc, m5Large)[0].Name
	if name == lt.Name {
		t.Fatal("a changed node class kept its launch template name")
	}
	lt = e.simTemplate(t, name)
	if lt.MetadataOptions.HTTPTokens != "optional" || lt.MetadataOptions.HTTPPutResponseHopLimit != 2 {
		t.Errorf("metadata options = %+v, want the node class's", lt.MetadataOptions)
	}
	if lt.Data["NetworkInterface.1.AssociatePublicIpAddress"] != "true" || lt.Data["Monitoring.Enabled"] != "true" || len(lt.SecurityGroupIDs) != 1 {
		t.Errorf("template data %v lacks the public IP interface with the groups, or monitoring", lt.Data)
	}
	if lt.Tags[ClusterTagKey] != clusterName {
		t.Errorf("node class tags overrode %s: %v", ClusterTagKey, lt.Tags)
	}
}

func TestBottlerocketGetsADataVolume(t *testing.T) {
	e := newEnv(t)
	lt := e.simTemplate(t, e.ensure(t, e.resolvedNodeClass(t, "bottlerocket@latest"), m5Large)[0].Name)
	if len(lt.BlockDevices) != 2 || lt.BlockDevices[0].VolumeSizeGiB != 4 || lt.BlockDevices[1].DeviceName != "/dev/xvdb" {
		t.Errorf("block devices = %+v, want a 4 GiB root and a /dev/xvdb data volume", lt.BlockDevices)
	}
}

func TestEnsureAllFailures(t *testing.T) {
	e := newEnv(t)
	nc := e.resolvedNodeClass(t, "al2023@latest")
	_, err := e.provider.EnsureAll(context.Background(), nc, nodeClaim(), []*cloudprovider.InstanceType{s390x}, wellknown.CapacityTypeSpot)
	if err == nil || !strings.Contains(err.Error(), "no AMI suits any of the 1 instance types (z.large)") {
		t.Errorf("error = %v, want one saying no AMI suits z.large", err)
	}
	unresolved := nc.DeepCopy()
	unresolved.Status = ec2v1.EC2NodeClassStatus{}
	_, err = e.provider.EnsureAll(context.Background(), unresolved, nodeClaim(), []*cloudprovider.InstanceType{m5Large}, wellknown.CapacityTypeSpot)
	if !cloudprovider.IsNodeClassNotReadyError(err) || !strings.Contains(err.Error(), "no AMI resolved") {
		t.Errorf("error = %v, want a NodeClassNotReadyError saying no AMI resolved", err)
	}
	if n := e.sim.Calls("CreateLaunchTemplate"); n != 0 {
		t.Errorf("CreateLaunchTemplate called %d times, want 0", n)
	}
}

func TestDeleteAll(t *testing.T) {
	e := newEnv(t)
	nc := e.resolvedNodeClass(t, "al2023@latest")
	mine := e.ensure(t, nc, m5Large, m6gLarge)
	other := nc.DeepCopy()
	other.Name = "other"
	theirs := e.ensure(t, other, m5Large)

	if err := e.provider.DeleteAll(context.Background(), nc); err != nil {
		t.Fatalf("DeleteAll failed: %v", err)
	}
	for _, lt := range mine {
		if _, ok := e.sim.LaunchTemplate(lt.Name); ok {
			t.Errorf("launch template %s survived DeleteAll", lt.Name)
		}
	}
	if _, ok := e.sim.LaunchTemplate(theirs[0].Name); !ok {
		t.Error("DeleteAll deleted another node class's launch template")
	}
	// Ensuring again re-creates what was deleted; the cache was dropped.
	e.ensure(t, nc, m5Large)
	if _, ok := e.sim.LaunchTemplate(mine[0].Name); !ok {
		t.Errorf("launch template %s was not re-created", mine[0].Name)
	}
}
