package launchtemplate

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/scheduling"
)

// acceleratorKeys are the labels an instance type defines only when it has the
// hardware, so an AMI that needs one present rules out types without it.
var acceleratorKeys = map[string]bool{
	wellknown.InstanceGPUCountLabelKey:         true,
	wellknown.InstanceAcceleratorCountLabelKey: true,
}

// group is the instance types that launch from one launch template: the same AMI
// and the same pod limit (the pod limit goes into the user data, so the node
// registers with the pods capacity the scheduler planned with).
type group struct {
	ami     ec2v1.AMI
	maxPods *int32
	types   []*cloudprovider.InstanceType
}

// groupByAMI puts each instance type with the first AMI (the newest, in status
// order) whose requirements it satisfies, split by pod limit, in the order the
// types came. A type no AMI suits is left out; it fails only when none is left.
func groupByAMI(amis []ec2v1.AMI, types []*cloudprovider.InstanceType, kubelet *ec2v1.KubeletConfiguration) ([]group, error) {
	reqs := make([]scheduling.Requirements, len(amis))
	for i, ami := range amis {
		r, err := amiRequirements(ami)
		if err != nil {
			return nil, err
		}
		reqs[i] = r
	}
	var groups []group
	index := map[string]int{}
	for _, it := range types {
		i := suitableAMI(reqs, it)
		if i < 0 {
			continue
		}
		pods := maxPods(it, kubelet)
		key := amis[i].ID + "/" + podsKey(pods)
		if _, ok := index[key]; !ok {
			index[key] = len(groups)
			groups = append(groups, group{ami: amis[i], maxPods: pods})
		}
		g := &groups[index[key]]
		g.types = append(g.types, it)
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("no AMI suits any of the %d instance types (%s); AMIs: %s",
			len(types), typeNames(types), describeAMIs(amis))
	}
	return groups, nil
}

func amiRequirements(ami ec2v1.AMI) (scheduling.Requirements, error) {
	out := scheduling.Requirements{}
	for _, r := range ami.Requirements {
		req, err := scheduling.ParseRequirement(r.Key, r.Operator, r.Values...)
		if err != nil {
			return nil, fmt.Errorf("reading requirements of AMI %s, %w", ami.ID, err)
		}
		out.Add(req)
	}
	return out, nil
}

// suitableAMI returns the index of the first AMI the type satisfies, or -1.
func suitableAMI(amiReqs []scheduling.Requirements, it *cloudprovider.InstanceType) int {
	typeReqs := withoutZeroCounts(it.Requirements)
	for i, reqs := range amiReqs {
		if typeReqs.Compatible(reqs, acceleratorKeys) == nil {
			return i
		}
	}
	return -1
}

// withoutZeroCounts drops accelerator counts of exactly "0": a type that says it
// has zero GPUs has none, as one that leaves the label out.
func withoutZeroCounts(reqs scheduling.Requirements) scheduling.Requirements {
	var out scheduling.Requirements
	for key := range acceleratorKeys {
		r, ok := reqs[key]
		if !ok || r.Operator() != corev1.NodeSelectorOpIn || len(r.Values()) != 1 || r.Values()[0] != "0" {
			continue
		}
		if out == nil {
			out = reqs.Copy()
		}
		delete(out, key)
	}
	if out == nil {
		return reqs
	}
	return out
}

// maxPods is the pod limit of nodes of a type: the node class's, else the type's
// pods capacity; nil when neither is known (the AMI's bootstrap decides).
func maxPods(it *cloudprovider.InstanceType, kubelet *ec2v1.KubeletConfiguration) *int32 {
	if kubelet != nil && kubelet.MaxPods != nil {
		return kubelet.MaxPods
	}
	if pods, ok := it.Capacity[corev1.ResourcePods]; ok && pods.Value() > 0 {
		n := int32(pods.Value())
		return &n
	}
	return nil
}

func podsKey(pods *int32) string {
	if pods == nil {
		return "-"
	}
	return strconv.Itoa(int(*pods))
}

func typeNames(types []*cloudprovider.InstanceType) string {
	names := make([]string, 0, len(types))
	for i, it := range types {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(types)-5))
			break
		}
		names = append(names, it.Name)
	}
	return strings.Join(names, ", ")
}

func describeAMIs(amis []ec2v1.AMI) string {
	if len(amis) == 0 {
		return "none resolved"
	}
	parts := make([]string, 0, len(amis))
	for _, ami := range amis {
		reqs := make([]string, 0, len(ami.Requirements))
		for _, r := range ami.Requirements {
			reqs = append(reqs, strings.TrimSpace(fmt.Sprintf("%s %s %s", r.Key, r.Operator, strings.Join(r.Values, ","))))
		}
		parts = append(parts, ami.ID+" needs "+strings.Join(reqs, " and "))
	}
	return strings.Join(parts, "; ")
}
