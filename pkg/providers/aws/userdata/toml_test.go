package userdata

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func taint(key, value string, effect corev1.TaintEffect) corev1.Taint {
	return corev1.Taint{Key: key, Value: value, Effect: effect}
}

func TestParseTOML(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]any
	}{
		{"values", `a = "x\"y\\z\u00e9"
b = 'C:\path'
c = 42
d = -1_000
e = 1.5
f = true
g = ["1", 2, [3]]
h = { x = 1, "y.z" = "w" }
`, map[string]any{"a": `x"y\zé`, "b": `C:\path`, "c": int64(42), "d": int64(-1000), "e": 1.5, "f": true,
			"g": []any{"1", int64(2), []any{int64(3)}}, "h": map[string]any{"x": int64(1), "y.z": "w"}}},
		{"tables and dotted keys", `# comment
[a.b]   # trailing comment
c.d = 1
"e.f" = 2

[a]
g = [
  "x", # first
  "y",
]
`, map[string]any{"a": map[string]any{"g": []any{"x", "y"}, "b": map[string]any{"c": map[string]any{"d": int64(1)}, "e.f": int64(2)}}}},
		{"empty", "\n# nothing\n", map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseTOML(tc.in)
			if err != nil {
				t.Fatalf("parseTOML failed: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseTOML = %#v, want %#v", got, tc.want)
			}
			again, err := parseTOML(encodeTOML(got))
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("encode then parse = %#v, %v; want %#v\n%s", again, err, got, encodeTOML(got))
			}
		})
	}
}

func TestParseTOMLErrors(t *testing.T) {
	for name, in := range map[string]string{
		"duplicate key":       "a = 1\na = 2\n",
		"value as table":      "a = 1\n[a]\n",
		"multi-line string":   `a = """x"""`,
		"date":                "a = 1979-05-27\n",
		"unterminated string": `a = "x`,
		"unterminated array":  "a = [1, 2",
		"missing equals":      "a 1\n",
		"two values":          "a = 1 2\n",
		"bad escape":          `a = "\q"`,
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := parseTOML(in); err == nil {
				t.Errorf("parseTOML(%q) = %v, want an error", in, got)
			}
		})
	}
}
