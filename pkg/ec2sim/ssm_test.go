package ec2sim

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

func TestSSMResolvesPublicAliases(t *testing.T) {
	sim, c := startAux(t, Options{})
	tests := []struct {
		path                  string
		family, arch, variant string
	}{
		{"/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/image_id", FamilyAL2023, "x86_64", VariantStandard},
		{"/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/standard/recommended/image_id", FamilyAL2023, "arm64", VariantStandard},
		{"/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/nvidia/recommended/image_id", FamilyAL2023, "x86_64", VariantNvidia},
		{"/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/nvidia/recommended/image_id", FamilyAL2023, "arm64", VariantNvidia},
		{"/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/neuron/recommended/image_id", FamilyAL2023, "x86_64", VariantNeuron},
		{"/aws/service/eks/optimized-ami/1.29/amazon-linux-2023/x86_64/standard/recommended/image_id", FamilyAL2023, "x86_64", VariantStandard},
		{"/aws/service/eks/optimized-ami/1.34/amazon-linux-2/recommended/image_id", FamilyAL2, "x86_64", VariantStandard},
		{"/aws/service/eks/optimized-ami/1.34/amazon-linux-2-arm64/recommended/image_id", FamilyAL2, "arm64", VariantStandard},
		{"/aws/service/eks/optimized-ami/1.34/amazon-linux-2-gpu/recommended/image_id", FamilyAL2, "x86_64", VariantNvidia},
		{"/aws/service/bottlerocket/aws-k8s-1.34/x86_64/latest/image_id", FamilyBottlerocket, "x86_64", VariantStandard},
		{"/aws/service/bottlerocket/aws-k8s-1.34/arm64/latest/image_id", FamilyBottlerocket, "arm64", VariantStandard},
		{"/aws/service/bottlerocket/aws-k8s-1.34-nvidia/x86_64/latest/image_id", FamilyBottlerocket, "x86_64", VariantNvidia},
		{"/aws/service/bottlerocket/aws-k8s-1.34-nvidia/arm64/latest/image_id", FamilyBottlerocket, "arm64", VariantNvidia},
		{"/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.34/image_id", FamilyWindows2022, "x86_64", VariantStandard},
		{"/aws/service/ami-windows-latest/Windows_Server-2019-English-Core-EKS_Optimized-1.34/image_id", FamilyWindows2019, "x86_64", VariantStandard},
	}
	served := map[string]Image{}
	for _, img := range sim.DefaultImages() {
		served[img.ID] = img
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			out, err := c.ssm.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(tt.path)})
			if err != nil {
				t.Fatalf("GetParameter: %v", err)
			}
			got := aws.ToString(out.Parameter.Value)
			if want := defaultImageID(tt.family, tt.arch, tt.variant); got != want {
				t.Fatalf("value = %s, want %s", got, want)
			}
			img, ok := served[got]
			if !ok || img.Architecture != tt.arch || img.Family != tt.family || img.Variant != tt.variant {
				t.Fatalf("EC2 serves %s as %+v, want a current %s/%s/%s image", got, img, tt.family, tt.arch, tt.variant)
			}
			if aws.ToString(out.Parameter.Name) != tt.path || aws.ToString(out.Parameter.DataType) != "aws:ec2:image" ||
				out.Parameter.LastModifiedDate == nil || out.Parameter.Version != 1 {
				t.Fatalf("parameter = %+v", out.Parameter)
			}
		})
	}
}

func TestSSMUnknownParameterIsNotFound(t *testing.T) {
	_, c := startAux(t, Options{})
	for _, name := range []string{
		"/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/neuron/recommended/image_id",
		"/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.34-v20250101/image_id",
		"/aws/service/eks/optimized-ami/2.1/amazon-linux-2/recommended/image_id",
		"/my/parameter",
	} {
		_, err := c.ssm.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(name)})
		var notFound *ssmtypes.ParameterNotFound
		if !errors.As(err, &notFound) || apiErrorCode(err) != "ParameterNotFound" || httpStatus(err) != 400 {
			t.Fatalf("GetParameter(%s) error = %v, want ParameterNotFound", name, err)
		}
	}
}

func TestSSMPutParameterShadowsAliases(t *testing.T) {
	sim, c := startAux(t, Options{})
	alias := "/aws/service/bottlerocket/aws-k8s-1.34/arm64/latest/image_id"
	sim.PutParameter(alias, "ami-0123456789abcdef0")
	sim.PutParameter("/custom/ami", "ami-1")
	sim.PutParameter("/custom/ami", "ami-2")
	out, err := c.ssm.GetParameters(context.Background(), &ssm.GetParametersInput{Names: []string{alias, "/custom/ami", "/missing"}})
	if err != nil {
		t.Fatalf("GetParameters: %v", err)
	}
	got := map[string]ssmtypes.Parameter{}
	for _, p := range out.Parameters {
		got[aws.ToString(p.Name)] = p
	}
	if v := aws.ToString(got[alias].Value); v != "ami-0123456789abcdef0" {
		t.Fatalf("alias = %s, want the put value", v)
	}
	if p := got["/custom/ami"]; aws.ToString(p.Value) != "ami-2" || p.Version != 2 {
		t.Fatalf("/custom/ami = %s version %d, want ami-2 version 2", aws.ToString(p.Value), p.Version)
	}
	if len(out.InvalidParameters) != 1 || out.InvalidParameters[0] != "/missing" {
		t.Fatalf("InvalidParameters = %v", out.InvalidParameters)
	}
}

func TestSSMThrottling(t *testing.T) {
	sim, c := startAux(t, Options{})
	sim.SetThrottleRate(1)
	_, err := c.ssm.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/x")})
	if apiErrorCode(err) != "ThrottlingException" {
		t.Fatalf("error = %v, want ThrottlingException", err)
	}
	if n := sim.Calls("AmazonSSM.GetParameter"); n != 1 {
		t.Fatalf("Calls = %d, want 1", n)
	}
}
