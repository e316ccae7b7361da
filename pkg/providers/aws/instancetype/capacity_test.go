package instancetype

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
)

func TestENILimitedPods(t *testing.T) {
	// Expected values are those of the EKS AMI's eni-max-pods.txt.
	tests := []struct {
		name                  string
		enis, ips, reservedEN int64
		want                  int64
	}{
		{"t3.micro", 2, 2, 0, 4},
		{"t3.small", 3, 4, 0, 11},
		{"m5.large", 3, 10, 0, 29},
		{"m5.xlarge", 4, 15, 0, 58},
		{"c5.4xlarge", 8, 30, 0, 234},
		{"m5.24xlarge", 15, 50, 0, 737},
		{"m5.large with one reserved ENI", 3, 10, 1, 20},
		{"more reserved ENIs than the type has", 2, 2, 5, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := eniLimitedPods(tt.enis, tt.ips, tt.reservedEN); got != tt.want {
				t.Errorf("eniLimitedPods(%d, %d, %d) = %d, want %d", tt.enis, tt.ips, tt.reservedEN, got, tt.want)
			}
		})
	}
}

func TestMaxPods(t *testing.T) {
	tests := []struct {
		name    string
		eniPods int64
		vcpus   int64
		kubelet *ec2v1.KubeletConfiguration
		want    int64
	}{
		{"ENI limit without kubelet settings", 29, 2, nil, 29},
		{"maxPods replaces the ENI limit", 29, 2, &ec2v1.KubeletConfiguration{MaxPods: ptr.To[int32](110)}, 110},
		{"podsPerCore caps the ENI limit", 737, 96, &ec2v1.KubeletConfiguration{PodsPerCore: ptr.To[int32](2)}, 192},
		{"podsPerCore above the ENI limit changes nothing", 29, 2, &ec2v1.KubeletConfiguration{PodsPerCore: ptr.To[int32](20)}, 29},
		{"podsPerCore caps maxPods", 29, 2, &ec2v1.KubeletConfiguration{MaxPods: ptr.To[int32](110), PodsPerCore: ptr.To[int32](10)}, 20},
		{"podsPerCore 0 means no cap", 29, 2, &ec2v1.KubeletConfiguration{PodsPerCore: ptr.To[int32](0)}, 29},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maxPods(tt.eniPods, tt.vcpus, tt.kubelet); got != tt.want {
				t.Errorf("maxPods = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestMemoryCapacityMiB(t *testing.T) {
	tests := []struct {
		name      string
		memoryMiB int64
		percent   float64
		arm64     bool
		want      int64
	}{
		{"m5.large, 7.5% overhead rounded up", 8192, 0.075, false, 7577},
		{"t3.micro", 1024, 0.075, false, 947},
		{"c6gn.16xlarge keeps 64Mi for the arm64 CMA", 131072, 0.075, true, 121182},
		{"no overhead", 8192, 0, false, 8192},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := memoryCapacityMiB(tt.memoryMiB, tt.percent, tt.arm64); got != tt.want {
				t.Errorf("memoryCapacityMiB = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestEphemeralStorage(t *testing.T) {
	raid0 := ec2v1.InstanceStorePolicyRAID0
	root := func(size string) []*ec2v1.BlockDeviceMapping {
		return []*ec2v1.BlockDeviceMapping{
			{DeviceName: ptr.To("/dev/xvdb"), EBS: &ec2v1.BlockDevice{VolumeSize: ptr.To("500Gi")}},
			{DeviceName: ptr.To("/dev/xvda"), RootVolume: true, EBS: &ec2v1.BlockDevice{VolumeSize: ptr.To(size)}},
		}
	}
	tests := []struct {
		name      string
		nodeClass *ec2v1.EC2NodeClass
		nvmeGB    int64
		want      string
	}{
		{"no node class: the AMI's 20Gi root volume", nil, 0, "20Gi"},
		{"node class without mappings", &ec2v1.EC2NodeClass{}, 150, "20Gi"},
		{"the mapping marked rootVolume", &ec2v1.EC2NodeClass{Spec: ec2v1.EC2NodeClassSpec{BlockDeviceMappings: root("100Gi")}}, 0, "100Gi"},
		{"RAID0 uses local NVMe", &ec2v1.EC2NodeClass{Spec: ec2v1.EC2NodeClassSpec{InstanceStorePolicy: &raid0, BlockDeviceMappings: root("100Gi")}}, 150, "150G"},
		{"RAID0 without local NVMe keeps the root volume", &ec2v1.EC2NodeClass{Spec: ec2v1.EC2NodeClassSpec{InstanceStorePolicy: &raid0, BlockDeviceMappings: root("100Gi")}}, 0, "100Gi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ephemeralStorage(tt.nodeClass, tt.nvmeGB)
			if err != nil {
				t.Fatal(err)
			}
			if want := resource.MustParse(tt.want); got.Cmp(want) != 0 {
				t.Errorf("ephemeralStorage = %s, want %s", got.String(), tt.want)
			}
		})
	}
}
