package ec2sim

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestIAMInstanceProfileLifecycle(t *testing.T) {
	_, c := startAux(t, Options{})
	ctx := context.Background()
	name := aws.String("sim-cluster_123")

	_, err := c.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: name})
	var noSuch *iamtypes.NoSuchEntityException
	if !errors.As(err, &noSuch) || apiErrorCode(err) != "NoSuchEntity" || httpStatus(err) != 404 {
		t.Fatalf("GetInstanceProfile before create: %v, want a 404 NoSuchEntity", err)
	}

	created, err := c.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{
		InstanceProfileName: name, Path: aws.String("/karpenter/us-west-2/sim-cluster/abc/"),
		Tags: []iamtypes.Tag{{Key: aws.String("karpenter.sh/managed-by"), Value: aws.String("sim-cluster")}},
	})
	if err != nil {
		t.Fatalf("CreateInstanceProfile: %v", err)
	}
	p := created.InstanceProfile
	if aws.ToString(p.Arn) != "arn:aws:iam::123456789012:instance-profile/karpenter/us-west-2/sim-cluster/abc/sim-cluster_123" ||
		aws.ToString(p.InstanceProfileId) == "" || p.CreateDate == nil || len(p.Roles) != 0 || len(p.Tags) != 1 {
		t.Fatalf("created profile = %+v", p)
	}
	_, err = c.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: name})
	var exists *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("second CreateInstanceProfile: %v, want EntityAlreadyExists", err)
	}

	if _, err := c.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("KarpenterNodeRole")}); err != nil {
		t.Fatalf("AddRoleToInstanceProfile: %v", err)
	}
	_, err = c.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("Other")})
	var limit *iamtypes.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("second AddRoleToInstanceProfile: %v, want LimitExceeded", err)
	}
	got, err := c.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: name})
	if err != nil {
		t.Fatalf("GetInstanceProfile: %v", err)
	}
	roles := got.InstanceProfile.Roles
	if len(roles) != 1 || aws.ToString(roles[0].RoleName) != "KarpenterNodeRole" ||
		aws.ToString(roles[0].Arn) != "arn:aws:iam::123456789012:role/KarpenterNodeRole" {
		t.Fatalf("roles = %+v", roles)
	}
	if tag := got.InstanceProfile.Tags[0]; aws.ToString(tag.Key) != "karpenter.sh/managed-by" || aws.ToString(tag.Value) != "sim-cluster" {
		t.Fatalf("tags = %+v", got.InstanceProfile.Tags)
	}

	_, err = c.iam.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: name})
	var conflict *iamtypes.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("DeleteInstanceProfile with a role: %v, want DeleteConflict", err)
	}
	if _, err := c.iam.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("KarpenterNodeRole")}); err != nil {
		t.Fatalf("RemoveRoleFromInstanceProfile: %v", err)
	}
	if _, err := c.iam.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: name}); err != nil {
		t.Fatalf("DeleteInstanceProfile: %v", err)
	}
	if _, err := c.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: name}); !errors.As(err, &noSuch) {
		t.Fatalf("GetInstanceProfile after delete: %v", err)
	}
}

func TestIAMListAndTagInstanceProfiles(t *testing.T) {
	_, c := startAux(t, Options{})
	ctx := context.Background()
	for i := range 5 {
		path := "/karpenter/"
		if i == 4 {
			path = "/other/"
		}
		_, err := c.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(fmt.Sprintf("p%d", i)), Path: aws.String(path)})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.iam.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("p0"),
		Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatalf("TagInstanceProfile: %v", err)
	}
	var names []string
	paginator := iam.NewListInstanceProfilesPaginator(c.iam, &iam.ListInstanceProfilesInput{PathPrefix: aws.String("/karpenter/"), MaxItems: aws.Int32(3)})
	pages := 0
	for paginator.HasMorePages() {
		out, err := paginator.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListInstanceProfiles: %v", err)
		}
		pages++
		for _, p := range out.InstanceProfiles {
			names = append(names, aws.ToString(p.InstanceProfileName))
			if aws.ToString(p.InstanceProfileName) == "p0" && len(p.Tags) != 1 {
				t.Fatalf("p0 tags = %+v", p.Tags)
			}
		}
	}
	if fmt.Sprint(names) != "[p0 p1 p2 p3]" || pages != 2 {
		t.Fatalf("listed %v in %d pages, want [p0 p1 p2 p3] in 2", names, pages)
	}
}

func TestIAMThrottlingAndValidation(t *testing.T) {
	sim, c := startAux(t, Options{})
	ctx := context.Background()
	_, err := c.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("bad name!")})
	if apiErrorCode(err) != "ValidationError" {
		t.Fatalf("bad name: %v, want ValidationError", err)
	}
	sim.SetThrottleRate(1)
	_, err = c.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("x")})
	if apiErrorCode(err) != "Throttling" || sim.Calls("GetInstanceProfile") != 1 {
		t.Fatalf("error = %v, calls = %d; want Throttling once", err, sim.Calls("GetInstanceProfile"))
	}
}
