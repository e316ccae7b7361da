package ec2sim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Image is a simulated AMI.
type Image struct {
	ID           string
	Name         string
	Description  string
	Architecture string // "x86_64" or "arm64"
	Platform     string // "windows" or "" for Linux
	OwnerID      string
	OwnerAlias   string // "amazon" for public AWS images, "" for the account's own
	CreationDate time.Time
	State        string // "available"
	Public       bool
	Tags         map[string]string
	// Family and Variant are those of the SSM alias the image is the target of
	// (FamilyAL2023, VariantStandard, ...), "" for other images.
	Family  string
	Variant string
}

// Release dates of the current and the previous public images. The SSM aliases
// resolve to the current ones; the previous ones are older images with the same
// name pattern, so that name selectors find more than one.
var (
	currentImageRelease  = time.Date(2025, 9, 15, 5, 12, 33, 0, time.UTC)
	previousImageRelease = time.Date(2025, 8, 14, 22, 41, 7, 0, time.UTC)
)

// defaultImages returns the public images: for each SSM alias target (AliasImages)
// the current image, with the id the alias resolves to, and a previous release.
func defaultImages(account string) []Image {
	var out []Image
	for _, a := range AliasImages() {
		current := publicImage(a, true)
		current.ID = a.ID
		previous := publicImage(a, false)
		previous.ID = fmt.Sprintf("ami-%017x", ec2Hash("image", previous.Name))
		out = append(out, current, previous)
	}
	return out
}

// publicImage describes the public image of an alias target, current or previous.
func publicImage(a AliasImage, current bool) Image {
	date, eks, br, win := currentImageRelease, "v20250915", "v1.46.0-431fe75a", "2025.09.10"
	if !current {
		date, eks, br, win = previousImageRelease, "v20250814", "v1.45.0-1d0c2b7e", "2025.08.13"
	}
	img := Image{
		Architecture: a.Architecture, OwnerID: "602401143452", OwnerAlias: "amazon",
		CreationDate: date, State: "available", Public: true, Tags: map[string]string{},
		Family: a.Family, Variant: a.Variant,
	}
	const k8s = "1.34"
	switch a.Family {
	case FamilyAL2023:
		img.Name = fmt.Sprintf("amazon-eks-node-al2023-%s-%s-%s-%s", a.Architecture, a.Variant, k8s, eks)
		img.Description = "EKS-optimized Kubernetes node based on Amazon Linux 2023, (k8s: " + k8s + ")"
	case FamilyAL2:
		prefix := map[string]string{"arm64": "amazon-eks-arm64-node", VariantNvidia: "amazon-eks-gpu-node"}
		p, ok := prefix[a.Variant]
		if !ok {
			p, ok = prefix[a.Architecture]
		}
		if !ok {
			p = "amazon-eks-node"
		}
		img.Name = fmt.Sprintf("%s-%s-%s", p, k8s, eks)
		img.Description = "EKS Kubernetes Worker AMI with AmazonLinux2 image, (k8s: " + k8s + ")"
	case FamilyBottlerocket:
		arch := map[string]string{"x86_64": "x86_64", "arm64": "aarch64"}[a.Architecture]
		flavor := "aws-k8s-" + k8s
		if a.Variant == VariantNvidia {
			flavor += "-nvidia"
		}
		img.Name = fmt.Sprintf("bottlerocket-%s-%s-%s", flavor, arch, br)
		img.Description = "bottlerocket-" + flavor
		img.OwnerID = "092701018921"
	default: // Windows
		year := strings.TrimPrefix(a.Family, "windows")
		img.Name = fmt.Sprintf("Windows_Server-%s-English-Core-EKS_Optimized-%s-%s", year, k8s, win)
		img.Description = "Microsoft Windows Server " + year + " Core optimized for EKS " + k8s
		img.Platform = "windows"
		img.OwnerID = "801119661308"
	}
	return img
}

// AddImage adds an image owned by the account and returns its id. Zero fields
// take defaults: a new id, architecture x86_64, state available, creation now.
func (s *Simulator) AddImage(img Image) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if img.ID == "" {
		img.ID = s.ec2.newID("ami")
	}
	if img.Architecture == "" {
		img.Architecture = "x86_64"
	}
	if img.State == "" {
		img.State = "available"
	}
	if img.OwnerID == "" {
		img.OwnerID = s.AccountID()
	}
	if img.CreationDate.IsZero() {
		img.CreationDate = s.opts.Now()
	}
	img.Tags = maps.Clone(img.Tags)
	if img.Tags == nil {
		img.Tags = map[string]string{}
	}
	s.ec2.images = append(s.ec2.images, &img)
	return img.ID
}

// Images returns a copy of every image, the public ones first.
func (s *Simulator) Images() []Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneTagged(s.ec2.images, func(img *Image) *map[string]string { return &img.Tags })
}

// DefaultImages returns the current public images the SSM aliases resolve to.
func (s *Simulator) DefaultImages() []Image {
	var out []Image
	for _, img := range s.Images() {
		if img.Family != "" && img.CreationDate.Equal(currentImageRelease) {
			out = append(out, img)
		}
	}
	return out
}

