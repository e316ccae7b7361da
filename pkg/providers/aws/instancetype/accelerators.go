package instancetype

import (
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// gpuResources are the device-plugin resources of GPUs by lower-case manufacturer.
// EC2 lists Habana Gaudi accelerators as GPUs too.
var gpuResources = map[string]corev1.ResourceName{
	"nvidia": wellknown.ResourceNVIDIAGPU,
	"amd":    wellknown.ResourceAMDGPU,
	"habana": wellknown.ResourceHabanaGaudi,
}

// acceleratorLabels are the GPU and accelerator labels of a type. As in Karpenter,
// they are set only when the type has one kind of device, and instance-gpu-memory
// is the memory of one GPU in MiB (the count says how many there are).
func acceleratorLabels(info ec2types.InstanceTypeInfo) map[string]string {
	out := map[string]string{}
	if g := info.GpuInfo; g != nil && len(g.Gpus) == 1 {
		gpu := g.Gpus[0]
		out[wellknown.InstanceGPUNameLabelKey] = kebab(aws.ToString(gpu.Name))
		out[wellknown.InstanceGPUManufacturerLabelKey] = kebab(aws.ToString(gpu.Manufacturer))
		out[wellknown.InstanceGPUCountLabelKey] = strconv.Itoa(int(aws.ToInt32(gpu.Count)))
		if gpu.MemoryInfo != nil && aws.ToInt32(gpu.MemoryInfo.SizeInMiB) > 0 {
			out[wellknown.InstanceGPUMemoryLabelKey] = strconv.Itoa(int(aws.ToInt32(gpu.MemoryInfo.SizeInMiB)))
		}
	}
	name, manufacturer, count, ok := singleAccelerator(info)
	if ok {
		out[wellknown.InstanceAcceleratorNameLabelKey] = kebab(name)
		out[wellknown.InstanceAcceleratorManufacturerLabelKey] = kebab(manufacturer)
		out[wellknown.InstanceAcceleratorCountLabelKey] = strconv.Itoa(int(count))
	}
	return out
}

// singleAccelerator is the type's one kind of AWS Neuron device (Inferentia,
// Trainium), or else of inference accelerator; ok is false when there is not
// exactly one kind.
func singleAccelerator(info ec2types.InstanceTypeInfo) (name, manufacturer string, count int32, ok bool) {
	if n := info.NeuronInfo; n != nil && len(n.NeuronDevices) > 0 {
		if len(n.NeuronDevices) != 1 {
			return "", "", 0, false
		}
		d := n.NeuronDevices[0]
		return aws.ToString(d.Name), "aws", aws.ToInt32(d.Count), true
	}
	if a := info.InferenceAcceleratorInfo; a != nil && len(a.Accelerators) == 1 {
		d := a.Accelerators[0]
		return aws.ToString(d.Name), aws.ToString(d.Manufacturer), aws.ToInt32(d.Count), true
	}
	return "", "", 0, false
}

// extendedResources are the device-plugin resources a node of this type offers:
// GPUs by manufacturer, Neuron devices and their cores, and EFA interfaces.
func extendedResources(info ec2types.InstanceTypeInfo) map[corev1.ResourceName]int64 {
	out := map[corev1.ResourceName]int64{}
	if g := info.GpuInfo; g != nil {
		for _, gpu := range g.Gpus {
			if name, ok := gpuResources[strings.ToLower(aws.ToString(gpu.Manufacturer))]; ok {
				out[name] += int64(aws.ToInt32(gpu.Count))
			}
		}
	}
	addNeuron(out, info)
	if n := info.NetworkInfo; n != nil && aws.ToBool(n.EfaSupported) {
		efa := int64(1)
		if n.EfaInfo != nil && aws.ToInt32(n.EfaInfo.MaximumEfaInterfaces) > 0 {
			efa = int64(aws.ToInt32(n.EfaInfo.MaximumEfaInterfaces))
		}
		out[wellknown.ResourceEFA] = efa
	}
	for name, count := range out {
		if count <= 0 {
			delete(out, name)
		}
	}
	return out
}

// addNeuron adds Neuron devices (aws.amazon.com/neuron) and their cores
// (aws.amazon.com/neuroncore); first-generation Inferentia reported only as an
// inference accelerator counts as Neuron devices without core information.
func addNeuron(out map[corev1.ResourceName]int64, info ec2types.InstanceTypeInfo) {
	if n := info.NeuronInfo; n != nil && len(n.NeuronDevices) > 0 {
		for _, d := range n.NeuronDevices {
			devices := int64(aws.ToInt32(d.Count))
			out[wellknown.ResourceAWSNeuron] += devices
			if d.CoreInfo != nil {
				out[wellknown.ResourceAWSNeuronCore] += devices * int64(aws.ToInt32(d.CoreInfo.Count))
			}
		}
		return
	}
	if a := info.InferenceAcceleratorInfo; a != nil {
		for _, d := range a.Accelerators {
			if strings.EqualFold(aws.ToString(d.Manufacturer), "aws") {
				out[wellknown.ResourceAWSNeuron] += int64(aws.ToInt32(d.Count))
			}
		}
	}
}
