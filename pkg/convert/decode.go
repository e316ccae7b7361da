package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

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
// own; documents that do not parse are reported, by the line of src, and skipped.
func readDocuments(src Source, probs *problems) []document {
	texts, err := splitDocuments(src.Data)
	if err != nil {
		probs.add(Doc{Source: src.Name, Index: len(texts) + 1}, nil, "reading the input, %v", err)
	}
	var out []document
	for i, t := range texts {
		doc := Doc{Source: src.Name, Index: i + 1}
		text, nbsp := spaceIndentation(t.text)
		var v any
		if err := yaml.Unmarshal(text, &v, useNumber); err != nil {
			probs.add(doc, nil, "reading the document, %s", yamlProblem(err, t.line))
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			probs.add(doc, nil, "reading the document (from line %d), want an object, got %s", t.line, describe(v))
			continue
		}
		d := document{doc: describeDoc(doc, obj), obj: obj, raw: text, nbspIndent: nbsp}
		out = append(out, expandList(d, probs)...)
	}
	return out
}

// yamlLine is how YAML errors give the line, counted from the document's first.
var yamlLine = regexp.MustCompile(`\bline (\d+)`)

// yamlProblem says, in one line, what is wrong in a document that starts at line
// start of its source, with lines counted in the source.
func yamlProblem(err error, start int) string {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	found := false
	msg = yamlLine.ReplaceAllStringFunc(msg, func(s string) string {
		n, _ := strconv.Atoi(yamlLine.FindStringSubmatch(s)[1])
		found = true
		return fmt.Sprintf("line %d", start+n-1)
	})
	msg = strings.Join(strings.Fields(msg), " ")
	if !found {
		return fmt.Sprintf("from line %d, %s", start, msg)
	}
	return msg
}

func useNumber(d *json.Decoder) *json.Decoder {
	d.UseNumber()
	return d
}

// docText is the text of one document and the line of its source (from 1) it
// starts on.
type docText struct {
	text []byte
	line int
}

// splitDocuments returns the text of each non-empty document of data.
func splitDocuments(data []byte) ([]docText, error) {
	if utilyaml.IsJSONBuffer(data) {
		return splitJSON(data)
	}
	var out []docText
	var text bytes.Buffer
	start := 1
	flush := func(next int) {
		if !isEmptyYAML(text.Bytes()) {
			out = append(out, docText{text: bytes.Clone(text.Bytes()), line: start})
		}
		text.Reset()
		start = next
	}
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		rest, isSeparator := bytes.CutPrefix(line, []byte(separator))
		if !isSeparator {
			text.Write(line)
			continue
		}
		if rest = bytes.TrimSpace(rest); len(rest) > 0 && rest[0] != '#' {
			return out, fmt.Errorf("line %d: %q after %s: start the document on the next line", i+1, rest, separator)
		}
		flush(i + 2)
	}
	flush(0)
	return out, nil
}

// separator starts a line that separates YAML documents.
const separator = "---"

func splitJSON(data []byte) ([]docText, error) {
	var out []docText
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
		end := int(dec.InputOffset())
		line := 1 + bytes.Count(data[:end-len(raw)], []byte("\n"))
		out = append(out, docText{text: raw, line: line})
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
