package interruption

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	tailorv1alpha1 "github.com/tailor-sh/tailor/pkg/apis/tailor/v1alpha1"
)

func TestDecide(t *testing.T) {
	now := testStart
	deleting := testClaim("deleting", instanceID("2"), "")
	deleting.DeletionTimestamp = &metav1.Time{Time: now}
	claims := []karpv1.NodeClaim{*testClaim("a", instanceID("1"), "node-a"), *deleting, *testClaim("b", instanceID("3"), "")}

	tests := []struct {
		name    string
		msg     Message
		waiting map[string]Waiting
		want    Action
		// commands, as their type names, in order
		wantCommands []string
	}{
		{name: "spot warning: mark, cordon, replace, tell",
			msg:  Message{Kind: KindSpotInterruption, InstanceIDs: []string{instanceID("1")}, Time: now},
			want: ActionReplace, wantCommands: []string{"MarkUnavailable", "Cordon", "Replace", "Record"}},
		{name: "spot warning for a claim without a node yet: nothing to cordon",
			msg:  Message{Kind: KindSpotInterruption, InstanceIDs: []string{instanceID("3")}, Time: now},
			want: ActionReplace, wantCommands: []string{"MarkUnavailable", "Replace", "Record"}},
		{name: "duplicate spot warning",
			msg:     Message{Kind: KindSpotInterruption, InstanceIDs: []string{instanceID("1")}, Time: now},
			waiting: map[string]Waiting{"a": {Claim: "a", Replacement: "a-r", Deadline: now.Add(SpotDeadline)}},
			want:    ActionIgnore},
		{name: "spot warning after a scheduled change shortens the wait",
			msg:     Message{Kind: KindSpotInterruption, InstanceIDs: []string{instanceID("1")}, Time: now},
			waiting: map[string]Waiting{"a": {Claim: "a", Replacement: "a-r", Deadline: now.Add(ScheduledChangeDeadline)}},
			want:    ActionReplace, wantCommands: []string{"MarkUnavailable", "Cordon", "Replace", "Record"}},
		{name: "scheduled change for two instances, one ours being deleted",
			msg:  Message{Kind: KindScheduledChange, InstanceIDs: []string{instanceID("1"), instanceID("2"), instanceID("3")}},
			want: ActionReplace, wantCommands: []string{"Cordon", "Replace", "Record", "Replace", "Record"}},
		{name: "terminated",
			msg:  Message{Kind: KindStateChange, State: "terminated", InstanceIDs: []string{instanceID("1")}},
			want: ActionDelete, wantCommands: []string{"Record", "Delete"}},
		{name: "running",
			msg:  Message{Kind: KindStateChange, State: "running", InstanceIDs: []string{instanceID("1")}},
			want: ActionIgnore},
		{name: "claim being deleted",
			msg:  Message{Kind: KindStateChange, State: "terminated", InstanceIDs: []string{instanceID("2")}},
			want: ActionIgnore},
		{name: "rebalance",
			msg:  Message{Kind: KindRebalanceRecommendation, InstanceIDs: []string{instanceID("1")}},
			want: ActionEvent, wantCommands: []string{"Record"}},
		{name: "not ours",
			msg:  Message{Kind: KindSpotInterruption, InstanceIDs: []string{instanceID("99")}},
			want: ActionIgnore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := NewSnapshot(now, claims, tt.waiting)
			d := Decide(tt.msg, snap)
			if d.Action != tt.want {
				t.Errorf("action = %s, want %s", d.Action, tt.want)
			}
			var got []string
			for _, c := range d.Commands {
				got = append(got, commandName(c))
			}
			if strings.Join(got, ",") != strings.Join(tt.wantCommands, ",") {
				t.Errorf("commands = %v, want %v", got, tt.wantCommands)
			}
		})
	}
}

func TestDecideSpotDeadlineCountsFromTheWarning(t *testing.T) {
	now := testStart
	snap := NewSnapshot(now, []karpv1.NodeClaim{*testClaim("a", instanceID("1"), "")}, nil)
	warned := now.Add(-time.Minute) // the message waited in the queue
	d := Decide(Message{Kind: KindSpotInterruption, InstanceIDs: []string{instanceID("1")}, Time: warned}, snap)
	for _, c := range d.Commands {
		if r, ok := c.(Replace); ok {
			if want := warned.Add(SpotDeadline); !r.Deadline.Equal(want) {
				t.Fatalf("deadline = %v, want %v (two minutes are counted from the warning)", r.Deadline, want)
			}
			return
		}
	}
	t.Fatal("no Replace command")
}

