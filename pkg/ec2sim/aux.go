package ec2sim

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// auxAccountID is the AWS account of the simulated region, used in ARNs, queue URLs
// and events.
const auxAccountID = "123456789012"

// auxState is the state of the services around EC2: SSM parameters, the Pricing
// API, SQS queues and IAM instance profiles. It has its own lock, never held while
// taking the Simulator's.
type auxState struct {
	region       string
	clusterName  string
	now          func() time.Time
	pricingTypes []catalog.InstanceType

	mu sync.Mutex
	// params are parameters put with PutParameter; they shadow the public aliases.
	params        map[string]ssmParameter
	pricingOutage bool
	queues        map[string]*sqsQueue
	profiles      map[string]*instanceProfile
	seq           int
}

// newAuxState builds the services of a region: the interruption queue named after
// the cluster exists from the start; there are no instance profiles.
func newAuxState(opts Options) *auxState {
	a := &auxState{
		region:       opts.Region,
		clusterName:  opts.ClusterName,
		now:          opts.Now,
		pricingTypes: opts.InstanceTypes,
		params:       map[string]ssmParameter{},
		queues:       map[string]*sqsQueue{},
		profiles:     map[string]*instanceProfile{},
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.clusterName != "" {
		a.queues[a.clusterName] = newSQSQueue(a.clusterName)
	}
	return a
}

// nextSeq returns a number unique within the region; call with a.mu held.
func (a *auxState) nextSeq() int {
	a.seq++
	return a.seq
}

// Image families, architectures and variants of the public AMI aliases served
// through SSM. defaultImageID maps each combination to a stable image id.
const (
	FamilyAL2023       = "al2023"
	FamilyAL2          = "al2"
	FamilyBottlerocket = "bottlerocket"
	FamilyWindows2019  = "windows2019"
	FamilyWindows2022  = "windows2022"

	VariantStandard = "standard"
	VariantNvidia   = "nvidia"
	VariantNeuron   = "neuron"
)

// AliasImage is one public image an SSM alias parameter resolves to.
type AliasImage struct {
	Family       string // FamilyAL2023, ...
	Architecture string // "x86_64" or "arm64"
	Variant      string // VariantStandard, VariantNvidia, VariantNeuron
	ID           string // defaultImageID(Family, Architecture, Variant)
}

// AliasImages lists every image the SSM alias parameters can resolve to, the same
// for every Kubernetes version. The EC2 side serves these from DescribeImages.
func AliasImages() []AliasImage {
	combos := [][3]string{
		{FamilyAL2023, "x86_64", VariantStandard},
		{FamilyAL2023, "x86_64", VariantNvidia},
		{FamilyAL2023, "x86_64", VariantNeuron},
		{FamilyAL2023, "arm64", VariantStandard},
		{FamilyAL2023, "arm64", VariantNvidia},
		{FamilyAL2, "x86_64", VariantStandard},
		{FamilyAL2, "x86_64", VariantNvidia},
		{FamilyAL2, "arm64", VariantStandard},
		{FamilyBottlerocket, "x86_64", VariantStandard},
		{FamilyBottlerocket, "x86_64", VariantNvidia},
		{FamilyBottlerocket, "arm64", VariantStandard},
		{FamilyBottlerocket, "arm64", VariantNvidia},
		{FamilyWindows2019, "x86_64", VariantStandard},
		{FamilyWindows2022, "x86_64", VariantStandard},
	}
	out := make([]AliasImage, 0, len(combos))
	for _, c := range combos {
		out = append(out, AliasImage{Family: c[0], Architecture: c[1], Variant: c[2], ID: defaultImageID(c[0], c[1], c[2])})
	}
	return out
}

// defaultImageID is the stable id of the public image of a family, architecture
// and variant: "ami-" and the first 17 hex digits of the SHA-256 of
// "<family>/<arch>/<variant>", e.g. defaultImageID("al2023", "x86_64", "standard").
func defaultImageID(family, arch, variant string) string {
	sum := sha256.Sum256([]byte(family + "/" + arch + "/" + variant))
	return "ami-" + hex.EncodeToString(sum[:])[:17]
}

// DefaultImageID is defaultImageID for use outside the package.
func DefaultImageID(family, arch, variant string) string {
	return defaultImageID(family, arch, variant)
}

// InstanceTypeInfo returns the catalog entry of an instance type the region serves.
func (s *Simulator) InstanceTypeInfo(name string) (catalog.InstanceType, bool) {
	for _, it := range s.opts.InstanceTypes {
		if it.Name == name {
			return it, true
		}
	}
	return catalog.InstanceType{}, false
}

// AccountID is the AWS account of the simulated region.
func (s *Simulator) AccountID() string { return auxAccountID }
