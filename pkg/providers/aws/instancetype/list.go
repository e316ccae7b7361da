package instancetype

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// maxMemoEntries bounds the memoized lists, one per distinct node class setting. A
// cluster has a handful of node classes; the bound only stops edits from piling up.
const maxMemoEntries = 64

// memo keeps the last list built for each node class setting, with the versions of
// the caches it was built from.
type memo struct {
	mu      sync.Mutex
	entries map[string]memoEntry
}

type memoEntry struct {
	versions versions
	types    []*cloudprovider.InstanceType
}

// versions of the caches a list is built from; any change means a rebuild.
type versions struct {
	discovery, unavailable, pricing uint64
}

// List returns the instance types nodes of nodeClass can be launched as, sorted by
// name, with offerings in the node class's subnet zones (every offered zone when it
// has no resolved subnets yet). It reads only cached data and makes no call; lists
// are memoized until the node class's kubelet or storage settings, the discovered
// types, the prices or the unavailable offerings change, so repeated calls are
// cheap. The returned types are shared: callers must not modify them.
func (p *Provider) List(nodeClass *ec2v1.EC2NodeClass) ([]*cloudprovider.InstanceType, error) {
	key, err := settingsKey(nodeClass)
	if err != nil {
		return nil, err
	}
	v := versions{discovery: p.generation.Load(), unavailable: p.unavailable.SeqNum(), pricing: p.pricing.Generation()}

	p.memo.mu.Lock()
	defer p.memo.mu.Unlock()
	e, ok := p.memo.entries[key]
	if ok && e.versions == v {
		return e.types, nil
	}
	var previous []*cloudprovider.InstanceType
	if ok && e.versions.discovery == v.discovery {
		previous = e.types
	}
	types, err := p.build(nodeClass, previous, e.versions.discovery)
	if err != nil {
		return nil, err
	}
	if len(p.memo.entries) >= maxMemoEntries {
		clear(p.memo.entries)
	}
	p.memo.entries[key] = memoEntry{versions: v, types: types}
	return types, nil
}

// listSettings are the node class fields a list depends on.
type listSettings struct {
	MaxPods        *int32            `json:"maxPods,omitempty"`
	PodsPerCore    *int32            `json:"podsPerCore,omitempty"`
	KubeReserved   map[string]string `json:"kubeReserved,omitempty"`
	SystemReserved map[string]string `json:"systemReserved,omitempty"`
	EvictionHard   map[string]string `json:"evictionHard,omitempty"`
	EvictionSoft   map[string]string `json:"evictionSoft,omitempty"`
	RootVolume     string            `json:"rootVolume,omitempty"`
	RAID0          bool              `json:"raid0,omitempty"`
	Zones          []string          `json:"zones,omitempty"`
}

// settingsKey identifies the node class fields a list depends on (JSON writes map
// keys sorted, so equal settings give equal keys).
func settingsKey(nodeClass *ec2v1.EC2NodeClass) (string, error) {
	var s listSettings
	if nodeClass != nil {
		if k := nodeClass.Spec.Kubelet; k != nil {
			s.MaxPods, s.PodsPerCore = k.MaxPods, k.PodsPerCore
			s.KubeReserved, s.SystemReserved = k.KubeReserved, k.SystemReserved
			s.EvictionHard, s.EvictionSoft = k.EvictionHard, k.EvictionSoft
		}
		s.RootVolume = rootVolumeSize(nodeClass.Spec.BlockDeviceMappings)
		policy := nodeClass.Spec.InstanceStorePolicy
		s.RAID0 = policy != nil && *policy == ec2v1.InstanceStorePolicyRAID0
		s.Zones = subnetZones(nodeClass)
	}
	data, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("hashing settings of ec2nodeclass %s, %w", nodeClassName(nodeClass), err)
	}
	return string(data), nil
}

// subnetZones are the sorted zones of the node class's resolved subnets; nil when
// none are resolved.
func subnetZones(nodeClass *ec2v1.EC2NodeClass) []string {
	if nodeClass == nil {
		return nil
	}
	var zones []string
	for _, s := range nodeClass.Status.Subnets {
		if s.Zone != "" {
			zones = append(zones, s.Zone)
		}
	}
	sort.Strings(zones)
	return dedupeSorted(zones)
}

// zonesWithin keeps the zones allowed lists; all of them when allowed is nil.
func zonesWithin(zones, allowed []string) []string {
	if allowed == nil {
		return zones
	}
	var out []string
	for _, z := range zones {
		if i := sort.SearchStrings(allowed, z); i < len(allowed) && allowed[i] == z {
			out = append(out, z)
		}
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, have := range list {
		if have == s {
			return list
		}
	}
	return append(list, s)
}

func nodeClassName(nodeClass *ec2v1.EC2NodeClass) string {
	if nodeClass == nil {
		return "<none>"
	}
	return nodeClass.Name
}
