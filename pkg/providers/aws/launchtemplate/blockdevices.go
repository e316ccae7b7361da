package launchtemplate

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"k8s.io/apimachinery/pkg/api/resource"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/providers/aws/nodeclass"
	"github.com/tailor-sh/tailor/pkg/providers/aws/userdata"
)

// defaultVolume is an encrypted gp3 volume that goes with the instance.
func defaultVolume(device, size string) *ec2v1.BlockDeviceMapping {
	return &ec2v1.BlockDeviceMapping{
		DeviceName: aws.String(device),
		EBS: &ec2v1.BlockDevice{
			VolumeSize:          aws.String(size),
			VolumeType:          aws.String("gp3"),
			Encrypted:           aws.Bool(true),
			DeleteOnTermination: aws.Bool(true),
		},
	}
}

// defaultBlockDevices are the disks of a family when the node class names none:
// the root volume, and for Bottlerocket its separate data volume. Custom AMIs keep
// the AMI's own mappings.
func defaultBlockDevices(family string) []*ec2v1.BlockDeviceMapping {
	switch family {
	case userdata.FamilyAL2, userdata.FamilyAL2023:
		return []*ec2v1.BlockDeviceMapping{defaultVolume("/dev/xvda", "20Gi")}
	case userdata.FamilyBottlerocket:
		return []*ec2v1.BlockDeviceMapping{defaultVolume("/dev/xvda", "4Gi"), defaultVolume("/dev/xvdb", "20Gi")}
	case userdata.FamilyWindows2019, userdata.FamilyWindows2022:
		return []*ec2v1.BlockDeviceMapping{defaultVolume("/dev/sda1", "50Gi")}
	}
	return nil
}

// blockDevices are the node class's block device mappings, or the family's.
func blockDevices(nc *ec2v1.EC2NodeClass) []ec2types.LaunchTemplateBlockDeviceMappingRequest {
	mappings := nc.Spec.BlockDeviceMappings
	if len(mappings) == 0 {
		mappings = defaultBlockDevices(nodeclass.Family(nc))
	}
	out := make([]ec2types.LaunchTemplateBlockDeviceMappingRequest, 0, len(mappings))
	for _, m := range mappings {
		if m == nil || m.EBS == nil {
			continue
		}
		out = append(out, ec2types.LaunchTemplateBlockDeviceMappingRequest{
			DeviceName: m.DeviceName,
			Ebs: &ec2types.LaunchTemplateEbsBlockDeviceRequest{
				DeleteOnTermination: m.EBS.DeleteOnTermination,
				Encrypted:           m.EBS.Encrypted,
				Iops:                int32Ptr(m.EBS.IOPS),
				KmsKeyId:            m.EBS.KMSKeyID,
				SnapshotId:          m.EBS.SnapshotID,
				Throughput:          int32Ptr(m.EBS.Throughput),
				VolumeSize:          volumeGiB(m.EBS.VolumeSize),
				VolumeType:          ec2types.VolumeType(aws.ToString(m.EBS.VolumeType)),
			},
		})
	}
	return out
}

// volumeGiB converts a size such as 20Gi, 100G or 1Ti to whole GiB, rounding up;
// nil when unset or unreadable (the API validates the pattern).
func volumeGiB(size *string) *int32 {
	if size == nil {
		return nil
	}
	q, err := resource.ParseQuantity(*size)
	if err != nil {
		return nil
	}
	const gib = 1 << 30
	n := int32((q.Value() + gib - 1) / gib)
	return &n
}

func int32Ptr(v *int64) *int32 {
	if v == nil {
		return nil
	}
	n := int32(*v)
	return &n
}