// ec2ImageXML is types.Image on the wire.
type ec2ImageXML struct {
	ImageID            string      `xml:"imageId"`
	ImageLocation      string      `xml:"imageLocation"`
	ImageState         string      `xml:"imageState"`
	ImageOwnerID       string      `xml:"imageOwnerId"`
	CreationDate       string      `xml:"creationDate"`
	DeprecationTime    string      `xml:"deprecationTime"`
	IsPublic           bool        `xml:"isPublic"`
	Architecture       string      `xml:"architecture"`
	ImageType          string      `xml:"imageType"`
	Platform           string      `xml:"platform,omitempty"`
	PlatformDetails    string      `xml:"platformDetails"`
	UsageOperation     string      `xml:"usageOperation"`
	ImageOwnerAlias    string      `xml:"imageOwnerAlias,omitempty"`
	Name               string      `xml:"name"`
	Description        string      `xml:"description,omitempty"`
	RootDeviceType     string      `xml:"rootDeviceType"`
	RootDeviceName     string      `xml:"rootDeviceName"`
	BlockDevices       []ec2BDMXML `xml:"blockDeviceMapping>item"`
	VirtualizationType string      `xml:"virtualizationType"`
	Hypervisor         string      `xml:"hypervisor"`
	EnaSupport         bool        `xml:"enaSupport"`
	BootMode           string      `xml:"bootMode"`
	Tags               []ec2TagXML `xml:"tagSet>item"`
}

type ec2BDMXML struct {
	DeviceName string `xml:"deviceName"`
	Ebs        struct {
		SnapshotID          string `xml:"snapshotId"`
		VolumeSize          int    `xml:"volumeSize"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
		VolumeType          string `xml:"volumeType"`
		Encrypted           bool   `xml:"encrypted"`
	} `xml:"ebs"`
}

func (img *Image) toXML() ec2ImageXML {
	x := ec2ImageXML{
		ImageID: img.ID, ImageLocation: img.OwnerID + "/" + img.Name, ImageState: img.State,
		ImageOwnerID: img.OwnerID, CreationDate: ec2Timestamp(img.CreationDate),
		DeprecationTime: ec2Timestamp(img.CreationDate.AddDate(2, 0, 0)), IsPublic: img.Public,
		Architecture: img.Architecture, ImageType: "machine", Platform: img.Platform,
		PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances", ImageOwnerAlias: img.OwnerAlias,
		Name: img.Name, Description: img.Description, RootDeviceType: "ebs", RootDeviceName: "/dev/xvda",
		VirtualizationType: "hvm", Hypervisor: "xen", EnaSupport: true, BootMode: "uefi-preferred",
		Tags: ec2Tags(img.Tags),
	}
	if img.Platform == "windows" {
		x.PlatformDetails, x.UsageOperation, x.RootDeviceName = "Windows", "RunInstances:0002", "/dev/sda1"
	}
	bdm := ec2BDMXML{DeviceName: x.RootDeviceName}
	bdm.Ebs.SnapshotID = fmt.Sprintf("snap-%017x", ec2Hash("snapshot", img.ID))
	bdm.Ebs.VolumeSize, bdm.Ebs.DeleteOnTermination, bdm.Ebs.VolumeType = 20, true, "gp3"
	x.BlockDevices = []ec2BDMXML{bdm}
	return x
}

type describeImagesXML struct {
	ec2RequestMeta
	Images    []ec2ImageXML `xml:"imagesSet>item"`
	NextToken string        `xml:"nextToken,omitempty"`
}

func (img *Image) field(name string) []string {
	switch name {
	case "image-id":
		return []string{img.ID}
	case "name":
		return []string{img.Name}
	case "owner-id":
		return []string{img.OwnerID}
	case "owner-alias":
		return []string{img.OwnerAlias}
	case "architecture":
		return []string{img.Architecture}
	case "state":
		return []string{img.State}
	case "is-public":
		return []string{ec2Bool(img.Public)}
	case "platform":
		return []string{img.Platform}
	case "description":
		return []string{img.Description}
	case "image-type":
		return []string{"machine"}
	case "root-device-type":
		return []string{"ebs"}
	case "virtualization-type":
		return []string{"hvm"}
	}
	return nil
}

// ownedBy reports whether the image matches one of the Owner.N values: "self",
// an alias such as "amazon", or an account id.
func (img *Image) ownedBy(owners []string, account string) bool {
	for _, o := range owners {
		if o == img.OwnerID || (o == "self" && img.OwnerID == account) || (o != "" && o == img.OwnerAlias) {
			return true
		}
	}
	return len(owners) == 0
}

func (s *Simulator) describeImages(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	filters, err := p.filters("image-id", "name", "owner-id", "owner-alias", "architecture", "state",
		"is-public", "platform", "description", "image-type", "root-device-type", "virtualization-type")
	if err != nil {
		return nil, nil, err
	}
	ids, owners := p.strings("ImageId"), p.strings("Owner")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.ec2.image(id) == nil {
			return nil, nil, ec2Errorf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
		}
	}
	var matched []ec2ImageXML
	for _, img := range s.ec2.images {
		if len(ids) > 0 && !slices.Contains(ids, img.ID) {
			continue
		}
		if img.ownedBy(owners, s.AccountID()) && ec2Matches(filters, img.Tags, img.field) {
			matched = append(matched, img.toXML())
		}
	}
	page, next, err := ec2Page(matched, p, s.opts.PageSize)
	if err != nil {
		return nil, nil, err
	}
	return &describeImagesXML{Images: page, NextToken: next}, nil, nil
}
