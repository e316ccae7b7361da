package v1

import (
	"encoding/json"
	"testing"
	"time"
)

func TestNillableDurationRoundTrip(t *testing.T) {
	type holder struct {
		D NillableDuration `json:"d,omitzero"`
	}
	for _, tc := range []struct {
		wire    string
		want    NillableDuration
		isNever bool
	}{
		{`{"d":"720h0m0s"}`, NewNillableDuration(720 * time.Hour), false},
		{`{"d":"30s"}`, NewNillableDuration(30 * time.Second), false},
		{`{"d":"Never"}`, NeverDuration(), true},
		{`{}`, NillableDuration{}, false},
	} {
		var h holder
		if err := json.Unmarshal([]byte(tc.wire), &h); err != nil {
			t.Fatalf("unmarshal %s: %v", tc.wire, err)
		}
		if h.D.String() != tc.want.String() || h.D.IsNever() != tc.isNever {
			t.Errorf("unmarshal %s = %q (never %v), want %q (never %v)", tc.wire, h.D, h.D.IsNever(), tc.want, tc.isNever)
		}
		out, err := json.Marshal(h)
		if err != nil {
			t.Fatalf("marshal %s: %v", tc.wire, err)
		}
		var back holder
		if err := json.Unmarshal(out, &back); err != nil || back.D.String() != h.D.String() {
			t.Errorf("round trip of %s gave %s (%v)", tc.wire, out, err)
		}
	}
}

func TestNillableDurationUnsetIsOmitted(t *testing.T) {
	out, err := json.Marshal(struct {
		D NillableDuration `json:"d,omitzero"`
	}{})
	if err != nil || string(out) != `{}` {
		t.Errorf("marshal of unset duration = %s (%v), want {} so that the API server default applies", out, err)
	}
}

func TestNillableDurationRejectsGarbage(t *testing.T) {
	var d NillableDuration
	if err := json.Unmarshal([]byte(`"30 days"`), &d); err == nil {
		t.Errorf("unmarshal of \"30 days\" succeeded, want an error")
	}
}
