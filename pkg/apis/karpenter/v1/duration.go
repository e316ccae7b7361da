package v1

import (
	"encoding/json"
	"fmt"
	"time"
)

// Never is the spelling of a duration that never elapses.
const Never = "Never"

// NillableDuration is a duration that may also be "Never" (a nil Duration).
// On the wire it is a Go duration string ("720h", "30s") or "Never". The zero value
// is "unset" and is omitted, so that the API server's default applies.
//
// +kubebuilder:validation:Type=string
// +kubebuilder:object:generate=false
type NillableDuration struct {
	// Duration is nil for "Never".
	Duration *time.Duration `json:"-"`
	set      bool
}

// NewNillableDuration returns a set duration of d.
func NewNillableDuration(d time.Duration) NillableDuration {
	return NillableDuration{Duration: &d, set: true}
}

// NeverDuration returns the duration "Never".
func NeverDuration() NillableDuration {
	return NillableDuration{set: true}
}

// MustParseNillableDuration parses s and panics on error; for constants and tests.
func MustParseNillableDuration(s string) NillableDuration {
	d, err := ParseNillableDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

// ParseNillableDuration parses a Go duration string or "Never".
func ParseNillableDuration(s string) (NillableDuration, error) {
	if s == Never {
		return NeverDuration(), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return NillableDuration{}, fmt.Errorf("parsing duration %q (want e.g. 720h, 30s or Never), %w", s, err)
	}
	return NewNillableDuration(d), nil
}

// IsZero reports whether the duration is unset (neither a duration nor "Never").
func (d NillableDuration) IsZero() bool {
	return !d.set && d.Duration == nil
}

// IsNever reports whether the duration is "Never".
func (d NillableDuration) IsNever() bool {
	return d.set && d.Duration == nil
}

// String returns the wire form: "Never", a Go duration string, or "" when unset.
func (d NillableDuration) String() string {
	switch {
	case d.Duration != nil:
		return d.Duration.String()
	case d.set:
		return Never
	}
	return ""
}

// MarshalJSON writes the duration as a string.
func (d NillableDuration) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a duration string or "Never".
func (d *NillableDuration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = NillableDuration{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("reading duration, %w", err)
	}
	parsed, err := ParseNillableDuration(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// DeepCopyInto copies d into out.
func (d *NillableDuration) DeepCopyInto(out *NillableDuration) {
	*out = *d
	if d.Duration != nil {
		v := *d.Duration
		out.Duration = &v
	}
}

// DeepCopy returns a copy of d.
func (d *NillableDuration) DeepCopy() *NillableDuration {
	if d == nil {
		return nil
	}
	out := new(NillableDuration)
	d.DeepCopyInto(out)
	return out
}
