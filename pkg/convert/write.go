package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// WriteYAML writes objs as YAML documents. Each converted one follows comment lines
// that list its changes; each unchanged one follows a line saying why, and keeps its
// text as read.
func WriteYAML(w io.Writer, objs []Object) error {
	var buf bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		writeHeader(&buf, o, "# ", "#   - ")
		body, err := yamlBody(o)
		if err != nil {
			return fmt.Errorf("writing %s, %w", o.From, err)
		}
		buf.Write(body)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteJSON writes objs as the items of one v1 List.
func WriteJSON(w io.Writer, objs []Object) error {
	items := make([]any, len(objs))
	for i, o := range objs {
		items[i] = o.Object
	}
	b, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "items": items}, "", "  ")
	if err != nil {
		return fmt.Errorf("writing the list, %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteChanges writes what WriteYAML puts in comments, for outputs that hold none.
func WriteChanges(w io.Writer, objs []Object) error {
	var buf bytes.Buffer
	for _, o := range objs {
		writeHeader(&buf, o, "", "  - ")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func writeHeader(buf *bytes.Buffer, o Object, first, each string) {
	if o.Unchanged != "" {
		fmt.Fprintf(buf, "%sunchanged, %s: %s\n", first, o.Unchanged, o.From)
		return
	}
	fmt.Fprintf(buf, "%s%s %s %q, converted from %s:\n", first, o.Object["apiVersion"], o.Object["kind"], get(o.Object, "metadata", "name"), o.From)
	for _, change := range o.Changes {
		fmt.Fprintf(buf, "%s%s\n", each, change)
	}
}

func yamlBody(o Object) ([]byte, error) {
	if o.raw != nil && !json.Valid(o.raw) {
		return []byte(strings.TrimRight(string(o.raw), "\n") + "\n"), nil
	}
	return yaml.Marshal(o.Object)
}
