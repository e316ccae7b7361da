package interruption

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/validation"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/providers/aws/instance"
)

const (
	// SpotDeadline: EC2 reclaims a spot instance two minutes after the warning;
	// deleting the claim 90 s after it leaves 30 s to drain before the instance goes.
	SpotDeadline = 90 * time.Second
	// ScheduledChangeDeadline: a scheduled change (retirement, maintenance) is days
	// away, so the old node waits longer for its replacement, but not forever: a
	// replacement that does not initialize in 10 minutes is not coming soon.
	ScheduledChangeDeadline = 10 * time.Minute
	// UnavailableReason is what the offering of a reclaimed spot instance is marked
	// unavailable for.
	UnavailableReason = "SpotInterruptionWarning"
)

// Event reasons.
const (
	ReasonSpotInterrupted         = "SpotInterrupted"
	ReasonScheduledChange         = "InstanceScheduledChange"
	ReasonStopping                = "InstanceStopping"
	ReasonTerminating             = "InstanceTerminating"
	ReasonRebalanceRecommendation = "RebalanceRecommendation"
	// ReasonReplaced: the replacement initialized and the interrupted claim is deleted.
	ReasonReplaced = "InterruptionReplaced"
	// ReasonDeadline: the replacement did not initialize in time; the interrupted
	// claim is deleted anyway.
	ReasonDeadline = "InterruptionDeadlineReached"
)

// Action is what was done about a message. The values are metric labels.
type Action string

// Actions, from the least to the most disruptive.
const (
	ActionIgnore  Action = "ignore"
	ActionEvent   Action = "event"
	ActionReplace Action = "replace"
	ActionDelete  Action = "delete"
	// ActionFailed: the commands failed; the message stays and comes back.
	ActionFailed Action = "failed"
)

var actionRank = map[Action]int{ActionIgnore: 0, ActionEvent: 1, ActionReplace: 2, ActionDelete: 3}

// Waiting is an interrupted claim whose replacement is launching.
type Waiting struct {
	Claim       string
	Replacement string
	// Deadline is when Claim is deleted even if Replacement has not initialized.
	Deadline time.Time
}

// Snapshot is what a decision reads: the time and the cluster's NodeClaims.
type Snapshot struct {
	Now        time.Time
	byName     map[string]*karpv1.NodeClaim
	byInstance map[string]*karpv1.NodeClaim
	// Waiting holds the interrupted claims (by name) awaiting their replacement.
	Waiting map[string]Waiting
}

// NewSnapshot indexes claims and finds the interrupted ones awaiting their
// replacement: those annotated with one, and those in remembered (what this
// process wrote and the cache may not show yet). Claims being deleted are done.
func NewSnapshot(now time.Time, claims []karpv1.NodeClaim, remembered map[string]Waiting) Snapshot {
	s := Snapshot{Now: now, byName: map[string]*karpv1.NodeClaim{}, byInstance: map[string]*karpv1.NodeClaim{}, Waiting: map[string]Waiting{}}
	for i := range claims {
		claim := &claims[i]
		s.byName[claim.Name] = claim
		if id, err := instance.ParseProviderID(claim.Status.ProviderID); err == nil {
			s.byInstance[id] = claim
		}
		if claim.DeletionTimestamp != nil {
			continue
		}
		w, fromMemory := remembered[claim.Name]
		if name := claim.Annotations[tailorv1alpha1.ReplacedByAnnotationKey]; name != "" {
			deadline, err := time.Parse(time.RFC3339, claim.Annotations[tailorv1alpha1.DeadlineAnnotationKey])
			switch {
			case err == nil && (!fromMemory || deadline.Before(w.Deadline)):
				w = Waiting{Claim: claim.Name, Replacement: name, Deadline: deadline}
			case err != nil && !fromMemory:
				// Annotated by hand or by an older version: give it the shortest wait.
				w = Waiting{Claim: claim.Name, Replacement: name, Deadline: now.Add(SpotDeadline)}
			}
			fromMemory = true
		}
		if fromMemory {
			s.Waiting[claim.Name] = w
		}
	}
	return s
}

