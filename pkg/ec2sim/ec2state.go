package ec2sim

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// ec2State is the EC2 side of a simulated region. It is guarded by Simulator.mu.
type ec2State struct {
	opts      Options
	types     map[string]catalog.InstanceType
	zoneIDs   map[string]string // zone name -> zone id, e.g. us-west-2a -> usw2-az1
	vpcID     string
	subnets   []*Subnet
	groups    []*SecurityGroup
	images    []*Image
	templates []*LaunchTemplate // in creation order
	instances []*ec2Instance    // in launch order
	seq       int
}

// Subnet is a simulated VPC subnet.
type Subnet struct {
	ID           string
	Zone         string
	ZoneID       string
	VpcID        string
	CIDR         string
	AvailableIPs int
	Tags         map[string]string

	block     int // the subnet's /20 address block, 10.<block/16>.<block%16*16>.0
	allocated int // addresses handed out so far
}

// SecurityGroup is a simulated VPC security group.
type SecurityGroup struct {
	ID          string
	Name        string
	Description string
	VpcID       string
	Tags        map[string]string
}

// newEC2State builds the default region: per zone, one subnet tagged
// karpenter.sh/discovery=<ClusterName>; one more untagged subnet in the first zone;
// a tagged security group and an untagged one named "default"; the public images.
func newEC2State(opts Options) *ec2State {
	st := &ec2State{
		opts:    opts,
		types:   map[string]catalog.InstanceType{},
		zoneIDs: map[string]string{},
	}
	for _, it := range opts.InstanceTypes {
		st.types[it.Name] = it
	}
	for i, z := range opts.Zones {
		st.zoneIDs[z] = regionShortName(opts.Region) + "-az" + strconv.Itoa(i+1)
	}
	st.vpcID = st.newID("vpc")
	discovery := map[string]string{"karpenter.sh/discovery": opts.ClusterName}
	for _, z := range opts.Zones {
		st.addSubnet(z, withTag(discovery, "Name", opts.ClusterName+"-private-"+z))
	}
	st.addSubnet(opts.Zones[0], nil)
	st.addSecurityGroup(opts.ClusterName+"-node", "Nodes of "+opts.ClusterName, withTag(discovery, "Name", opts.ClusterName+"-node"))
	st.addSecurityGroup("default", "default VPC security group", nil)
	for _, img := range defaultImages(auxAccountID) {
		st.images = append(st.images, &img)
	}
	return st
}

// regionShortName is the prefix of zone ids: "us-west-2" -> "usw2".
func regionShortName(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 || parts[1] == "" {
		return strings.ReplaceAll(region, "-", "")
	}
	return parts[0] + parts[1][:1] + parts[2]
}

func withTag(tags map[string]string, k, v string) map[string]string {
	out := maps.Clone(tags)
	out[k] = v
	return out
}

