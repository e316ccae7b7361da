package disruption

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// allowed is how many more of np's nodes may be disrupted for reason now: the
// most restrictive active budget that applies to the reason, less the nodes
// already disrupting. total counts np's nodes. A budget that cannot be read
// blocks, and says why.
func allowed(np *karpv1.NodePool, reason karpv1.DisruptionReason, now time.Time, total, disrupting int) (int, string) {
	limit, why := math.MaxInt, ""
	for i, b := range np.Spec.Disruption.Budgets {
		if !appliesTo(b, reason) {
			continue
		}
		active, err := isActive(b, now)
		if err != nil {
			return 0, fmt.Sprintf("spec.disruption.budgets[%d]: %v", i, err)
		}
		if !active {
			continue
		}
		n, err := budgetNodes(b.Nodes, total)
		if err != nil {
			return 0, fmt.Sprintf("spec.disruption.budgets[%d].nodes: %v", i, err)
		}
		if n < limit {
			limit, why = n, fmt.Sprintf("spec.disruption.budgets[%d] (nodes %q) allows %d of %d nodes disrupting for %s at once", i, b.Nodes, n, total, reason)
		}
	}
	if limit == math.MaxInt {
		return total, ""
	}
	return max(limit-disrupting, 0), why
}

func appliesTo(b karpv1.Budget, reason karpv1.DisruptionReason) bool {
	if len(b.Reasons) == 0 {
		return true
	}
	for _, r := range b.Reasons {
		if r == reason {
			return true
		}
	}
	return false
}

// isActive reports whether b is in force at now: always without a schedule,
// else for its duration after each tick of the schedule (UTC).
func isActive(b karpv1.Budget, now time.Time) (bool, error) {
	if b.Schedule == nil {
		return true, nil
	}
	if b.Duration == nil {
		return false, fmt.Errorf("schedule %q has no duration", *b.Schedule)
	}
	sched, err := cron.ParseStandard(*b.Schedule)
	if err != nil {
		return false, fmt.Errorf("schedule %q, %w", *b.Schedule, err)
	}
	now = now.UTC()
	// Active when a tick t has t <= now < t+duration: the first tick after
	// now-duration is no later than now.
	next := sched.Next(now.Add(-b.Duration.Duration))
	return !next.After(now), nil
}

// budgetNodes reads a budget's nodes: a count, or a percentage of total rounded up.
func budgetNodes(nodes string, total int) (int, error) {
	if p, ok := strings.CutSuffix(nodes, "%"); ok {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 100 {
			return 0, fmt.Errorf("%q is not a percentage", nodes)
		}
		return int(math.Ceil(float64(v) * float64(total) / 100)), nil
	}
	v, err := strconv.Atoi(nodes)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a node count", nodes)
	}
	return v, nil
}