// Claim returns the claim named name, or nil.
func (s Snapshot) Claim(name string) *karpv1.NodeClaim { return s.byName[name] }

// ClaimOf returns the claim of the instance with id, or nil.
func (s Snapshot) ClaimOf(instanceID string) *karpv1.NodeClaim { return s.byInstance[instanceID] }

// Command is one write the executor performs.
type Command interface{ command() }

// MarkUnavailable marks an offering unavailable so the next launch avoids it.
type MarkUnavailable struct{ Reason, InstanceType, Zone, CapacityType string }

// Cordon taints the claim's Node with karpenter.sh/disrupted:NoSchedule.
type Cordon struct{ Claim *karpv1.NodeClaim }

// Replace creates New (AlreadyExists is success) and annotates Old with it and
// with Deadline, then waits for New to initialize.
type Replace struct {
	Old, New *karpv1.NodeClaim
	Deadline time.Time
}

// Delete deletes the claim; the termination controller drains its node.
type Delete struct{ Claim *karpv1.NodeClaim }

// Record records an event on the claim and on its Node.
type Record struct {
	Claim                 *karpv1.NodeClaim
	Type, Reason, Message string
}

func (MarkUnavailable) command() {}
func (Cordon) command()          {}
func (Replace) command()         {}
func (Delete) command()          {}
func (Record) command()          {}

// Decision is what to do about one message.
type Decision struct {
	Action   Action
	Commands []Command
}

// Decide turns a message into commands, for each of its instances that has a
// claim not already being deleted (other instances are not ours):
//  1. spot interruption warning: mark the offering unavailable, cordon the node,
//     create a replacement; the claim is deleted when the replacement initializes
//     or SpotDeadline after the warning (see DecideWaiting);
//  2. scheduled change: the same without marking the offering, with
//     ScheduledChangeDeadline from now;
//  3. state change to stopping, stopped, shutting-down or terminated: delete the
//     claim at once; its pods become pending and are planned for again;
//  4. rebalance recommendation: an event only.
//
// A warning for a claim already awaiting its replacement by an earlier deadline is
// a duplicate and ignored.
func Decide(msg Message, snap Snapshot) Decision {
	d := Decision{Action: ActionIgnore}
	for _, id := range msg.InstanceIDs {
		claim := snap.ClaimOf(id)
		if claim == nil || claim.DeletionTimestamp != nil {
			continue
		}
		var action Action
		var cmds []Command
		switch msg.Kind {
		case KindSpotInterruption:
			action, cmds = replace(claim, snap, startOf(msg, snap.Now).Add(SpotDeadline), true, ReasonSpotInterrupted,
				fmt.Sprintf("EC2 reclaims spot instance %s (%s) two minutes after %s", id, offeringOf(claim), startOf(msg, snap.Now).UTC().Format(time.RFC3339)))
		case KindScheduledChange:
			action, cmds = replace(claim, snap, snap.Now.Add(ScheduledChangeDeadline), false, ReasonScheduledChange,
				fmt.Sprintf("AWS Health scheduled %s for instance %s", orDefault(msg.EventTypeCode, "a change"), id))
		case KindStateChange:
			reason, verb := stateReason(msg.State)
			if reason == "" {
				continue
			}
			action = ActionDelete
			cmds = []Command{
				Record{Claim: claim, Type: corev1.EventTypeWarning, Reason: reason,
					Message: fmt.Sprintf("Instance %s is %s; deleting the nodeclaim, its pods will be scheduled elsewhere", id, verb)},
				Delete{Claim: claim},
			}
		case KindRebalanceRecommendation:
			action = ActionEvent
			cmds = []Command{Record{Claim: claim, Type: corev1.EventTypeNormal, Reason: ReasonRebalanceRecommendation,
				Message: fmt.Sprintf("EC2 recommends rebalancing: spot instance %s is at elevated risk of interruption; no action taken", id)}}
		}
		if len(cmds) == 0 {
			continue
		}
		if actionRank[action] > actionRank[d.Action] {
			d.Action = action
		}
		d.Commands = append(d.Commands, cmds...)
	}
	return d
}

