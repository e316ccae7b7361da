package ec2sim

import (
	"encoding/base64"
	"fmt"
	"maps"
	"strings"
)

// launch starts req.count pending instances of an override; call with s.mu held.
func (s *Simulator) launch(o *fleetOverride, req *fleetRequest, fleetID string) []Instance {
	st, lt, now := s.ec2, o.template, s.opts.Now()
	groups := s.instanceGroups(lt)
	userData := lt.UserData
	if raw, err := base64.StdEncoding.DecodeString(lt.UserData); err == nil {
		userData = string(raw)
	}
	profile := lt.IAMInstanceProfile
	if profile != "" && !strings.HasPrefix(profile, "arn:") {
		profile = "arn:aws:iam::" + s.AccountID() + ":instance-profile/" + profile
	}
	var launched []Instance
	for range req.count {
		ip := o.subnet.allocateIP()
		tags := maps.Clone(lt.InstanceTags)
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, req.tags["instance"])
		tags["aws:ec2:fleet-id"] = fleetID
		tags["aws:ec2launchtemplate:id"] = lt.ID
		tags["aws:ec2launchtemplate:version"] = "1"
		r := &ec2Instance{
			Instance: Instance{
				ID: st.newID("i"), InstanceType: o.instanceType, Zone: o.zone, SubnetID: o.subnet.ID,
				ImageID: o.image.ID, CapacityType: req.capacityType, State: StatePending, LaunchTime: now,
				PrivateDNSName: privateDNSName(ip, s.opts.Region), PrivateIP: ip, SecurityGroupIDs: groups,
				Tags: tags, UserData: userData, LaunchTemplateName: lt.Name,
			},
			since: now, reservationID: st.newID("r"), architecture: o.image.Architecture,
			profile: profile, metadata: lt.MetadataOptions, subnet: o.subnet,
		}
		if req.capacityType == "spot" {
			r.spotRequestID = fmt.Sprintf("sir-%08x", ec2Hash("spot-request", r.ID)&0xffffffff)
		}
		st.instances = append(st.instances, r)
		launched = append(launched, r.snapshot())
	}
	return launched
}

// instanceGroups are the security group ids of the template, by id or by name, or
// the VPC's default group when it names none.
func (s *Simulator) instanceGroups(lt *LaunchTemplate) []string {
	ids := append([]string(nil), lt.SecurityGroupIDs...)
	for _, name := range lt.SecurityGroupNames {
		if sg := s.ec2.groupByName(name); sg != nil {
			ids = append(ids, sg.ID)
		}
	}
	if len(ids) == 0 {
		if sg := s.ec2.groupByName("default"); sg != nil {
			ids = append(ids, sg.ID)
		}
	}
	return ids
}

