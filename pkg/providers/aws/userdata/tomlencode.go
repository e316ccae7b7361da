package userdata

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// encodeTOML writes t as TOML: in each table its values first, then its sub-tables
// under [dotted.header]s, keys sorted, so equal tables give equal bytes.
func encodeTOML(t map[string]any) string {
	var b strings.Builder
	writeTable(&b, nil, t)
	return strings.TrimLeft(b.String(), "\n")
}

// writeTable writes t's values under its header, then its sub-tables. A table with
// only sub-tables gets no header of its own (TOML defines it implicitly).
func writeTable(b *strings.Builder, path []string, t map[string]any) {
	var values, tables []string
	for _, k := range slices.Sorted(maps.Keys(t)) {
		if _, ok := t[k].(map[string]any); ok {
			tables = append(tables, k)
		} else {
			values = append(values, k)
		}
	}
	if len(path) > 0 && (len(values) > 0 || len(tables) == 0) {
		b.WriteString("\n[" + joinKey(path) + "]\n")
	}
	for _, k := range values {
		b.WriteString(tomlKey(k) + " = " + tomlValue(t[k]) + "\n")
	}
	for _, k := range tables {
		writeTable(b, append(append([]string{}, path...), k), t[k].(map[string]any))
	}
}

func joinKey(path []string) string {
	parts := make([]string, 0, len(path))
	for _, k := range path {
		parts = append(parts, tomlKey(k))
	}
	return strings.Join(parts, ".")
}

// tomlKey writes k bare when it can be, else as a basic string.
func tomlKey(k string) string {
	if k == "" {
		return `""`
	}
	for i := 0; i < len(k); i++ {
		if !isBareKeyChar(k[i]) {
			return tomlString(k)
		}
	}
	return k
}

func tomlValue(v any) string {
	switch v := v.(type) {
	case string:
		return tomlString(v)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			parts = append(parts, tomlValue(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			parts = append(parts, tomlString(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			parts = append(parts, tomlKey(k)+" = "+tomlValue(v[k]))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	panic(fmt.Sprintf("encoding TOML, unsupported value type %T", v))
}

// tomlString writes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
