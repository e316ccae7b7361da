package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// decodeAs checks that v, a JSON value read at path of an input document, has the
// shape of the v1 Go type T: no field that T lacks and values of the right types. It
// reports what does not fit and returns the decoded value and whether v fits.
func decodeAs[T any](c *docConv, path *field.Path, v any) (T, bool) {
	var out T
	unknown := unknownFields(path, v, reflect.TypeOf(out))
	for _, p := range unknown {
		c.fail(p, "unknown field: v1 has no such field")
	}
	b, err := json.Marshal(v)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		err = dec.Decode(&out)
	}
	if err != nil {
		c.fail(path, "%s", decodeProblem(err))
		return out, false
	}
	return out, len(unknown) == 0
}

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// unknownFields returns the paths of the object keys in v that type t has no field for.
// Values of the wrong type are left to json.Unmarshal.
func unknownFields(path *field.Path, v any, t reflect.Type) []*field.Path {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	var out []*field.Path
	switch t.Kind() {
	case reflect.Struct:
		m, _ := v.(map[string]any)
		known := jsonFields(t)
		for _, k := range sortedKeys(m) {
			ft, ok := known[k]
			if !ok {
				out = append(out, path.Child(k))
				continue
			}
			out = append(out, unknownFields(path.Child(k), m[k], ft)...)
		}
	case reflect.Slice:
		items, _ := v.([]any)
		for i, item := range items {
			out = append(out, unknownFields(path.Index(i), item, t.Elem())...)
		}
	case reflect.Map:
		m, _ := v.(map[string]any)
		for _, k := range sortedKeys(m) {
			out = append(out, unknownFields(path.Key(k), m[k], t.Elem())...)
		}
	}
	return out
}

// jsonFields maps the JSON names of struct type t's fields, embedded ones included,
// to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			embedded := f.Type
			if embedded.Kind() == reflect.Pointer {
				embedded = embedded.Elem()
			}
			for k, v := range jsonFields(embedded) {
				out[k] = v
			}
		case f.IsExported():
			if name == "" {
				name = f.Name
			}
			out[name] = f.Type
		}
	}
	return out
}

func decodeProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		where := ""
		if typeErr.Field != "" {
			where = fmt.Sprintf("field %s: ", typeErr.Field)
		}
		return fmt.Sprintf("%swant %s, got a %s", where, kindWord(typeErr.Type), typeErr.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func kindWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
