package convert

import (
	"strings"
	"time"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// alphaDisruption returns spec.disruption and spec.template.spec.expireAfter of the
// NodePool made from a Provisioner's TTLs and consolidation setting. A Provisioner
// without them never removed empty nodes nor expired any; v1 does both by default,
// so conversion says "Never" where v1alpha5 said nothing.
func (c *docConv) alphaDisruption(spec fields, np *Object) (map[string]any, string) {
	ttl, hasTTL := spec.integer("ttlSecondsAfterEmpty")
	consolidate := false
	if consolidation, ok := spec.object("consolidation"); ok {
		consolidate, _ = consolidation.boolean("enabled")
		consolidation.done(nil)
	}
	var disruption map[string]any
	switch {
	case hasTTL && consolidate:
		c.fail(spec.child("consolidation"), "cannot be enabled with spec.ttlSecondsAfterEmpty (v1alpha5 refused both too): keep one")
	case hasTTL:
		after := c.seconds(spec, "ttlSecondsAfterEmpty", ttl)
		disruption = consolidation(karpv1.ConsolidationPolicyWhenEmpty, after)
		np.change("spec.ttlSecondsAfterEmpty: %d -> spec.disruption.consolidationPolicy: WhenEmpty, consolidateAfter: %s", ttl, after)
	case consolidate:
		disruption = consolidation(karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized, "0s")
		np.change("spec.consolidation.enabled: true -> spec.disruption.consolidationPolicy: WhenEmptyOrUnderutilized, consolidateAfter: 0s")
	default:
		disruption = consolidation(karpv1.ConsolidationPolicyWhenEmpty, karpv1.Never)
		np.change("no spec.ttlSecondsAfterEmpty and no consolidation (v1alpha5 kept empty nodes) -> spec.disruption.consolidationPolicy: WhenEmpty, consolidateAfter: Never")
	}
	expireAfter := karpv1.Never
	if ttl, ok := spec.integer("ttlSecondsUntilExpired"); ok {
		expireAfter = c.seconds(spec, "ttlSecondsUntilExpired", ttl)
		np.change("spec.ttlSecondsUntilExpired: %d -> spec.template.spec.expireAfter: %s", ttl, expireAfter)
	} else {
		np.change("no spec.ttlSecondsUntilExpired (v1alpha5 nodes never expired) -> spec.template.spec.expireAfter: Never (v1 defaults to 720h)")
	}
	return disruption, expireAfter
}

func consolidation(policy karpv1.ConsolidationPolicy, after string) map[string]any {
	return map[string]any{"consolidationPolicy": string(policy), "consolidateAfter": after}
}

// seconds returns n seconds as a v1 duration ("30s", "720h").
func (c *docConv) seconds(spec fields, key string, n int64) string {
	if n < 0 {
		c.fail(spec.child(key), "want 0 or more seconds, got %d", n)
	}
	return shortDuration(time.Duration(n) * time.Second)
}

// shortDuration writes d without zero minutes and seconds: 720h, 1h30m, 45s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// betaDisruption returns spec.disruption of the NodePool made from a v1beta1 one, and
// the expireAfter that v1 moved to spec.template.spec.
func (c *docConv) betaDisruption(d fields, np *Object) (map[string]any, any) {
	out := map[string]any{}
	if policy, ok := d.str("consolidationPolicy"); ok {
		switch karpv1.ConsolidationPolicy(policy) {
		case "WhenUnderutilized":
			out["consolidationPolicy"] = string(karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized)
			np.change("spec.disruption.consolidationPolicy: WhenUnderutilized -> WhenEmptyOrUnderutilized (renamed in v1)")
		case karpv1.ConsolidationPolicyWhenEmpty:
			out["consolidationPolicy"] = policy
		default:
			c.fail(d.child("consolidationPolicy"), "unsupported value %q: v1beta1 has WhenEmpty and WhenUnderutilized", policy)
		}
	}
	if after, ok := c.duration(d, "consolidateAfter"); ok {
		out["consolidateAfter"] = after
	}
	if budgets, ok := d.take("budgets"); ok {
		decodeAs[[]karpv1.Budget](c, d.child("budgets"), budgets)
		out["budgets"] = budgets
	}
	expireAfter, hasExpiry := c.duration(d, "expireAfter")
	if hasExpiry {
		np.change("spec.disruption.expireAfter: %s -> spec.template.spec.expireAfter: %s", expireAfter, expireAfter)
	}
	d.done(nil)
	if _, ok := out["consolidateAfter"]; !ok && len(out) > 0 {
		out["consolidateAfter"] = "0s"
		np.change("spec.disruption.consolidateAfter unset -> 0s (v1 requires it; 0s acts as v1beta1 did)")
	}
	if !hasExpiry {
		return out, nil
	}
	return out, expireAfter
}

// duration reads a duration string or "Never".
func (c *docConv) duration(f fields, key string) (string, bool) {
	s, ok := f.str(key)
	if !ok {
		return "", false
	}
	if _, err := karpv1.ParseNillableDuration(s); err != nil {
		c.fail(f.child(key), "%v", err)
		return "", false
	}
	return s, true
}
