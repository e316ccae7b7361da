package ec2sim

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LaunchTemplate is a simulated launch template (one version).
type LaunchTemplate struct {
	ID         string
	Name       string
	CreateTime time.Time
	// ImageID, InstanceType and UserData (base64, as sent) of the template data.
	ImageID      string
	InstanceType string
	UserData     string
	// SecurityGroupIDs are the SecurityGroupId list and the groups of the network
	// interfaces; SecurityGroupNames the SecurityGroup list.
	SecurityGroupIDs   []string
	SecurityGroupNames []string
	// IAMInstanceProfile is the instance profile's Arn or Name, as sent.
	IAMInstanceProfile string
	MetadataOptions    MetadataOptions
	BlockDevices       []BlockDevice
	// Tags are the template's own tags (TagSpecification launch-template);
	// InstanceTags those its data gives the instances it launches.
	Tags         map[string]string
	InstanceTags map[string]string
	// Data holds every LaunchTemplateData field as sent, keyed without the
	// "LaunchTemplateData." prefix, e.g. "CpuOptions.CoreCount".
	Data map[string]string
}

// MetadataOptions are the instance metadata (IMDS) options of a launch template.
type MetadataOptions struct {
	HTTPEndpoint            string
	HTTPTokens              string
	HTTPProtocolIPv6        string
	HTTPPutResponseHopLimit int
	InstanceMetadataTags    string
}

// BlockDevice is a block device mapping of a launch template.
type BlockDevice struct {
	DeviceName          string
	VolumeType          string
	VolumeSizeGiB       int
	IOPS                int
	Throughput          int
	Encrypted           bool
	DeleteOnTermination bool
	KMSKeyID            string
	SnapshotID          string
}

func (lt *LaunchTemplate) clone() LaunchTemplate {
	c := *lt
	c.SecurityGroupIDs = slices.Clone(lt.SecurityGroupIDs)
	c.SecurityGroupNames = slices.Clone(lt.SecurityGroupNames)
	c.BlockDevices = slices.Clone(lt.BlockDevices)
	c.Tags, c.InstanceTags, c.Data = maps.Clone(lt.Tags), maps.Clone(lt.InstanceTags), maps.Clone(lt.Data)
	return c
}

// LaunchTemplates returns a copy of every launch template, oldest first.
func (s *Simulator) LaunchTemplates() []LaunchTemplate {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LaunchTemplate, 0, len(s.ec2.templates))
	for _, lt := range s.ec2.templates {
		out = append(out, lt.clone())
	}
	return out
}

// LaunchTemplate returns a copy of the launch template named name.
func (s *Simulator) LaunchTemplate(name string) (LaunchTemplate, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lt := s.ec2.templateByName(name); lt != nil {
		return lt.clone(), true
	}
	return LaunchTemplate{}, false
}

func (st *ec2State) templateByName(name string) *LaunchTemplate {
	for _, lt := range st.templates {
		if lt.Name == name {
			return lt
		}
	}
	return nil
}

func (st *ec2State) templateByID(id string) *LaunchTemplate {
	for _, lt := range st.templates {
		if lt.ID == id {
			return lt
		}
	}
	return nil
}

// launchTemplateName is what EC2 accepts as a launch template name.
var launchTemplateName = regexp.MustCompile(`^[a-zA-Z0-9().\-/_]{3,128}$`)

// parseLaunchTemplateData reads the LaunchTemplateData fields of a request.
func parseLaunchTemplateData(p ec2Params) *LaunchTemplate {
	const prefix = "LaunchTemplateData."
	lt := &LaunchTemplate{Data: map[string]string{}}
	for k := range p.Values {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			lt.Data[rest] = p.Get(k)
		}
	}
	lt.ImageID, lt.InstanceType, lt.UserData = p.Get(prefix+"ImageId"), p.Get(prefix+"InstanceType"), p.Get(prefix+"UserData")
	lt.SecurityGroupIDs = p.strings(prefix + "SecurityGroupId")
	for _, ni := range p.members(prefix + "NetworkInterface") {
		lt.SecurityGroupIDs = append(lt.SecurityGroupIDs, p.strings(ni+".SecurityGroupId")...)
	}
	lt.SecurityGroupNames = p.strings(prefix + "SecurityGroup")
	lt.IAMInstanceProfile = p.Get(prefix + "IamInstanceProfile.Arn")
	if lt.IAMInstanceProfile == "" {
		lt.IAMInstanceProfile = p.Get(prefix + "IamInstanceProfile.Name")
	}
	md := prefix + "MetadataOptions."
	hops, _ := strconv.Atoi(p.Get(md + "HttpPutResponseHopLimit"))
	lt.MetadataOptions = MetadataOptions{
		HTTPEndpoint: p.Get(md + "HttpEndpoint"), HTTPTokens: p.Get(md + "HttpTokens"),
		HTTPProtocolIPv6: p.Get(md + "HttpProtocolIpv6"), HTTPPutResponseHopLimit: hops,
		InstanceMetadataTags: p.Get(md + "InstanceMetadataTags"),
	}
	for _, m := range p.members(prefix + "BlockDeviceMapping") {
		lt.BlockDevices = append(lt.BlockDevices, parseBlockDevice(p, m))
	}
	lt.InstanceTags = p.tagSpecifications(prefix + "TagSpecification")["instance"]
	return lt
}

