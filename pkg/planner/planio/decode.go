// Package planio reads what the planning command plans (pods, NodePools, an
// instance type catalog), prints what it planned, and holds the helpers that
// benchmarks and tests of the planner share: a plan validator and the bench
// workload mixes (see /work/shared/bench/README.md and
// docs/designs/0004-planner.md). Nothing here plans.
package planio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// document is one object of a manifest file, with its kind and where it was
// found, for error messages.
type document struct {
	// where is e.g. "document 2" or "document 1, item 3".
	where      string
	apiVersion string
	kind       string
	// namespace and name as the object gives them, for error messages.
	namespace, name string
	raw             json.RawMessage
}

// typeMeta is what every object says about itself.
type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// newDocument makes a document of raw, whose meta was read already.
func newDocument(where string, meta typeMeta, raw json.RawMessage) document {
	return document{where: where, apiVersion: meta.APIVersion, kind: meta.Kind, namespace: meta.Metadata.Namespace, name: meta.Metadata.Name, raw: raw}
}

// readBufferSize is how far the decoder looks ahead to tell JSON from YAML.
const readBufferSize = 4096

// readDocuments reads every object of a YAML file (one or more documents) or a
// JSON file, with Lists replaced by their items.
func readDocuments(path string) ([]document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening file, %w", err)
	}
	defer f.Close()
	decoder := utilyaml.NewYAMLOrJSONDecoder(f, readBufferSize)
	var out []document
	for i := 1; ; i++ {
		var raw json.RawMessage
		if err := decoder.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("reading document %d, the file is not valid YAML or JSON, %w", i, err)
		}
		if isEmpty(raw) {
			continue
		}
		docs, err := expandList(fmt.Sprintf("document %d", i), raw)
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	if len(out) == 0 {
		return nil, errors.New("the file holds no objects")
	}
	return out, nil
}

// isEmpty reports whether a document holds nothing (an empty YAML document or
// one with comments only).
func isEmpty(raw json.RawMessage) bool {
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null"))
}

// expandList returns the document, or the items of a List (kind List or
// <Kind>List). Items without a kind take the one their list names.
func expandList(where string, raw json.RawMessage) ([]document, error) {
	var meta typeMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fmt.Errorf("reading %s, it is not an object with apiVersion and kind, %w", where, err)
	}
	if meta.Kind == "" {
		return nil, fmt.Errorf("reading %s, it has no kind; set kind (and apiVersion) on every object", where)
	}
	if !strings.HasSuffix(meta.Kind, "List") {
		return []document{newDocument(where, meta, raw)}, nil
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("reading the items of %s (%s), %w", where, meta.Kind, err)
	}
	itemKind := strings.TrimSuffix(meta.Kind, "List")
	out := make([]document, 0, len(list.Items))
	for j, item := range list.Items {
		var itemMeta typeMeta
		if err := json.Unmarshal(item, &itemMeta); err != nil {
			return nil, fmt.Errorf("reading %s, item %d, it is not an object, %w", where, j+1, err)
		}
		d := newDocument(fmt.Sprintf("%s, item %d", where, j+1), itemMeta, item)
		if d.kind == "" && itemKind != "" {
			d.apiVersion, d.kind = meta.APIVersion, itemKind
		}
		if d.kind == "" {
			return nil, fmt.Errorf("reading %s, it has no kind; set kind (and apiVersion) on every item of a List", d.where)
		}
		out = append(out, d)
	}
	return out, nil
}

// decodeStrict decodes a document into out, refusing fields out does not have,
// so that a misspelt field is reported rather than ignored.
func decodeStrict(raw json.RawMessage, out any) error {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(out); err != nil {
		if isQuantityError(err) {
			if where := badQuantity(raw); where != "" {
				return fmt.Errorf("decoding, %s is not a quantity (write e.g. 500m, 1.5, 512Mi, 2Gi), %w", where, err)
			}
		}
		return fmt.Errorf("decoding, %w", err)
	}
	return nil
}

func isQuantityError(err error) bool {
	return errors.Is(err, resource.ErrFormatWrong) || errors.Is(err, resource.ErrSuffix) || errors.Is(err, resource.ErrNumeric)
}

// quantityMaps are the keys whose values map resource names to quantities.
var quantityMaps = map[string]bool{"requests": true, "limits": true, "overhead": true, "capacity": true, "allocatable": true}

// badQuantity returns the path and value of the first quantity in raw that
// does not parse, e.g. `spec.containers[0].resources.requests.cpu "lots"`; ""
// when there is none.
func badQuantity(raw json.RawMessage) string {
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return ""
	}
	return findBadQuantity(tree, "")
}

func findBadQuantity(node any, path string) string {
	switch n := node.(type) {
	case map[string]any:
		for _, key := range slices.Sorted(maps.Keys(n)) {
			child := strings.TrimPrefix(path+"."+key, ".")
			if m, ok := n[key].(map[string]any); ok && quantityMaps[key] {
				for _, name := range slices.Sorted(maps.Keys(m)) {
					if s := fmt.Sprint(m[name]); !parses(s) {
						return fmt.Sprintf("%s.%s %q", child, name, s)
					}
				}
			}
			if found := findBadQuantity(n[key], child); found != "" {
				return found
			}
		}
	case []any:
		for i, item := range n {
			if found := findBadQuantity(item, fmt.Sprintf("%s[%d]", path, i)); found != "" {
				return found
			}
		}
	}
	return ""
}

func parses(quantity string) bool {
	_, err := resource.ParseQuantity(quantity)
	return err == nil
}

// describe names a document for errors: "document 2 (Deployment shop/web)".
func (d document) describe() string {
	id := d.name
	if d.namespace != "" && id != "" {
		id = d.namespace + "/" + id
	}
	if id == "" {
		return fmt.Sprintf("%s (%s)", d.where, d.kind)
	}
	return fmt.Sprintf("%s (%s %s)", d.where, d.kind, id)
}
