package ec2sim

import (
	"slices"
	"strconv"
)

type ec2SubnetXML struct {
	SubnetID                string      `xml:"subnetId"`
	SubnetArn               string      `xml:"subnetArn"`
	State                   string      `xml:"state"`
	VpcID                   string      `xml:"vpcId"`
	OwnerID                 string      `xml:"ownerId"`
	CidrBlock               string      `xml:"cidrBlock"`
	AvailableIPAddressCount int         `xml:"availableIpAddressCount"`
	AvailabilityZone        string      `xml:"availabilityZone"`
	AvailabilityZoneID      string      `xml:"availabilityZoneId"`
	DefaultForAz            bool        `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool        `xml:"mapPublicIpOnLaunch"`
	Tags                    []ec2TagXML `xml:"tagSet>item"`
}

type describeSubnetsXML struct {
	ec2RequestMeta
	Subnets   []ec2SubnetXML `xml:"subnetSet>item"`
	NextToken string         `xml:"nextToken,omitempty"`
}

func (sn *Subnet) field(name string) []string {
	switch name {
	case "subnet-id":
		return []string{sn.ID}
	case "availability-zone":
		return []string{sn.Zone}
	case "availability-zone-id":
		return []string{sn.ZoneID}
	case "vpc-id":
		return []string{sn.VpcID}
	case "cidr-block", "cidr":
		return []string{sn.CIDR}
	case "state":
		return []string{"available"}
	case "available-ip-address-count":
		return []string{strconv.Itoa(sn.AvailableIPs)}
	case "default-for-az":
		return []string{"false"}
	}
	return nil
}

func (s *Simulator) describeSubnets(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	filters, err := p.filters("subnet-id", "availability-zone", "availability-zone-id", "vpc-id", "cidr-block",
		"cidr", "state", "available-ip-address-count", "default-for-az")
	if err != nil {
		return nil, nil, err
	}
	ids := p.strings("SubnetId")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.ec2.subnet(id) == nil {
			return nil, nil, ec2Errorf("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
		}
	}
	var matched []ec2SubnetXML
	for _, sn := range s.ec2.subnets {
		if (len(ids) > 0 && !slices.Contains(ids, sn.ID)) || !ec2Matches(filters, sn.Tags, sn.field) {
			continue
		}
		matched = append(matched, ec2SubnetXML{
			SubnetID:                sn.ID,
			SubnetArn:               "arn:aws:ec2:" + s.opts.Region + ":" + s.AccountID() + ":subnet/" + sn.ID,
			State:                   "available",
			VpcID:                   sn.VpcID,
			OwnerID:                 s.AccountID(),
			CidrBlock:               sn.CIDR,
			AvailableIPAddressCount: sn.AvailableIPs,
			AvailabilityZone:        sn.Zone,
			AvailabilityZoneID:      sn.ZoneID,
			Tags:                    ec2Tags(sn.Tags),
		})
	}
	page, next, err := ec2Page(matched, p, s.opts.PageSize)
	if err != nil {
		return nil, nil, err
	}
	return &describeSubnetsXML{Subnets: page, NextToken: next}, nil, nil
}

type ec2SecurityGroupXML struct {
	OwnerID          string      `xml:"ownerId"`
	GroupID          string      `xml:"groupId"`
	GroupName        string      `xml:"groupName"`
	GroupDescription string      `xml:"groupDescription"`
	VpcID            string      `xml:"vpcId"`
	SecurityGroupArn string      `xml:"securityGroupArn"`
	Tags             []ec2TagXML `xml:"tagSet>item"`
}

type describeSecurityGroupsXML struct {
	ec2RequestMeta
	Groups    []ec2SecurityGroupXML `xml:"securityGroupInfo>item"`
	NextToken string                `xml:"nextToken,omitempty"`
}

func (sg *SecurityGroup) field(name string) []string {
	switch name {
	case "group-id":
		return []string{sg.ID}
	case "group-name":
		return []string{sg.Name}
	case "description":
		return []string{sg.Description}
	case "vpc-id":
		return []string{sg.VpcID}
	}
	return nil
}

func (s *Simulator) describeSecurityGroups(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	filters, err := p.filters("group-id", "group-name", "description", "vpc-id")
	if err != nil {
		return nil, nil, err
	}
	ids, names := p.strings("GroupId"), p.strings("GroupName")
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ec2.checkGroupsExist(ids, names); err != nil {
		return nil, nil, err
	}
	var matched []ec2SecurityGroupXML
	for _, sg := range s.ec2.groups {
		if (len(ids) > 0 && !slices.Contains(ids, sg.ID)) || (len(names) > 0 && !slices.Contains(names, sg.Name)) {
			continue
		}
		if !ec2Matches(filters, sg.Tags, sg.field) {
			continue
		}
		matched = append(matched, ec2SecurityGroupXML{
			OwnerID:          s.AccountID(),
			GroupID:          sg.ID,
			GroupName:        sg.Name,
			GroupDescription: sg.Description,
			VpcID:            sg.VpcID,
			SecurityGroupArn: "arn:aws:ec2:" + s.opts.Region + ":" + s.AccountID() + ":security-group/" + sg.ID,
			Tags:             ec2Tags(sg.Tags),
		})
	}
	page, next, err := ec2Page(matched, p, s.opts.PageSize)
	if err != nil {
		return nil, nil, err
	}
	return &describeSecurityGroupsXML{Groups: page, NextToken: next}, nil, nil
}

// checkGroupsExist fails with InvalidGroup.NotFound for an unknown id or name.
func (st *ec2State) checkGroupsExist(ids, names []string) *ec2Error {
	for _, id := range ids {
		if st.groupByID(id) == nil {
			return ec2Errorf("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		}
	}
	for _, name := range names {
		if st.groupByName(name) == nil {
			return ec2Errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", name, st.vpcID)
		}
	}
	return nil
}

func (st *ec2State) groupByID(id string) *SecurityGroup {
	for _, sg := range st.groups {
		if sg.ID == id {
			return sg
		}
	}
	return nil
}

func (st *ec2State) groupByName(name string) *SecurityGroup {
	for _, sg := range st.groups {
		if sg.Name == name {
			return sg
		}
	}
	return nil
}
