package launchtemplate

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/providers/aws/nodeclass"
	"github.com/tailor-sh/tailor/pkg/providers/aws/userdata"
)

// Tag keys the provider writes.
const (
	ClusterTagKey = wellknown.AWSGroup + "/cluster"
	// clusterOwnedTagPrefix + cluster name = "owned" marks resources of the cluster.
	clusterOwnedTagPrefix = "kubernetes.io/cluster/"
)

// template is a launch template to ensure: its name, derived from everything in
// it, and the request that creates it.
type template struct {
	name  string
	group group
	input *ec2.CreateLaunchTemplateInput
}

// buildTemplate decides the launch template of a group; it calls nothing.
func (p *Provider) buildTemplate(nc *ec2v1.EC2NodeClass, claim *karpv1.NodeClaim, g group, capacityType string) (template, error) {
	ud, err := userdata.Render(nodeclass.Family(nc), p.userDataOptions(nc, claim, g, capacityType))
	if err != nil {
		return template{}, err
	}
	tags := p.tags(nc, claim)
	data := &ec2types.RequestLaunchTemplateData{
		ImageId:             aws.String(g.ami.ID),
		IamInstanceProfile:  &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String(nc.Status.InstanceProfile)},
		BlockDeviceMappings: blockDevices(nc),
		MetadataOptions:     metadataOptions(nc.Spec.MetadataOptions),
		Monitoring:          &ec2types.LaunchTemplatesMonitoringRequest{Enabled: aws.Bool(aws.ToBool(nc.Spec.DetailedMonitoring))},
		TagSpecifications: []ec2types.LaunchTemplateTagSpecificationRequest{
			{ResourceType: ec2types.ResourceTypeInstance, Tags: tags},
			{ResourceType: ec2types.ResourceTypeVolume, Tags: tags},
		},
	}
	if ud != "" {
		data.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte(ud)))
	}
	groups := securityGroupIDs(nc)
	if nc.Spec.AssociatePublicIPAddress != nil {
		data.NetworkInterfaces = []ec2types.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{
			DeviceIndex:              aws.Int32(0),
			AssociatePublicIpAddress: nc.Spec.AssociatePublicIPAddress,
			Groups:                   groups,
		}}
	} else {
		data.SecurityGroupIds = groups
	}
	name, err := templateName(p.settings.ClusterName, data, tags)
	if err != nil {
		return template{}, err
	}
	return template{name: name, group: g, input: &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(name),
		LaunchTemplateData: data,
		TagSpecifications:  []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate, Tags: tags}},
	}}, nil
}

// templateName is tailor/<cluster>/<hash of the template data and tags>.
func templateName(cluster string, data *ec2types.RequestLaunchTemplateData, tags []ec2types.Tag) (string, error) {
	b, err := json.Marshal(struct {
		Data *ec2types.RequestLaunchTemplateData
		Tags []ec2types.Tag
	}{data, tags})
	if err != nil {
		return "", fmt.Errorf("hashing launch template data, %w", err)
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("tailor/%s/%s", cluster, hex.EncodeToString(sum[:])[:20]), nil
}

// userDataOptions are the bootstrap inputs of a group's nodes: the claim's labels
// (plus the capacity type and node class), taints and startup taints.
func (p *Provider) userDataOptions(nc *ec2v1.EC2NodeClass, claim *karpv1.NodeClaim, g group, capacityType string) userdata.Options {
	labels := map[string]string{}
	for k, v := range claim.Labels {
		labels[k] = v
	}
	labels[wellknown.EC2NodeClassLabelKey] = nc.Name
	if capacityType != "" {
		labels[wellknown.CapacityTypeLabelKey] = capacityType
	}
	taints := append(claim.Spec.Taints.Core(), claim.Spec.StartupTaints.Core()...)
	cidr, dns := clusterNetwork(p.settings.ClusterDNS)
	return userdata.Options{
		ClusterName:     p.settings.ClusterName,
		ClusterEndpoint: p.settings.ClusterEndpoint,
		ClusterCABundle: p.settings.ClusterCABundle,
		ClusterCIDR:     cidr,
		ClusterDNS:      dns,
		Labels:          labels,
		Taints:          taints,
		MaxPods:         g.maxPods,
		Kubelet:         nc.Spec.Kubelet,
		CustomUserData:  aws.ToString(nc.Spec.UserData),
	}
}

// clusterNetwork reads the ClusterDNS setting, which may be the service CIDR or
// the DNS address. From a CIDR the DNS address is its tenth address (the EKS
// convention); from an IPv4 address the CIDR is the /16 it is in (EKS service
// CIDRs are /16s with DNS at .10); an IPv6 address gives no CIDR.
func clusterNetwork(setting string) (cidr, dns string) {
	if prefix, err := netip.ParsePrefix(setting); err == nil {
		addr := prefix.Masked().Addr()
		for i := 0; i < 10; i++ {
			addr = addr.Next()
		}
		return prefix.Masked().String(), addr.String()
	}
	addr, err := netip.ParseAddr(setting)
	if err != nil {
		return "", ""
	}
	if addr.Is4() {
		prefix, _ := addr.Prefix(16)
		return prefix.String(), addr.String()
	}
	return "", addr.String()
}

// tags go on the launch template, and through it on instances and volumes: the
// node class's tags, then the ownership tags (which win).
func (p *Provider) tags(nc *ec2v1.EC2NodeClass, claim *karpv1.NodeClaim) []ec2types.Tag {
	all := map[string]string{}
	for k, v := range nc.Spec.Tags {
		all[k] = v
	}
	all[ClusterTagKey] = p.settings.ClusterName
	all[clusterOwnedTagPrefix+p.settings.ClusterName] = "owned"
	all[wellknown.EC2NodeClassLabelKey] = nc.Name
	if pool := claim.Labels[wellknown.NodePoolLabelKey]; pool != "" {
		all[wellknown.NodePoolLabelKey] = pool
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]ec2types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(all[k])})
	}
	return out
}

func securityGroupIDs(nc *ec2v1.EC2NodeClass) []string {
	out := make([]string, 0, len(nc.Status.SecurityGroups))
	for _, g := range nc.Status.SecurityGroups {
		out = append(out, g.ID)
	}
	return out
}

// metadataOptions are the node class's, each unset field defaulted: IMDSv2
// required, hop limit 1 (pods cannot reach the node's credentials), IPv6 off.
func metadataOptions(m *ec2v1.MetadataOptions) *ec2types.LaunchTemplateInstanceMetadataOptionsRequest {
	if m == nil {
		m = &ec2v1.MetadataOptions{}
	}
	or := func(v *string, def string) string {
		if v == nil || *v == "" {
			return def
		}
		return *v
	}
	hops := int32(1)
	if m.HTTPPutResponseHopLimit != nil {
		hops = int32(*m.HTTPPutResponseHopLimit)
	}
	return &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{
		HttpEndpoint:            ec2types.LaunchTemplateInstanceMetadataEndpointState(or(m.HTTPEndpoint, "enabled")),
		HttpProtocolIpv6:        ec2types.LaunchTemplateInstanceMetadataProtocolIpv6(or(m.HTTPProtocolIPv6, "disabled")),
		HttpPutResponseHopLimit: aws.Int32(hops),
		HttpTokens:              ec2types.LaunchTemplateHttpTokensState(or(m.HTTPTokens, "required")),
	}
}
