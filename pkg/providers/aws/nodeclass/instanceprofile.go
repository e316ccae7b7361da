package nodeclass

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"k8s.io/klog/v2"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
)

// maxInstanceProfileName is IAM's limit on instance profile names.
const maxInstanceProfileName = 128

// InstanceProfileName is the name of the instance profile made for a node class's
// role: <clusterName>_<16 hex digits of SHA-256(role/uid)>, the cluster name cut so
// the whole fits IAM's 128 characters. The same node class and role always give
// the same name, so a retry never makes a second profile.
func InstanceProfileName(clusterName string, nodeClass *ec2v1.EC2NodeClass) string {
	sum := sha256.Sum256([]byte(nodeClass.Spec.Role + "/" + string(nodeClass.UID)))
	suffix := "_" + hex.EncodeToString(sum[:])[:16]
	if len(clusterName) > maxInstanceProfileName-len(suffix) {
		clusterName = clusterName[:maxInstanceProfileName-len(suffix)]
	}
	return clusterName + suffix
}

// instanceProfile returns the instance profile instances launch with: the given
// one once it is found to exist, or the one made for the role, created (with the
// role in it) when missing.
func (r *Resolver) instanceProfile(ctx context.Context, nodeClass *ec2v1.EC2NodeClass) (string, error) {
	if p := nodeClass.Spec.InstanceProfile; p != nil && *p != "" {
		if _, err := r.getInstanceProfile(ctx, *p); err != nil {
			if sdk.IsNotFound(err) {
				return "", fmt.Errorf("instance profile %s not found; create it, or set spec.role to have one made", *p)
			}
			return "", err
		}
		return *p, nil
	}
	if nodeClass.Spec.Role == "" {
		return "", errors.New("neither spec.role nor spec.instanceProfile is set; set one of them")
	}
	name := InstanceProfileName(r.settings.ClusterName, nodeClass)
	if err := r.ensureInstanceProfile(ctx, name, nodeClass); err != nil {
		return "", err
	}
	return name, nil
}

func (r *Resolver) getInstanceProfile(ctx context.Context, name string) (*iamtypes.InstanceProfile, error) {
	out, err := r.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("getting instance profile %s, %w", name, err)
	}
	return out.InstanceProfile, nil
}

// ensureInstanceProfile makes sure profile name exists and holds the node class's
// role. Creating and adding tolerate AlreadyExists from a concurrent creator.
func (r *Resolver) ensureInstanceProfile(ctx context.Context, name string, nodeClass *ec2v1.EC2NodeClass) error {
	role := nodeClass.Spec.Role
	profile, err := r.getInstanceProfile(ctx, name)
	switch {
	case sdk.IsNotFound(err):
		if err := r.createInstanceProfile(ctx, name, nodeClass); err != nil {
			return err
		}
	case err != nil:
		return err
	case profile != nil && len(profile.Roles) > 0:
		if got := aws.ToString(profile.Roles[0].RoleName); got != role {
			return fmt.Errorf("instance profile %s holds role %s, not %s; remove the role from it or delete the profile", name, got, role)
		}
		return nil
	}
	_, err = r.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{
		InstanceProfileName: aws.String(name),
		RoleName:            aws.String(role),
	})
	if err != nil && !sdk.IsAlreadyExists(err) {
		return fmt.Errorf("adding role %s to instance profile %s, %w", role, name, err)
	}
	klog.FromContext(ctx).Info("added role to instance profile", "ec2nodeclass", klog.KObj(nodeClass), "instanceProfile", name, "role", role)
	return nil
}

func (r *Resolver) createInstanceProfile(ctx context.Context, name string, nodeClass *ec2v1.EC2NodeClass) error {
	_, err := r.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{
		InstanceProfileName: aws.String(name),
		Tags: []iamtypes.Tag{
			{Key: aws.String(wellknown.AWSGroup + "/cluster"), Value: aws.String(r.settings.ClusterName)},
			{Key: aws.String(wellknown.EC2NodeClassLabelKey), Value: aws.String(nodeClass.Name)},
			{Key: aws.String("kubernetes.io/cluster/" + r.settings.ClusterName), Value: aws.String("owned")},
		},
	})
	if err != nil && !sdk.IsAlreadyExists(err) {
		return fmt.Errorf("creating instance profile %s, %w", name, err)
	}
	if err == nil {
		klog.FromContext(ctx).Info("created instance profile", "ec2nodeclass", klog.KObj(nodeClass), "instanceProfile", name)
	}
	return nil
}