// privateDNSName is EC2's private host name for an address.
func privateDNSName(ip, region string) string {
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

type ec2GroupXML struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type ec2PlacementXML struct {
	AvailabilityZone   string `xml:"availabilityZone"`
	AvailabilityZoneID string `xml:"availabilityZoneId"`
	Tenancy            string `xml:"tenancy"`
}

type ec2MetadataXML struct {
	State                   string `xml:"state"`
	HTTPTokens              string `xml:"httpTokens"`
	HTTPPutResponseHopLimit int    `xml:"httpPutResponseHopLimit"`
	HTTPEndpoint            string `xml:"httpEndpoint"`
	HTTPProtocolIPv6        string `xml:"httpProtocolIpv6"`
	InstanceMetadataTags    string `xml:"instanceMetadataTags"`
}

type ec2StateReasonXML struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

// ec2InstanceXML is types.Instance on the wire.
type ec2InstanceXML struct {
	InstanceID            string             `xml:"instanceId"`
	ImageID               string             `xml:"imageId"`
	InstanceState         ec2StateXML        `xml:"instanceState"`
	PrivateDNSName        string             `xml:"privateDnsName"`
	DNSName               string             `xml:"dnsName"`
	Reason                string             `xml:"reason,omitempty"`
	AmiLaunchIndex        int                `xml:"amiLaunchIndex"`
	InstanceType          string             `xml:"instanceType"`
	LaunchTime            string             `xml:"launchTime"`
	Placement             ec2PlacementXML    `xml:"placement"`
	Monitoring            string             `xml:"monitoring>state"`
	SubnetID              string             `xml:"subnetId"`
	VpcID                 string             `xml:"vpcId"`
	PrivateIPAddress      string             `xml:"privateIpAddress"`
	SourceDestCheck       bool               `xml:"sourceDestCheck"`
	Groups                []ec2GroupXML      `xml:"groupSet>item"`
	StateReason           *ec2StateReasonXML `xml:"stateReason"`
	Architecture          string             `xml:"architecture"`
	RootDeviceType        string             `xml:"rootDeviceType"`
	RootDeviceName        string             `xml:"rootDeviceName"`
	InstanceLifecycle     string             `xml:"instanceLifecycle,omitempty"`
	SpotInstanceRequestID string             `xml:"spotInstanceRequestId,omitempty"`
	VirtualizationType    string             `xml:"virtualizationType"`
	Tags                  []ec2TagXML        `xml:"tagSet>item"`
	Hypervisor            string             `xml:"hypervisor"`
	IAMInstanceProfileArn string             `xml:"iamInstanceProfile>arn,omitempty"`
	EBSOptimized          bool               `xml:"ebsOptimized"`
	EnaSupport            bool               `xml:"enaSupport"`
	MetadataOptions       ec2MetadataXML     `xml:"metadataOptions"`
	PlatformDetails       string             `xml:"platformDetails"`
	UsageOperation        string             `xml:"usageOperation"`
}

// instanceXML describes an instance as DescribeInstances does; call with s.mu held.
func (s *Simulator) instanceXML(r *ec2Instance) ec2InstanceXML {
	x := ec2InstanceXML{
		InstanceID: r.ID, ImageID: r.ImageID, InstanceState: stateXML(r.State),
		PrivateDNSName: r.PrivateDNSName, InstanceType: r.InstanceType, LaunchTime: ec2Timestamp(r.LaunchTime),
		Placement:  ec2PlacementXML{r.Zone, s.ec2.zoneIDs[r.Zone], "default"},
		Monitoring: "disabled", SubnetID: r.SubnetID, VpcID: r.subnet.VpcID, PrivateIPAddress: r.PrivateIP,
		SourceDestCheck: true, Architecture: r.architecture, RootDeviceType: "ebs", RootDeviceName: "/dev/xvda",
		SpotInstanceRequestID: r.spotRequestID, VirtualizationType: "hvm", Tags: ec2Tags(r.Tags),
		Hypervisor: "xen", IAMInstanceProfileArn: r.profile, EBSOptimized: true, EnaSupport: true,
		MetadataOptions: metadataXML(r.metadata), PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances",
	}
	if r.CapacityType == "spot" {
		x.InstanceLifecycle = "spot"
	}
	if r.State == StateShuttingDown || r.State == StateTerminated {
		x.StateReason = &ec2StateReasonXML{Code: r.reason, Message: r.reason + ": " + stateReasonText(r.reason)}
		if strings.HasPrefix(r.reason, "Client.") {
			x.Reason = fmt.Sprintf("User initiated (%s)", r.since.UTC().Format("2006-01-02 15:04:05 MST"))
		}
	}
	for _, id := range r.SecurityGroupIDs {
		g := ec2GroupXML{GroupID: id}
		if sg := s.ec2.groupByID(id); sg != nil {
			g.GroupName = sg.Name
		}
		x.Groups = append(x.Groups, g)
	}
	return x
}

func stateReasonText(code string) string {
	if code == "Server.SpotInstanceTermination" {
		return "Spot instance termination"
	}
	return "User initiated shutdown"
}

// metadataXML fills the template's metadata options with EC2's defaults.
func metadataXML(m MetadataOptions) ec2MetadataXML {
	x := ec2MetadataXML{
		State: "applied", HTTPTokens: m.HTTPTokens, HTTPPutResponseHopLimit: m.HTTPPutResponseHopLimit,
		HTTPEndpoint: m.HTTPEndpoint, HTTPProtocolIPv6: m.HTTPProtocolIPv6, InstanceMetadataTags: m.InstanceMetadataTags,
	}
	defaults := []struct {
		field *string
		value string
	}{{&x.HTTPTokens, "optional"}, {&x.HTTPEndpoint, "enabled"}, {&x.HTTPProtocolIPv6, "disabled"}, {&x.InstanceMetadataTags, "disabled"}}
	for _, d := range defaults {
		if *d.field == "" {
			*d.field = d.value
		}
	}
	if x.HTTPPutResponseHopLimit == 0 {
		x.HTTPPutResponseHopLimit = 1
	}
	return x
}