func parseBlockDevice(p ec2Params, m string) BlockDevice {
	num := func(k string) int { n, _ := strconv.Atoi(p.Get(m + ".Ebs." + k)); return n }
	return BlockDevice{
		DeviceName:          p.Get(m + ".DeviceName"),
		VolumeType:          p.Get(m + ".Ebs.VolumeType"),
		VolumeSizeGiB:       num("VolumeSize"),
		IOPS:                num("Iops"),
		Throughput:          num("Throughput"),
		Encrypted:           p.Get(m+".Ebs.Encrypted") == "true",
		DeleteOnTermination: p.Get(m+".Ebs.DeleteOnTermination") == "true",
		KMSKeyID:            p.Get(m + ".Ebs.KmsKeyId"),
		SnapshotID:          p.Get(m + ".Ebs.SnapshotId"),
	}
}

type ec2LaunchTemplateXML struct {
	LaunchTemplateID     string      `xml:"launchTemplateId"`
	LaunchTemplateName   string      `xml:"launchTemplateName"`
	CreateTime           string      `xml:"createTime"`
	CreatedBy            string      `xml:"createdBy"`
	DefaultVersionNumber int         `xml:"defaultVersionNumber"`
	LatestVersionNumber  int         `xml:"latestVersionNumber"`
	Tags                 []ec2TagXML `xml:"tagSet>item"`
}

func (s *Simulator) templateXML(lt *LaunchTemplate) ec2LaunchTemplateXML {
	return ec2LaunchTemplateXML{
		LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, CreateTime: ec2Timestamp(lt.CreateTime),
		CreatedBy: "arn:aws:iam::" + s.AccountID() + ":root", DefaultVersionNumber: 1, LatestVersionNumber: 1,
		Tags: ec2Tags(lt.Tags),
	}
}

type launchTemplateXML struct {
	ec2RequestMeta
	LaunchTemplate ec2LaunchTemplateXML `xml:"launchTemplate"`
}

func (s *Simulator) createLaunchTemplate(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	name := p.Get("LaunchTemplateName")
	if name == "" {
		return nil, nil, ec2Errorf("MissingParameter", "The request must contain the parameter LaunchTemplateName")
	}
	if !launchTemplateName.MatchString(name) {
		return nil, nil, ec2Errorf("InvalidLaunchTemplateName.MalformedException", "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'")
	}
	if !p.has("LaunchTemplateData") {
		return nil, nil, ec2Errorf("MissingParameter", "The request must contain the parameter LaunchTemplateData")
	}
	lt := parseLaunchTemplateData(p)
	lt.Name = name
	lt.Tags = p.tagSpecifications("TagSpecification")["launch-template"]
	if lt.Tags == nil {
		lt.Tags = map[string]string{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ec2.templateByName(name) != nil {
		return nil, nil, ec2Errorf("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
	}
	lt.ID = s.ec2.newID("lt")
	lt.CreateTime = s.opts.Now()
	s.ec2.templates = append(s.ec2.templates, lt)
	return &launchTemplateXML{LaunchTemplate: s.templateXML(lt)}, nil, nil
}

type describeLaunchTemplatesXML struct {
	ec2RequestMeta
	LaunchTemplates []ec2LaunchTemplateXML `xml:"launchTemplates>item"`
	NextToken       string                 `xml:"nextToken,omitempty"`
}

func (s *Simulator) describeLaunchTemplates(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	filters, err := p.filters("launch-template-name", "create-time")
	if err != nil {
		return nil, nil, err
	}
	names, ids := p.strings("LaunchTemplateName"), p.strings("LaunchTemplateId")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if s.ec2.templateByName(n) == nil {
			return nil, nil, ec2Errorf("InvalidLaunchTemplateName.NotFoundException", "At least one of the launch templates specified in the request does not exist.")
		}
	}
	for _, id := range ids {
		if s.ec2.templateByID(id) == nil {
			return nil, nil, ec2Errorf("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", id)
		}
	}
	var matched []ec2LaunchTemplateXML
	for _, lt := range s.ec2.templates {
		if (len(names) > 0 && !slices.Contains(names, lt.Name)) || (len(ids) > 0 && !slices.Contains(ids, lt.ID)) {
			continue
		}
		fields := func(name string) []string {
			if name == "launch-template-name" {
				return []string{lt.Name}
			}
			return []string{ec2Timestamp(lt.CreateTime)}
		}
		if ec2Matches(filters, lt.Tags, fields) {
			matched = append(matched, s.templateXML(lt))
		}
	}
	page, next, err := ec2Page(matched, p, s.opts.PageSize)
	if err != nil {
		return nil, nil, err
	}
	return &describeLaunchTemplatesXML{LaunchTemplates: page, NextToken: next}, nil, nil
}

func (s *Simulator) deleteLaunchTemplate(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	id, name := p.Get("LaunchTemplateId"), p.Get("LaunchTemplateName")
	s.mu.Lock()
	defer s.mu.Unlock()
	var lt *LaunchTemplate
	switch {
	case id != "":
		if lt = s.ec2.templateByID(id); lt == nil {
			return nil, nil, ec2Errorf("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", id)
		}
	case name != "":
		if lt = s.ec2.templateByName(name); lt == nil {
			return nil, nil, ec2Errorf("InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name %s, does not exist.", name)
		}
	default:
		return nil, nil, ec2Errorf("MissingParameter", "The request must include either the launch template ID or the launch template name.")
	}
	s.ec2.templates = slices.DeleteFunc(s.ec2.templates, func(t *LaunchTemplate) bool { return t == lt })
	return &launchTemplateXML{LaunchTemplate: s.templateXML(lt)}, nil, nil
}
