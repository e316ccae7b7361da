package instancetype

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
)

func TestKubeReservedCPU(t *testing.T) {
	tests := []struct {
		vcpus int64
		want  string
	}{
		{1, "60m"},
		{2, "70m"}, // m5.large: allocatable 1930m
		{4, "80m"}, // m5.xlarge: allocatable 3920m
		{5, "82m"}, // 82.5m rounded down
		{8, "90m"}, // m5.2xlarge: allocatable 7910m
		{48, "190m"},
		{64, "230m"},
		{96, "310m"}, // m5.24xlarge: allocatable 95690m
	}
	for _, tt := range tests {
		got := kubeReservedCPU(tt.vcpus)
		if want := resource.MustParse(tt.want); got.Cmp(want) != 0 {
			t.Errorf("kubeReservedCPU(%d) = %s, want %s", tt.vcpus, got.String(), tt.want)
		}
	}
}

func TestKubeReservedMemoryMiB(t *testing.T) {
	tests := []struct{ pods, want int64 }{
		{4, 299},    // t3.micro
		{29, 574},   // m5.large
		{110, 1465}, // maxPods 110
		{737, 8362}, // m5.24xlarge
	}
	for _, tt := range tests {
		if got := kubeReservedMemoryMiB(tt.pods); got != tt.want {
			t.Errorf("kubeReservedMemoryMiB(%d) = %d, want %d", tt.pods, got, tt.want)
		}
	}
}

func TestKubeReservedOverrides(t *testing.T) {
	got, err := kubeReserved(2, 29, map[string]string{"cpu": "200m", "pid": "1000"})
	if err != nil {
		t.Fatal(err)
	}
	expectQuantities(t, got, map[corev1.ResourceName]string{"cpu": "200m", "memory": "574Mi", "ephemeral-storage": "1Gi"})
	if _, err := kubeReserved(2, 29, map[string]string{"memory": "lots"}); err == nil {
		t.Error("kubeReserved accepted memory \"lots\"")
	}
}

func TestEvictionThreshold(t *testing.T) {
	memory, storage := resource.MustParse("8000Mi"), resource.MustParse("20Gi")
	tests := []struct {
		name    string
		kubelet *ec2v1.KubeletConfiguration
		want    map[corev1.ResourceName]string
	}{
		{"kubelet defaults", nil, map[corev1.ResourceName]string{"memory": "100Mi", "ephemeral-storage": "2Gi"}},
		{"evictionHard replaces a default per signal", &ec2v1.KubeletConfiguration{
			EvictionHard: map[string]string{"memory.available": "500Mi"},
		}, map[corev1.ResourceName]string{"memory": "500Mi", "ephemeral-storage": "2Gi"}},
		{"percentages are of capacity", &ec2v1.KubeletConfiguration{
			EvictionHard: map[string]string{"memory.available": "5%", "nodefs.available": "15%"},
		}, map[corev1.ResourceName]string{"memory": "400Mi", "ephemeral-storage": "3Gi"}},
		{"the larger of hard and soft", &ec2v1.KubeletConfiguration{
			EvictionHard: map[string]string{"memory.available": "200Mi"},
			EvictionSoft: map[string]string{"memory.available": "1Gi", "nodefs.available": "5%"},
		}, map[corev1.ResourceName]string{"memory": "1Gi", "ephemeral-storage": "2Gi"}},
		{"signals without a resource are ignored", &ec2v1.KubeletConfiguration{
			EvictionHard: map[string]string{"nodefs.inodesFree": "5%", "pid.available": "10%"},
		}, map[corev1.ResourceName]string{"memory": "100Mi", "ephemeral-storage": "2Gi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evictionThreshold(memory, storage, tt.kubelet)
			if err != nil {
				t.Fatal(err)
			}
			expectQuantities(t, got, tt.want)
		})
	}
	bad := &ec2v1.KubeletConfiguration{EvictionHard: map[string]string{"memory.available": "150%"}}
	if _, err := evictionThreshold(memory, storage, bad); err == nil {
		t.Error("evictionThreshold accepted 150%")
	}
}

// TestAllocatable checks whole instance types against the allocatable resources
// nodes of those types report with the EKS AL2023 AMI's defaults.
func TestAllocatable(t *testing.T) {
	tests := []struct {
		spec      spec
		nodeClass *ec2v1.EC2NodeClass
		want      map[corev1.ResourceName]string
	}{
		{m5Large, nil, map[corev1.ResourceName]string{"cpu": "1930m", "memory": "6903Mi", "pods": "29", "ephemeral-storage": "17Gi"}},
		{t3Micro, nil, map[corev1.ResourceName]string{"cpu": "1930m", "memory": "548Mi", "pods": "4", "ephemeral-storage": "17Gi"}},
		{m5_24xlarge, nil, map[corev1.ResourceName]string{"cpu": "95690m", "memory": "355262Mi", "pods": "737"}},
		{c6gn16xlarge, nil, map[corev1.ResourceName]string{"cpu": "63770m", "memory": "112720Mi", "pods": "737", "vpc.amazonaws.com/efa": "1"}},
		{g4dn12xlarge, nil, map[corev1.ResourceName]string{"cpu": "47810m", "memory": "178933Mi", "pods": "234", "nvidia.com/gpu": "4"}},
		{g4adXlarge, nil, map[corev1.ResourceName]string{"cpu": "3920m", "memory": "14712Mi", "pods": "8", "amd.com/gpu": "1"}},
		{inf2Xlarge, nil, map[corev1.ResourceName]string{"memory": "14162Mi", "aws.amazon.com/neuron": "1", "aws.amazon.com/neuroncore": "2"}},
		{m5Large, &ec2v1.EC2NodeClass{Spec: ec2v1.EC2NodeClassSpec{Kubelet: &ec2v1.KubeletConfiguration{
			MaxPods:        ptr.To[int32](110),
			SystemReserved: map[string]string{"cpu": "100m", "memory": "100Mi"},
		}}}, map[corev1.ResourceName]string{"cpu": "1830m", "memory": "5912Mi", "pods": "110"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec.name, func(t *testing.T) {
			it := buildWithoutOfferings(t, tt.spec, tt.nodeClass)
			expectQuantities(t, it.Allocatable(), tt.want)
		})
	}
}

// buildWithoutOfferings computes capacity and overhead as List does.
func buildWithoutOfferings(t *testing.T, sp spec, nodeClass *ec2v1.EC2NodeClass) *cloudprovider.InstanceType {
	t.Helper()
	s, ok := newShape(info(sp), settings.Settings{Region: "us-west-2"}.Defaults())
	if !ok {
		t.Fatalf("%s is not supported", sp.name)
	}
	var kubelet *ec2v1.KubeletConfiguration
	if nodeClass != nil {
		kubelet = nodeClass.Spec.Kubelet
	}
	c, err := capacity(s, maxPods(s.eniPods, s.vcpus, kubelet), nodeClass)
	if err != nil {
		t.Fatal(err)
	}
	o, err := overhead(s.vcpus, c, kubelet)
	if err != nil {
		t.Fatal(err)
	}
	return &cloudprovider.InstanceType{Name: s.name, Capacity: c, Overhead: o}
}

func expectQuantities(t *testing.T, got corev1.ResourceList, want map[corev1.ResourceName]string) {
	t.Helper()
	for name, w := range want {
		q, ok := got[name]
		if !ok {
			t.Errorf("%s missing, want %s", name, w)
			continue
		}
		if q.Cmp(resource.MustParse(w)) != 0 {
			t.Errorf("%s = %s, want %s", name, q.String(), w)
		}
	}
}
