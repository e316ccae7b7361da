package explain

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/cloudprovider"
	"github.com/tailor-sh/tailor/pkg/whatif"
)

// TypeVerdict is what the plugins say of a pod on a node of one instance
// type, bought as the offering named.
type TypeVerdict struct {
	InstanceType   string  `json:"instanceType"`
	Zone           string  `json:"zone"`
	CapacityType   string  `json:"capacityType"`
	PricePerHour   float64 `json:"pricePerHour"`
	whatif.Verdict `json:",inline"`
}

// catalogTypes are the published instance types by node class.
type catalogTypes map[string][]*cloudprovider.InstanceType

// price is the catalog's price of an offering, 0 when unknown.
func (c catalogTypes) price(name, zone, capacityType string) float64 {
	for _, types := range c {
		for _, it := range types {
			if it.Name != name {
				continue
			}
			for _, o := range it.Offerings {
				if o.Zone == zone && o.CapacityType == capacityType {
					return o.PricePerHour
				}
			}
		}
	}
	return 0
}

// cheaper judges, for pod, its node as each instance type of the NodePool
// that has an offering cheaper than the launch (the launched type among them
// when it has: spot, another zone): the node under its own name, with the
// other pods it runs, bought as each cheaper offering. A note says why nothing
// could be judged.
func (s *session) cheaper(ctx context.Context, pod *corev1.Pod, node *corev1.Node, l *Launch) ([]TypeVerdict, string, error) {
	np := s.cluster.NodePool(l.NodePool)
	if np == nil {
		return nil, fmt.Sprintf("NodePool %q no longer exists", l.NodePool), nil
	}
	if l.PricePerHour == 0 {
		return nil, "the launch price is unknown (no price annotation on the NodeClaim, not in the catalog)", nil
	}
	reqs, err := whatif.NodePoolRequirements(np)
	if err != nil {
		return nil, err.Error(), nil
	}
	judge, err := s.fit.Judge(ctx, s.cluster.NodesWithPods(pod))
	if err != nil {
		return nil, "", err
	}
	cycle := judge.Cycle(ctx, pod)
	mates := others(s.cluster.PodsOn()[node.Name], pod)
	out := []TypeVerdict{}
	for _, it := range cloudprovider.Compatible(s.cluster.TypesOf(np), reqs, wellknown.InstanceTypeLabels) {
		offers := cheaperThan(whatif.Offerings(it, reqs), l.PricePerHour)
		if len(offers) == 0 {
			continue
		}
		out = append(out, best(it, offers, func(o cloudprovider.Offering) whatif.Verdict {
			return cycle.On(ctx, whatif.NodeInfo(whatif.AsType(node, np, reqs, it, o), mates...))
		}))
	}
	slices.SortStableFunc(out, func(a, b TypeVerdict) int { return cmp.Compare(a.PricePerHour, b.PricePerHour) })
	return out, "", nil
}

// cheaperThan are the offerings priced under price, cheapest first.
func cheaperThan(offers cloudprovider.Offerings, price float64) cloudprovider.Offerings {
	out := slices.DeleteFunc(slices.Clone(offers), func(o cloudprovider.Offering) bool { return o.PricePerHour >= price })
	slices.SortStableFunc(out, func(a, b cloudprovider.Offering) int { return cmp.Compare(a.PricePerHour, b.PricePerHour) })
	return out
}

// best judges it as each offering, cheapest first: the first the plugins
// admit, else the refusal that came closest to fitting.
func best(it *cloudprovider.InstanceType, offers cloudprovider.Offerings, judge func(cloudprovider.Offering) whatif.Verdict) TypeVerdict {
	var out TypeVerdict
	for i, o := range offers {
		v := judge(o)
		if i == 0 || v.Closer(out.Verdict) {
			out = TypeVerdict{InstanceType: it.Name, Zone: o.Zone, CapacityType: o.CapacityType, PricePerHour: o.PricePerHour, Verdict: v}
		}
		if v.Fits {
			break
		}
	}
	return out
}

// others are pods without pod.
func others(pods []*corev1.Pod, pod *corev1.Pod) []*corev1.Pod {
	return slices.DeleteFunc(slices.Clone(pods), func(p *corev1.Pod) bool { return p.UID == pod.UID })
}