func TestDecideWaiting(t *testing.T) {
	now := testStart
	deadline := now.Add(time.Minute)
	initialized := testClaim("a-r", instanceID("2"), "")
	launching := testClaim("a-r", instanceID("2"), "")
	launching.Status.Conditions = nil
	tests := []struct {
		name        string
		replacement *karpv1.NodeClaim
		now         time.Time
		wantDelete  bool
	}{
		{"replacement initialized", initialized, now, true},
		{"replacement launching", launching, now, false},
		{"replacement launching at the deadline", launching, deadline, true},
		{"replacement gone before the deadline", nil, now, false},
		{"replacement gone at the deadline", nil, deadline, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := testClaim("a", instanceID("1"), "node-a")
			old.Annotations[tailorv1alpha1.ReplacedByAnnotationKey] = "a-r"
			old.Annotations[tailorv1alpha1.DeadlineAnnotationKey] = deadline.Format(time.RFC3339)
			claims := []karpv1.NodeClaim{*old}
			if tt.replacement != nil {
				claims = append(claims, *tt.replacement)
			}
			cmds := DecideWaiting(NewSnapshot(tt.now, claims, nil))
			deleted := len(cmds) > 0 && commandName(cmds[len(cmds)-1]) == "Delete"
			if deleted != tt.wantDelete {
				t.Errorf("deleted = %v, want %v (commands %v)", deleted, tt.wantDelete, cmds)
			}
		})
	}
}

func TestNewSnapshotRederivesWaitingClaims(t *testing.T) {
	now := testStart
	annotated := testClaim("annotated", instanceID("1"), "")
	annotated.Annotations[tailorv1alpha1.ReplacedByAnnotationKey] = "annotated-r"
	annotated.Annotations[tailorv1alpha1.DeadlineAnnotationKey] = now.Add(time.Minute).Format(time.RFC3339)
	noDeadline := testClaim("no-deadline", instanceID("2"), "")
	noDeadline.Annotations[tailorv1alpha1.ReplacedByAnnotationKey] = "no-deadline-r"
	gone := testClaim("deleting", instanceID("3"), "")
	gone.Annotations[tailorv1alpha1.ReplacedByAnnotationKey] = "deleting-r"
	gone.DeletionTimestamp = &metav1.Time{Time: now}
	fresh := testClaim("fresh", instanceID("4"), "")

	remembered := map[string]Waiting{
		// written by this process, not yet in the cache
		"fresh": {Claim: "fresh", Replacement: "fresh-r", Deadline: now.Add(SpotDeadline)},
		// deleted since
		"vanished": {Claim: "vanished", Replacement: "vanished-r", Deadline: now},
	}
	snap := NewSnapshot(now, []karpv1.NodeClaim{*annotated, *noDeadline, *gone, *fresh}, remembered)

	want := map[string]Waiting{
		"annotated":   {Claim: "annotated", Replacement: "annotated-r", Deadline: now.Add(time.Minute)},
		"no-deadline": {Claim: "no-deadline", Replacement: "no-deadline-r", Deadline: now.Add(SpotDeadline)},
		"fresh":       remembered["fresh"],
	}
	if len(snap.Waiting) != len(want) {
		t.Fatalf("waiting = %v, want %v", snap.Waiting, want)
	}
	for k, w := range want {
		if got := snap.Waiting[k]; got.Replacement != w.Replacement || !got.Deadline.Equal(w.Deadline) {
			t.Errorf("waiting[%s] = %+v, want %+v", k, got, w)
		}
	}
}

func TestReplacementName(t *testing.T) {
	long := strings.Repeat("a", 61)
	tests := []struct{ old, want string }{
		{"default-abcde", "default-abcde-r"},
		{strings.Repeat("a", 61), strings.Repeat("a", 61) + "-r"},
	}
	for _, tt := range tests {
		if got := ReplacementName(tt.old); got != tt.want {
			t.Errorf("ReplacementName(%q) = %q, want %q", tt.old, got, tt.want)
		}
	}
	// Replacing replacements never comes back to a name in use, and stays a valid name.
	seen := map[string]bool{}
	name := long
	for range 5 {
		seen[name] = true
		name = ReplacementName(name)
		if seen[name] {
			t.Fatalf("replacement name %q repeats", name)
		}
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			t.Fatalf("replacement name %q: %v", name, errs)
		}
	}
	if got := ReplacementName(strings.Repeat("a", 51) + ".-" + strings.Repeat("b", 20)); validation.IsDNS1123Subdomain(got) != nil {
		t.Errorf("replacement name %q is not a valid nodeclaim name", got)
	}
}

func commandName(c Command) string {
	switch c.(type) {
	case MarkUnavailable:
		return "MarkUnavailable"
	case Cordon:
		return "Cordon"
	case Replace:
		return "Replace"
	case Delete:
		return "Delete"
	case Record:
		return "Record"
	}
	return "?"
}
