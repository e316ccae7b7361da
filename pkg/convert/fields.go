package convert

import (
	"encoding/json"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// docConv converts one input document; every problem it finds names the document.
type docConv struct {
	doc   Doc
	opts  Options
	probs *problems
	// nbspIndent is set when the document was indented with non-breaking spaces.
	nbspIndent bool
}

func (c *docConv) fail(path *field.Path, format string, args ...any) {
	c.probs.add(c.doc, path, format, args...)
}

// fields reads one JSON object of an input document field by field. Each field read
// is removed, so what is left when done is called had no v1 form.
type fields struct {
	c    *docConv
	path *field.Path
	m    map[string]any
}

func (f fields) child(key string) *field.Path {
	if f.path == nil {
		return field.NewPath(key)
	}
	return f.path.Child(key)
}

func (f fields) take(key string) (any, bool) {
	v, ok := f.m[key]
	delete(f.m, key)
	return v, ok && v != nil
}

func (f fields) str(key string) (string, bool) {
	v, ok := f.take(key)
	if !ok {
		return "", false
	}
	s, isString := v.(string)
	if !isString {
		f.c.fail(f.child(key), "want a string, got %s", describe(v))
		return "", false
	}
	return s, true
}

func (f fields) integer(key string) (int64, bool) {
	v, ok := f.take(key)
	if !ok {
		return 0, false
	}
	n, isNumber := v.(json.Number)
	i, err := n.Int64()
	if !isNumber || err != nil {
		f.c.fail(f.child(key), "want an integer, got %s", describe(v))
		return 0, false
	}
	return i, true
}

func (f fields) boolean(key string) (bool, bool) {
	v, ok := f.take(key)
	if !ok {
		return false, false
	}
	b, isBool := v.(bool)
	if !isBool {
		f.c.fail(f.child(key), "want true or false, got %s", describe(v))
		return false, false
	}
	return b, true
}

func (f fields) object(key string) (fields, bool) {
	v, ok := f.take(key)
	if !ok {
		return fields{}, false
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		f.c.fail(f.child(key), "want an object, got %s", describe(v))
		return fields{}, false
	}
	return fields{c: f.c, path: f.child(key), m: m}, true
}

func (f fields) stringMap(key string) (map[string]string, bool) {
	sub, ok := f.object(key)
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	for k, v := range sub.m {
		s, isString := v.(string)
		if !isString {
			f.c.fail(sub.child(k), "want a string, got %s", describe(v))
			continue
		}
		out[k] = s
	}
	return out, true
}

// done reports every field not read as one v1 has no place for.
func (f fields) done(hint map[string]string) {
	keys := make([]string, 0, len(f.m))
	for k := range f.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if h, ok := hint[k]; ok {
			f.c.fail(f.child(k), "%s", h)
			continue
		}
		f.c.fail(f.child(k), "unknown field: a %s %s has no such field", f.c.doc.APIVersion, f.c.doc.Kind)
	}
}

func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("the string %q", v)
	case json.Number:
		return fmt.Sprintf("the number %s", v)
	case bool:
		return fmt.Sprintf("%v", v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

// set stores v in m under the path of keys, making the objects on the way.
func set(m map[string]any, v any, keys ...string) {
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
}

// get returns the value under the path of keys, or nil.
func get(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[k]
	}
	return v
}

// rootDone reports the fields left at the top of a document. When spec is missing,
// they are most likely its fields, with the indentation lost on the way.
func rootDone(root fields, hasSpec bool) {
	if hasSpec {
		root.done(nil)
		return
	}
	hints := map[string]string{}
	for k := range root.m {
		hints[k] = "unknown field at the top of the document, where spec is missing: was the indentation lost?"
	}
	root.done(hints)
}
