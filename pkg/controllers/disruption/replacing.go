package disruption

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
)

// Replacing is a replacement under way, as the old claim's annotations
// record it.
type Replacing struct {
	Reason karpv1.DisruptionReason
	// Requests are the capacity requests launched for the node's pods.
	Requests []string
	Deadline time.Time
	// MovesMarked is true once the replacements' nodes were told which of
	// the node's pods come to them.
	MovesMarked bool
}

// RequestState is what became of a replacement's capacity request.
type RequestState struct {
	Initialized bool
	// Failed says why the launcher gave the request up ("" while it has not).
	Failed string
	// Node is the name of the request's node, once it registered.
	Node string
	// Pods are the pods the request was planned for (a replacement's: pods
	// of the nodes it replaces).
	Pods []types.UID
}

// replacingOf reads the replacement recorded on claim (nil: none). A deadline
// that cannot be read has passed.
func replacingOf(claim *karpv1.NodeClaim) *Replacing {
	reason, ok := claim.Annotations[tailorv1alpha1.DisruptionReasonAnnotationKey]
	if !ok {
		return nil
	}
	r := &Replacing{Reason: karpv1.DisruptionReason(reason)}
	if names := claim.Annotations[tailorv1alpha1.DisruptionReplacementsAnnotationKey]; names != "" {
		r.Requests = strings.Split(names, ",")
	}
	r.Deadline, _ = time.Parse(time.RFC3339, claim.Annotations[tailorv1alpha1.DisruptionDeadlineAnnotationKey])
	r.MovesMarked = claim.Annotations[tailorv1alpha1.DisruptionMovesMarkedAnnotationKey] == "true"
	return r
}

// progress moves each replacement under way on: once every replacement is
// initialized, the replacements' nodes are told which of the old node's pods
// come to them, and in a later pass, once the scheduler has seen that, the old
// node is deleted (evicted in the same pass, the pods found the new nodes
// without the record, which empty nodes attract, and took each other's
// room); when one failed or the deadline passed, an expired node is deleted
// anyway and any other is rolled back (untainted and kept).
func (d *decider) progress() {
	for _, c := range d.s.Candidates {
		r := c.Replacing
		if r == nil || c.Claim.DeletionTimestamp != nil {
			continue
		}
		failed, waiting := "", 0
		for _, name := range r.Requests {
			state, ok := d.s.Requests[name]
			switch {
			case !ok:
				failed = fmt.Sprintf("capacity request %s is gone", name)
			case state.Failed != "":
				failed = fmt.Sprintf("capacity request %s failed: %s", name, state.Failed)
			case !state.Initialized:
				waiting++
			}
		}
		late := !d.s.Now.Before(r.Deadline)
		if failed == "" && late && waiting > 0 {
			failed = fmt.Sprintf("%d of its %d replacements did not initialize by %s", waiting, len(r.Requests), r.Deadline.UTC().Format(time.RFC3339))
		}
		switch {
		case failed != "" && r.Reason == ReasonExpired:
			d.commands = append(d.commands, Command{Reason: r.Reason, Action: ActionDelete, Candidates: []*Candidate{c}, Immediate: true,
				Message: fmt.Sprintf("Expired: %s; removing node %s anyway", failed, c.Node.Name)})
		case failed != "":
			d.commands = append(d.commands, Command{Reason: r.Reason, Action: ActionRollBack, Candidates: []*Candidate{c}, Immediate: true,
				Message: fmt.Sprintf("%s: %s; node %s stays and is untainted", r.Reason, failed, c.Node.Name)})
		case waiting == 0 && !r.MovesMarked:
			d.commands = append(d.commands, Command{Reason: r.Reason, Action: ActionMarkMoves, Candidates: []*Candidate{c}, Immediate: true,
				Moves: d.movesOnto(c, r.Requests)})
		case waiting == 0:
			d.commands = append(d.commands, Command{Reason: r.Reason, Action: ActionDelete, Candidates: []*Candidate{c}, Immediate: true,
				Message: fmt.Sprintf("%s: its replacement (%s) is initialized; removing node %s", r.Reason, strings.Join(r.Requests, ", "), c.Node.Name)})
		}
	}
}

// movesOnto are c's pods that the replacement requests were planned for, by
// the name of the request's node: the scheduler is to send them there.
func (d *decider) movesOnto(c *Candidate, requests []string) map[string][]*corev1.Pod {
	out := map[string][]*corev1.Pod{}
	for _, name := range requests {
		state := d.s.Requests[name]
		if state.Node == "" {
			continue
		}
		for _, p := range c.Pods {
			if slices.Contains(state.Pods, p.UID) {
				out[state.Node] = append(out[state.Node], p)
			}
		}
	}
	return out
}