// ec2Hash is a stable 64-bit hash of parts.
func ec2Hash(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// newID returns a new deterministic resource id such as "i-0a1b2c3d4e5f60718".
func (st *ec2State) newID(prefix string) string {
	st.seq++
	return fmt.Sprintf("%s-%017x", prefix, ec2Hash(prefix, strconv.Itoa(st.seq)))
}

func (st *ec2State) addSubnet(zone string, tags map[string]string) *Subnet {
	block := len(st.subnets)
	sn := &Subnet{
		ID:           st.newID("subnet"),
		Zone:         zone,
		ZoneID:       st.zoneIDs[zone],
		VpcID:        st.vpcID,
		CIDR:         fmt.Sprintf("10.%d.%d.0/20", block/16, block%16*16),
		AvailableIPs: 4096 - 5, // EC2 reserves five addresses per subnet
		Tags:         maps.Clone(tags),
		block:        block,
	}
	if sn.Tags == nil {
		sn.Tags = map[string]string{}
	}
	st.subnets = append(st.subnets, sn)
	return sn
}

func (st *ec2State) addSecurityGroup(name, description string, tags map[string]string) *SecurityGroup {
	sg := &SecurityGroup{ID: st.newID("sg"), Name: name, Description: description, VpcID: st.vpcID, Tags: maps.Clone(tags)}
	if sg.Tags == nil {
		sg.Tags = map[string]string{}
	}
	st.groups = append(st.groups, sg)
	return sg
}

// allocateIP hands out the next private address of the subnet.
func (sn *Subnet) allocateIP() string {
	n := 4 + sn.allocated%(4096-5)
	sn.allocated++
	sn.AvailableIPs--
	return fmt.Sprintf("10.%d.%d.%d", sn.block/16, sn.block%16*16+n/256, n%256)
}

func (st *ec2State) subnet(id string) *Subnet {
	for _, sn := range st.subnets {
		if sn.ID == id {
			return sn
		}
	}
	return nil
}

func (st *ec2State) image(id string) *Image {
	for _, img := range st.images {
		if img.ID == id {
			return img
		}
	}
	return nil
}

func (st *ec2State) instance(id string) *ec2Instance {
	for _, inst := range st.instances {
		if inst.ID == id {
			return inst
		}
	}
	return nil
}

// offered reports whether instanceType can be launched in zone. A deterministic
// ~5% of (type, zone) pairs are not offered, but every type is offered somewhere.
func (st *ec2State) offered(instanceType, zone string) bool {
	if _, ok := st.types[instanceType]; !ok || st.zoneIDs[zone] == "" {
		return false
	}
	missing := func(z string) bool { return ec2Hash("offering", instanceType, z)%20 == 0 }
	if !missing(zone) {
		return true
	}
	for _, z := range st.opts.Zones {
		if !missing(z) {
			return false
		}
	}
	return zone == st.opts.Zones[0]
}

// spotPrice is the current spot price of a type in a zone, 0 when the type is not
// sold as spot there: on-demand x SpotPriceFactor x a deterministic 0.85..1.15.
func (st *ec2State) spotPrice(instanceType, zone string) float64 {
	it, ok := st.types[instanceType]
	if !ok || !st.offered(instanceType, zone) || !supportsUsageClass(it, "spot") {
		return 0
	}
	u := float64(ec2Hash("spot", instanceType, zone)%10001) / 10000 // 0..1
	price := it.OnDemandPricePerHour * st.opts.SpotPriceFactor * (0.85 + 0.3*u)
	return roundPrice(price)
}

// roundPrice rounds a price to the six decimals EC2 writes.
func roundPrice(p float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(p, 'f', 6, 64), 64)
	return v
}

func supportsUsageClass(it catalog.InstanceType, class string) bool {
	return len(it.SupportedUsageClasses) == 0 || slices.Contains(it.SupportedUsageClasses, class)
}

// ec2Timestamp formats a time as EC2 XML does.
func ec2Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// AddSubnet adds a subnet in zone with tags and returns its id.
func (s *Simulator) AddSubnet(zone string, tags map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ec2.addSubnet(zone, tags).ID
}

// AddSecurityGroup adds a security group named name with tags and returns its id.
func (s *Simulator) AddSecurityGroup(name string, tags map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ec2.addSecurityGroup(name, name, tags).ID
}

// Subnets returns a copy of every subnet.
func (s *Simulator) Subnets() []Subnet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneTagged(s.ec2.subnets, func(sn *Subnet) *map[string]string { return &sn.Tags })
}

// SecurityGroups returns a copy of every security group.
func (s *Simulator) SecurityGroups() []SecurityGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneTagged(s.ec2.groups, func(sg *SecurityGroup) *map[string]string { return &sg.Tags })
}

// SpotPrice is the spot price DescribeSpotPriceHistory reports for a type in a
// zone, 0 when it is not sold as spot there.
func (s *Simulator) SpotPrice(instanceType, zone string) float64 {
	return s.ec2.spotPrice(instanceType, zone)
}

// Offered reports whether DescribeInstanceTypeOfferings lists instanceType in zone
// (CreateFleet refuses the other pairs with Unsupported).
func (s *Simulator) Offered(instanceType, zone string) bool {
	return s.ec2.offered(instanceType, zone)
}

// ZoneID is the id of a zone, e.g. "usw2-az1" for "us-west-2a".
func (s *Simulator) ZoneID(zone string) string { return s.ec2.zoneIDs[zone] }

// cloneTagged copies items, each with its own copy of the tags tags points at.
func cloneTagged[T any](items []*T, tags func(*T) *map[string]string) []T {
	out := make([]T, 0, len(items))
	for _, item := range items {
		c := *item
		*tags(&c) = maps.Clone(*tags(item))
		out = append(out, c)
	}
	return out
}
