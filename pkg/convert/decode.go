package convert

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Source is one input: the text of a file, or of stdin, holding any number of YAML
// documents (separated by "---") or JSON objects.
type Source struct {
	// Name says where the text came from, for messages.
	Name string
	Data []byte
}

// document is one object read from a Source.
type document struct {
	doc Doc
	obj map[string]any
	// raw is the text of the document as read; nil for the items of a List.
	raw []byte
	// nbspIndent is set when the text was indented with non-breaking spaces.
	nbspIndent bool
}

// readDocuments splits src into its documents, items of Lists as documents of their
// own; documents that do not parse are reported and skipped.
func readDocuments(src Source, probs *problems) []document {
	texts, err := splitDocuments(src.Data)
	if err != nil {
		probs.add(Doc{Source: src.Name, Index: len(texts) + 1}, nil, "reading the input, %v", err)
	}
	var out []document
	for i, text := range texts {
		doc := Doc{Source: src.Name, Index: i + 1}
		text, nbsp := spaceIndentation(text)
		obj := map[string]any{}
		if err := yaml.Unmarshal(text, &obj, useNumber); err != nil {
			probs.add(doc, nil, "reading the document, %v", err)
			continue
		}
		d := document{doc: describeDoc(doc, obj), obj: obj, raw: text, nbspIndent: nbsp}
		out = append(out, expandList(d, probs)...)
	}
	return out
}

func useNumber(d *json.Decoder) *json.Decoder {
	d.UseNumber()
	return d
}

// splitDocuments returns the text of each non-empty document of data.
func splitDocuments(data []byte) ([][]byte, error) {
	if utilyaml.IsJSONBuffer(data) {
		return splitJSON(data)
	}
	var out [][]byte
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		text, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if !isEmptyYAML(text) {
			out = append(out, text)
		}
	}
}

func splitJSON(data []byte) ([][]byte, error) {
	var out [][]byte
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, raw)
	}
}

const nbsp = "\u00a0"

// spaceIndentation returns text with the non-breaking spaces that indent its lines
// (text copied from web pages has them) made spaces, as they look; YAML would read
// them as the start of a key. It reports whether there were any.
func spaceIndentation(text []byte) ([]byte, bool) {
	if !bytes.Contains(text, []byte(nbsp)) {
		return text, false
	}
	lines := bytes.Split(text, []byte("\n"))
	changed := false
	for i, line := range lines {
		rest := bytes.TrimLeft(line, " "+nbsp)
		indent := line[:len(line)-len(rest)]
		if bytes.Contains(indent, []byte(nbsp)) {
			lines[i] = append(bytes.Repeat([]byte(" "), len(bytes.Runes(indent))), rest...)
			changed = true
		}
	}
	return bytes.Join(lines, []byte("\n")), changed
}

// isEmptyYAML reports whether text holds nothing but blank lines and comments.
func isEmptyYAML(text []byte) bool {
	for _, line := range bytes.Split(text, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return false
		}
	}
	return true
}

// expandList returns d, or the items of d when it is a List (kubectl get -o yaml).
func expandList(d document, probs *problems) []document {
	if d.doc.APIVersion != "v1" || d.doc.Kind != "List" {
		return []document{d}
	}
	items, ok := d.obj["items"].([]any)
	if !ok && d.obj["items"] != nil {
		probs.add(d.doc, nil, "items: want a list")
		return nil
	}
	var out []document
	for i, item := range items {
		doc := Doc{Source: d.doc.Source, Index: d.doc.Index, Item: i + 1}
		obj, ok := item.(map[string]any)
		if !ok {
			probs.add(doc, nil, "want an object, got %s", describe(item))
			continue
		}
		out = append(out, document{doc: describeDoc(doc, obj), obj: obj})
	}
	return out
}

func describeDoc(doc Doc, obj map[string]any) Doc {
	doc.APIVersion, _ = obj["apiVersion"].(string)
	doc.Kind, _ = obj["kind"].(string)
	doc.Name, _ = get(obj, "metadata", "name").(string)
	return doc
}
