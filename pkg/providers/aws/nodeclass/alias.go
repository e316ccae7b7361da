package nodeclass

import (
	"fmt"
	"strings"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/providers/aws/userdata"
)

// Alias families (the part of an alias before the @).
const (
	aliasAL2          = "al2"
	aliasAL2023       = "al2023"
	aliasBottlerocket = "bottlerocket"
	aliasWindows2019  = "windows2019"
	aliasWindows2022  = "windows2022"

	versionLatest = "latest"
)

// familyOfAlias maps an alias family to the AMI family (bootstrap format).
var familyOfAlias = map[string]string{
	aliasAL2:          userdata.FamilyAL2,
	aliasAL2023:       userdata.FamilyAL2023,
	aliasBottlerocket: userdata.FamilyBottlerocket,
	aliasWindows2019:  userdata.FamilyWindows2019,
	aliasWindows2022:  userdata.FamilyWindows2022,
}

// AMI variants: which accelerators the image has drivers for.
const (
	variantStandard = "standard"
	variantNvidia   = "nvidia"
	variantNeuron   = "neuron"
)

// Family returns the AMI family of a node class: spec.amiFamily, else the family of
// its alias; "" when neither is set.
func Family(nodeClass *ec2v1.EC2NodeClass) string {
	if nodeClass.Spec.AMIFamily != nil && *nodeClass.Spec.AMIFamily != "" {
		return *nodeClass.Spec.AMIFamily
	}
	for _, term := range nodeClass.Spec.AMISelectorTerms {
		if a, err := parseAlias(term.Alias); err == nil {
			return familyOfAlias[a.family]
		}
	}
	return ""
}

// alias is a parsed family@version.
type alias struct {
	raw, family, version string
}

func parseAlias(s string) (alias, error) {
	family, version, ok := strings.Cut(s, "@")
	if !ok || family == "" || version == "" {
		return alias{}, fmt.Errorf("AMI alias %q is not family@version, e.g. al2023@latest", s)
	}
	family = strings.ToLower(family)
	if _, known := familyOfAlias[family]; !known {
		return alias{}, fmt.Errorf("AMI alias %q has unknown family %q, use al2, al2023, bottlerocket, windows2019 or windows2022", s, family)
	}
	if strings.HasPrefix(family, "windows") && version != versionLatest {
		return alias{}, fmt.Errorf("AMI alias %q pins a version; windows families only support @latest", s)
	}
	return alias{raw: s, family: family, version: version}, nil
}

// aliasParameter is one public SSM parameter an alias resolves through, and the
// instance types the image it names suits.
type aliasParameter struct {
	path string
	// arch is the Kubernetes architecture (amd64, arm64).
	arch string
	// variants are the accelerators the image serves; one AMI entry per variant.
	variants []string
	windows  bool
}

// parameters returns the SSM parameters of an alias for a Kubernetes version
// (major.minor), the standard x86_64 image first. A pinned version maps to the
// parameter AWS publishes for that release:
//
//	al2023@v20250915 -> /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<arch>/<variant>/amazon-eks-node-al2023-<arch>-<variant>-<k8s>-v20250915/image_id
//	al2@v20250915    -> /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2[-arm64|-gpu]/amazon-eks[-arm64|-gpu]-node-<k8s>-v20250915/image_id
//	bottlerocket@v1.46.0 (or @1.46.0) -> /aws/service/bottlerocket/aws-k8s-<k8s>[-nvidia]/<arch>/1.46.0/image_id
//
// and @latest to the .../recommended/image_id (EKS) or .../latest/image_id
// (Bottlerocket) parameters. Windows has only the latest parameter.
func (a alias) parameters(k8s string) []aliasParameter {
	switch a.family {
	case aliasAL2023:
		return a.al2023Parameters(k8s)
	case aliasAL2:
		return a.al2Parameters(k8s)
	case aliasBottlerocket:
		return a.bottlerocketParameters(k8s)
	}
	year := strings.TrimPrefix(a.family, "windows")
	return []aliasParameter{{
		path:     fmt.Sprintf("/aws/service/ami-windows-latest/Windows_Server-%s-English-Core-EKS_Optimized-%s/image_id", year, k8s),
		arch:     wellknown.ArchAMD64,
		variants: []string{variantStandard},
		windows:  true,
	}}
}

func (a alias) al2023Parameters(k8s string) []aliasParameter {
	var out []aliasParameter
	for _, c := range []struct{ arch, variant string }{
		{"x86_64", variantStandard}, {"arm64", variantStandard},
		{"x86_64", variantNvidia}, {"arm64", variantNvidia}, {"x86_64", variantNeuron},
	} {
		leaf := "recommended"
		if a.version != versionLatest {
			leaf = fmt.Sprintf("amazon-eks-node-al2023-%s-%s-%s-%s", c.arch, c.variant, k8s, a.version)
		}
		out = append(out, aliasParameter{
			path:     fmt.Sprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2023/%s/%s/%s/image_id", k8s, c.arch, c.variant, leaf),
			arch:     kubeArch(c.arch),
			variants: []string{c.variant},
		})
	}
	return out
}

func (a alias) al2Parameters(k8s string) []aliasParameter {
	var out []aliasParameter
	for _, c := range []struct {
		name, prefix, arch string
		variants           []string
	}{
		{"amazon-linux-2", "amazon-eks-node", wellknown.ArchAMD64, []string{variantStandard}},
		{"amazon-linux-2-arm64", "amazon-eks-arm64-node", wellknown.ArchARM64, []string{variantStandard}},
		// The AL2 accelerated image carries both the NVIDIA and the Neuron drivers.
		{"amazon-linux-2-gpu", "amazon-eks-gpu-node", wellknown.ArchAMD64, []string{variantNvidia, variantNeuron}},
	} {
		leaf := "recommended"
		if a.version != versionLatest {
			leaf = fmt.Sprintf("%s-%s-%s", c.prefix, k8s, a.version)
		}
		out = append(out, aliasParameter{
			path:     fmt.Sprintf("/aws/service/eks/optimized-ami/%s/%s/%s/image_id", k8s, c.name, leaf),
			arch:     c.arch,
			variants: c.variants,
		})
	}
	return out
}

func (a alias) bottlerocketParameters(k8s string) []aliasParameter {
	version := strings.TrimPrefix(a.version, "v")
	var out []aliasParameter
	for _, c := range []struct{ arch, variant, suffix string }{
		{"x86_64", variantStandard, ""}, {"arm64", variantStandard, ""},
		{"x86_64", variantNvidia, "-nvidia"}, {"arm64", variantNvidia, "-nvidia"},
	} {
		out = append(out, aliasParameter{
			path:     fmt.Sprintf("/aws/service/bottlerocket/aws-k8s-%s%s/%s/%s/image_id", k8s, c.suffix, c.arch, version),
			arch:     kubeArch(c.arch),
			variants: []string{c.variant},
		})
	}
	return out
}

// kubeArch maps an EC2 architecture to a Kubernetes one; "" when unknown.
func kubeArch(ec2Arch string) string {
	switch ec2Arch {
	case "x86_64":
		return wellknown.ArchAMD64
	case "arm64":
		return wellknown.ArchARM64
	}
	return ""
}
