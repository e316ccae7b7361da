package nodeclass

import (
	"reflect"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/providers/aws/userdata"
)

// image names one public image and the requirements expected of it.
type image struct {
	family, arch, variant string
	reqs                  []corev1.NodeSelectorRequirement
}

func amiKeys(amis []ec2v1.AMI) []string {
	out := make([]string, 0, len(amis))
	for _, a := range amis {
		out = append(out, a.ID+" | "+requirementsKey(a.Requirements))
	}
	sort.Strings(out)
	return out
}

func imageKeys(images []image) []string {
	out := make([]string, 0, len(images))
	for _, i := range images {
		out = append(out, ec2sim.DefaultImageID(i.family, i.arch, i.variant)+" | "+requirementsKey(i.reqs))
	}
	sort.Strings(out)
	return out
}

func arch(a string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: wellknown.ArchLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{a}}
}

var (
	standard = []corev1.NodeSelectorRequirement{doesNotExist(wellknown.InstanceGPUCountLabelKey), doesNotExist(wellknown.InstanceAcceleratorCountLabelKey)}
	gpu      = []corev1.NodeSelectorRequirement{exists(wellknown.InstanceGPUCountLabelKey)}
	neuron   = []corev1.NodeSelectorRequirement{exists(wellknown.InstanceAcceleratorCountLabelKey)}
	windows  = corev1.NodeSelectorRequirement{Key: wellknown.OSLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{"windows"}}
)

func with(a string, rest ...corev1.NodeSelectorRequirement) []corev1.NodeSelectorRequirement {
	return append([]corev1.NodeSelectorRequirement{arch(a)}, rest...)
}

func TestAliasResolution(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		alias, family string
		want          []image
	}{
		{"al2023@latest", userdata.FamilyAL2023, []image{
			{"al2023", "x86_64", "standard", with("amd64", standard...)},
			{"al2023", "arm64", "standard", with("arm64", standard...)},
			{"al2023", "x86_64", "nvidia", with("amd64", gpu...)},
			{"al2023", "arm64", "nvidia", with("arm64", gpu...)},
			{"al2023", "x86_64", "neuron", with("amd64", neuron...)},
		}},
		{"al2@latest", userdata.FamilyAL2, []image{
			{"al2", "x86_64", "standard", with("amd64", standard...)},
			{"al2", "arm64", "standard", with("arm64", standard...)},
			{"al2", "x86_64", "nvidia", with("amd64", gpu...)},
			{"al2", "x86_64", "nvidia", with("amd64", neuron...)},
		}},
		{"bottlerocket@latest", userdata.FamilyBottlerocket, []image{
			{"bottlerocket", "x86_64", "standard", with("amd64", standard...)},
			{"bottlerocket", "arm64", "standard", with("arm64", standard...)},
			{"bottlerocket", "x86_64", "nvidia", with("amd64", gpu...)},
			{"bottlerocket", "arm64", "nvidia", with("arm64", gpu...)},
		}},
		{"windows2022@latest", userdata.FamilyWindows2022, []image{
			{"windows2022", "x86_64", "standard", with("amd64", append([]corev1.NodeSelectorRequirement{windows}, standard...)...)},
		}},
	} {
		t.Run(tc.alias, func(t *testing.T) {
			nc := nodeClass()
			nc.Spec.AMISelectorTerms = []ec2v1.AMISelectorTerm{{Alias: tc.alias}}
			status := e.expectResolved(t, nc)
			if got, want := amiKeys(status.AMIs), imageKeys(tc.want); !reflect.DeepEqual(got, want) {
				t.Errorf("AMIs =\n%v\nwant\n%v", got, want)
			}
			for _, a := range status.AMIs {
				if a.Name == "" {
					t.Errorf("AMI %s has no name", a.ID)
				}
			}
			if got := Family(nc); got != tc.family {
				t.Errorf("Family = %q, want %q", got, tc.family)
			}
		})
	}
}