// replace is the replacement-first handling of an interrupted claim.
func replace(claim *karpv1.NodeClaim, snap Snapshot, deadline time.Time, markUnavailable bool, reason, why string) (Action, []Command) {
	if w, ok := snap.Waiting[claim.Name]; ok && !deadline.Before(w.Deadline) {
		return ActionIgnore, nil
	}
	var cmds []Command
	if o := offeringOf(claim); markUnavailable && o.complete() {
		cmds = append(cmds, MarkUnavailable{Reason: UnavailableReason, InstanceType: o.instanceType, Zone: o.zone, CapacityType: o.capacityType})
	}
	if claim.Status.NodeName != "" {
		cmds = append(cmds, Cordon{Claim: claim})
	}
	next := ReplacementFor(claim)
	if w, ok := snap.Waiting[claim.Name]; ok {
		next.Name = w.Replacement
	}
	cmds = append(cmds,
		Replace{Old: claim, New: next, Deadline: deadline},
		Record{Claim: claim, Type: corev1.EventTypeWarning, Reason: reason, Message: fmt.Sprintf(
			"%s; cordoned the node and launching replacement nodeclaim %s; this nodeclaim is deleted when the replacement is initialized, or at %s",
			why, next.Name, deadline.UTC().Format(time.RFC3339))},
	)
	return ActionReplace, cmds
}

// DecideWaiting deletes each interrupted claim whose replacement has initialized,
// and those whose deadline passed, whatever became of their replacement (not yet
// up, failed to launch, deleted).
func DecideWaiting(snap Snapshot) []Command {
	var cmds []Command
	for _, name := range slices.Sorted(maps.Keys(snap.Waiting)) {
		w := snap.Waiting[name]
		old := snap.Claim(name)
		if old == nil || old.DeletionTimestamp != nil {
			continue
		}
		next := snap.Claim(w.Replacement)
		if next != nil && next.DeletionTimestamp != nil {
			next = nil
		}
		switch {
		case next != nil && meta.IsStatusConditionTrue(next.Status.Conditions, karpv1.ConditionTypeInitialized):
			cmds = append(cmds,
				Record{Claim: old, Type: corev1.EventTypeNormal, Reason: ReasonReplaced,
					Message: fmt.Sprintf("Replacement nodeclaim %s is initialized; deleting this nodeclaim", w.Replacement)},
				Delete{Claim: old})
		case !snap.Now.Before(w.Deadline):
			cmds = append(cmds,
				Record{Claim: old, Type: corev1.EventTypeWarning, Reason: ReasonDeadline,
					Message: fmt.Sprintf("%s by the interruption deadline %s; deleting this nodeclaim anyway", replacementState(w.Replacement, next), w.Deadline.UTC().Format(time.RFC3339))},
				Delete{Claim: old})
		}
	}
	return cmds
}

// replacementState says why a replacement is not initialized, for an event.
func replacementState(name string, next *karpv1.NodeClaim) string {
	if next == nil {
		return fmt.Sprintf("Replacement nodeclaim %s is gone before it initialized", name)
	}
	if c := meta.FindStatusCondition(next.Status.Conditions, karpv1.ConditionTypeLaunched); c != nil && c.Status == "False" {
		return fmt.Sprintf("Replacement nodeclaim %s failed to launch (%s: %s)", name, c.Reason, c.Message)
	}
	return fmt.Sprintf("Replacement nodeclaim %s did not initialize", name)
}

