package planner

import (
	"crypto/sha256"
	"encoding/json"

	"github.com/tailor-sh/tailor/pkg/cloudprovider"
)

// A round's fixed work is preparing its NodePools: the types each allows, their
// efficient frontier, families, zones, the labels of its zone placeholders, and
// every type's shape. It depends only on the NodePool's spec and the catalog, so
// the planner keeps it from one round to the next while both stay the same: a
// batch of ten pods then costs what ten pods of a large batch cost.

// poolKey identifies what a prepared pool was prepared from: the NodePool (its
// name and spec, hashed) and the catalog (the instance types slice, which the
// Provisioner keeps while the catalog's resourceVersion stays the same).
type poolKey struct {
	nodePool [sha256.Size]byte
	first    *cloudprovider.InstanceType
	types    int
}

// poolCache holds the pools prepared in the last round and the shapes of their
// types.
type poolCache struct {
	pools  map[poolKey]*pool
	shapes shapes
}

func keyOf(in NodePoolInput) (poolKey, bool) {
	b, err := json.Marshal(struct {
		Name string
		Spec any
	}{in.NodePool.Name, in.NodePool.Spec})
	if err != nil {
		return poolKey{}, false
	}
	k := poolKey{nodePool: sha256.Sum256(b), types: len(in.InstanceTypes)}
	if len(in.InstanceTypes) > 0 {
		k.first = in.InstanceTypes[0]
	}
	return k, true
}

// prepare returns the round's pools, from the cache where their NodePool and
// catalog are unchanged, and the shapes to use. Entries not used this round are
// dropped; when any pool is new, shapes start afresh, so that the shapes of
// types no longer in use do not pile up.
func (c *poolCache) prepare(inputs []NodePoolInput) ([]*pool, shapes) {
	keys := make([]poolKey, len(inputs))
	keyed := make([]bool, len(inputs))
	fresh := c.shapes == nil
	for i, in := range inputs {
		keys[i], keyed[i] = keyOf(in)
		if _, hit := c.pools[keys[i]]; !keyed[i] || !hit {
			fresh = true
		}
	}
	if fresh {
		c.shapes = shapes{}
	}
	next := make(map[poolKey]*pool, len(inputs))
	out := make([]*pool, len(inputs))
	for i, in := range inputs {
		p, hit := c.pools[keys[i]]
		if !keyed[i] || !hit {
			p = preparePool(in, c.shapes)
		}
		if keyed[i] {
			next[keys[i]] = p
		}
		// A round changes only the pool's remaining limits: each gets its own.
		round := *p
		round.input, round.remaining = in, in.Remaining.DeepCopy()
		out[i] = &round
	}
	c.pools = next
	return sortPools(out), c.shapes
}