func TestAliasPinnedVersion(t *testing.T) {
	e := newEnv(t)
	// Publish a pinned release of one image at the parameter AWS uses for it.
	id := ec2sim.DefaultImageID("al2023", "arm64", "standard")
	e.sim.PutParameter("/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/standard/amazon-eks-node-al2023-arm64-standard-1.34-v20250915/image_id", id)
	nc := nodeClass()
	nc.Spec.AMISelectorTerms = []ec2v1.AMISelectorTerm{{Alias: "al2023@v20250915"}}
	status := e.expectResolved(t, nc)
	if want := imageKeys([]image{{"al2023", "arm64", "standard", with("arm64", standard...)}}); !reflect.DeepEqual(amiKeys(status.AMIs), want) {
		t.Errorf("AMIs = %v, want %v", amiKeys(status.AMIs), want)
	}

	e.sim.PutParameter("/aws/service/bottlerocket/aws-k8s-1.34/x86_64/1.46.0/image_id", ec2sim.DefaultImageID("bottlerocket", "x86_64", "standard"))
	nc.Spec.AMISelectorTerms = []ec2v1.AMISelectorTerm{{Alias: "bottlerocket@v1.46.0"}}
	nc.Generation++
	if got := e.expectResolved(t, nc).AMIs; len(got) != 1 || got[0].ID != ec2sim.DefaultImageID("bottlerocket", "x86_64", "standard") {
		t.Errorf("bottlerocket@v1.46.0 AMIs = %+v, want the published x86_64 image", got)
	}
}

func TestAliasUnknownVersion(t *testing.T) {
	e := newEnv(t)
	nc := nodeClass()
	nc.Spec.AMISelectorTerms = []ec2v1.AMISelectorTerm{{Alias: "al2023@v20990101"}}
	status, _ := e.expectFailed(t, nc)
	expectCondition(t, status, ec2v1.ConditionTypeAMIsReady, metav1.ConditionFalse,
		"SSM parameter /aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.34-v20990101/image_id not found: AMI alias al2023@v20990101 does not exist")
	expectCondition(t, status, ec2v1.ConditionTypeSubnetsReady, metav1.ConditionTrue, "")
	if len(status.AMIs) != 0 {
		t.Errorf("AMIs = %+v, want none", status.AMIs)
	}
}

func TestAMISelectorTermsKeepNewestPerArchitecture(t *testing.T) {
	e := newEnv(t)
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	tags := map[string]string{"team": "blue"}
	e.sim.AddImage(ec2sim.Image{Name: "blue-old", Architecture: "x86_64", CreationDate: day(1), Tags: tags})
	newest := e.sim.AddImage(ec2sim.Image{Name: "blue-new", Architecture: "x86_64", CreationDate: day(3), Tags: tags})
	arm := e.sim.AddImage(ec2sim.Image{Name: "blue-arm", Architecture: "arm64", CreationDate: day(2), Tags: tags})
	byID := e.sim.AddImage(ec2sim.Image{Name: "by-id", Architecture: "arm64", CreationDate: day(1)})
	for _, tc := range []struct {
		name  string
		terms []ec2v1.AMISelectorTerm
		want  []ec2v1.AMI
	}{
		{"tags", []ec2v1.AMISelectorTerm{{Tags: tags}}, []ec2v1.AMI{
			{ID: newest, Name: "blue-new", Requirements: with("amd64")},
			{ID: arm, Name: "blue-arm", Requirements: with("arm64")},
		}},
		{"id", []ec2v1.AMISelectorTerm{{ID: byID}}, []ec2v1.AMI{{ID: byID, Name: "by-id", Requirements: with("arm64")}}},
		{"name with owner", []ec2v1.AMISelectorTerm{{Name: "amazon-eks-node-al2023-x86_64-standard-1.34-*", Owner: "amazon"}}, []ec2v1.AMI{
			{ID: ec2sim.DefaultImageID("al2023", "x86_64", "standard"), Name: "amazon-eks-node-al2023-x86_64-standard-1.34-v20250915", Requirements: with("amd64")},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := nodeClass()
			nc.Spec.AMIFamily = ptr(userdata.FamilyAL2023)
			nc.Spec.AMISelectorTerms = tc.terms
			if got := e.expectResolved(t, nc).AMIs; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("AMIs = %+v, want %+v", got, tc.want)
			}
		})
	}
	nc := nodeClass()
	nc.Spec.AMIFamily = ptr(userdata.FamilyCustom)
	nc.Spec.AMISelectorTerms = []ec2v1.AMISelectorTerm{{Tags: map[string]string{"team": "red"}}}
	status, _ := e.expectFailed(t, nc)
	expectCondition(t, status, ec2v1.ConditionTypeAMIsReady, metav1.ConditionFalse, "no available AMI matches amiSelectorTerms [{tags: {team: red}}]")
}

func ptr(s string) *string { return &s }