// launchLabels are the labels the launch writes for the instance it chose (its
// type's labels, zone, capacity type) and that of the request launched for; a
// replacement chooses its own.
var launchLabels = func() map[string]bool {
	keys := maps.Clone(wellknown.InstanceTypeLabels)
	keys[tailorv1alpha1.CapacityRequestLabelKey] = true
	keys[wellknown.NodeRegisteredLabelKey] = true
	keys[wellknown.NodeInitializedLabelKey] = true
	keys[wellknown.HostnameLabelKey] = true
	return keys
}()

// launchAnnotations are annotations about the old instance or its interruption.
var launchAnnotations = map[string]bool{
	tailorv1alpha1.PricePerHourAnnotationKey:             true,
	wellknown.EC2NodeClassHashAnnotationKey:              true,
	wellknown.EC2NodeClassHashVersionAnnotationKey:       true,
	wellknown.NodeClaimTerminationTimestampAnnotationKey: true,
	tailorv1alpha1.ReplacesAnnotationKey:                 true,
	tailorv1alpha1.ReplacedByAnnotationKey:               true,
	tailorv1alpha1.DeadlineAnnotationKey:                 true,
}

// ReplacementFor is the claim that replaces old: the same spec, labels, annotations
// and owners, without what the launch of old wrote, named after old.
func ReplacementFor(old *karpv1.NodeClaim) *karpv1.NodeClaim {
	next := &karpv1.NodeClaim{Spec: *old.Spec.DeepCopy()}
	next.Name = ReplacementName(old.Name)
	next.Labels = map[string]string{}
	for k, v := range old.Labels {
		if !launchLabels[k] {
			next.Labels[k] = v
		}
	}
	next.Annotations = map[string]string{tailorv1alpha1.ReplacesAnnotationKey: old.Name}
	for k, v := range old.Annotations {
		if !launchAnnotations[k] {
			next.Annotations[k] = v
		}
	}
	next.Finalizers = []string{wellknown.TerminationFinalizer}
	for _, ref := range old.OwnerReferences {
		next.OwnerReferences = append(next.OwnerReferences, *ref.DeepCopy())
	}
	return next
}

// ReplacementName is old + "-r", at most 63 characters: a longer name is cut and
// given a hash of old, so that the replacement of a replacement differs from it.
func ReplacementName(old string) string {
	const suffix = "-r"
	if len(old)+len(suffix) <= validation.DNS1123LabelMaxLength {
		return old + suffix
	}
	sum := sha256.Sum256([]byte(old))
	hash := hex.EncodeToString(sum[:])[:8]
	prefix := strings.TrimRight(old[:validation.DNS1123LabelMaxLength-len(suffix)-len(hash)-1], "-.")
	return prefix + "-" + hash + suffix
}

type offering struct{ instanceType, zone, capacityType string }

func offeringOf(claim *karpv1.NodeClaim) offering {
	return offering{
		instanceType: claim.Labels[wellknown.InstanceTypeLabelKey],
		zone:         claim.Labels[wellknown.ZoneLabelKey],
		capacityType: claim.Labels[wellknown.CapacityTypeLabelKey],
	}
}

func (o offering) complete() bool {
	return o.instanceType != "" && o.zone != "" && o.capacityType != ""
}

func (o offering) String() string {
	return orDefault(o.instanceType, "unknown type") + " in " + orDefault(o.zone, "unknown zone")
}

// stateReason is the event reason and wording of an instance state the claim
// cannot survive, or "" for the others (pending, running).
func stateReason(state string) (reason, verb string) {
	switch state {
	case "stopping", "stopped":
		return ReasonStopping, state
	case "shutting-down", "terminated":
		return ReasonTerminating, state
	}
	return "", ""
}

// startOf is when the event was emitted, or now when it does not say or its
// clock is ahead.
func startOf(msg Message, now time.Time) time.Time {
	if msg.Time.IsZero() || msg.Time.After(now) {
		return now
	}
	return msg.Time
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
