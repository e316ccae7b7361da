package api_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tailor-sh/tailor/pkg/convert"
	"github.com/tailor-sh/tailor/pkg/convert/seedtext"
	"github.com/tailor-sh/tailor/test/integration/harness"
)

// What kubectl tailor convert makes of the project's own old-API fixtures is accepted
// by the API server as it is, with nothing pruned.
func TestConvertedFixturesAccepted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(harness.RepoRoot(), "pkg", "convert", "testdata", "*.yaml"))
	if err != nil || len(files) < 5 {
		t.Fatalf("want the convert fixtures (at least 5), found %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := convert.Convert(convert.Source{Name: file, Data: data})
			if err != nil {
				t.Fatalf("converting: %v", err)
			}
			expectConvertedAccepted(t, objs)
		})
	}
}

// The Karpenter manifests of the seed documents, converted with the flags of
// Karpenter's getting-started guide (seedtext.Options), are accepted too. The ones
// with a flaw no flag mends are refused (pkg/convert's seed test lists them); the
// documents beside them are converted and applied without them.
func TestConvertedSeedsAccepted(t *testing.T) {
	dir := filepath.Join(harness.RepoRoot(), "..", "shared", "seeds")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("skipped: the seed documents are not here (%s sits outside the repository and is absent in CI)", dir)
	}
	blocks, err := seedtext.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, b := range blocks {
		name := fmt.Sprintf("%s:%d", b.File, b.Line)
		objs, err := seedtext.Options.Convert(convert.Source{Name: name, Data: []byte(b.Text)})
		if err != nil {
			refused := map[int]bool{}
			for _, p := range convert.FieldErrors(err) {
				refused[p.Doc.Index] = true
			}
			if objs, err = seedtext.Options.Convert(convert.Source{Name: name, Data: []byte(b.Without(refused).Text)}); err != nil {
				t.Errorf("%s: the documents beside the refused ones do not convert without them: %v", name, err)
				continue
			}
		}
		if len(objs) == 0 {
			continue
		}
		t.Run(name, func(t *testing.T) { expectConvertedAccepted(t, objs) })
		applied += len(objs)
	}
	t.Logf("applied %d objects converted from the seed documents", applied)
	if applied == 0 {
		t.Errorf("no seed manifest converted")
	}
}

// expectConvertedAccepted applies every object, reads each back to check that the API
// server kept every field written, then deletes them.
func expectConvertedAccepted(t *testing.T, objs []convert.Object) {
	t.Helper()
	var applied []*unstructured.Unstructured
	for _, o := range objs {
		obj := &unstructured.Unstructured{Object: o.Object}
		env.ExpectApplied(t, obj)
		applied = append(applied, obj)
	}
	defer func() {
		for _, obj := range applied {
			env.ExpectDeleted(t, obj)
		}
	}()
	for i, o := range objs {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(applied[i].GroupVersionKind())
		got.SetName(applied[i].GetName())
		got.SetNamespace(applied[i].GetNamespace())
		env.ExpectFetched(t, got)
		if missing := missingFields("spec", o.Object["spec"], got.Object["spec"]); len(missing) > 0 {
			t.Errorf("%s: the API server dropped %v", o.From, missing)
		}
	}
}

// missingFields returns the paths of the object keys under want that got lacks.
func missingFields(path string, want, got any) []string {
	wantMap, ok := want.(map[string]any)
	if !ok {
		if items, ok := want.([]any); ok {
			gotItems, _ := got.([]any)
			var out []string
			for i, item := range items {
				if i >= len(gotItems) {
					return append(out, fmt.Sprintf("%s[%d]", path, i))
				}
				out = append(out, missingFields(fmt.Sprintf("%s[%d]", path, i), item, gotItems[i])...)
			}
			return out
		}
		return nil
	}
	gotMap, _ := got.(map[string]any)
	var out []string
	for k, v := range wantMap {
		g, ok := gotMap[k]
		if !ok {
			out = append(out, path+"."+k)
			continue
		}
		out = append(out, missingFields(path+"."+k, v, g)...)
	}
	sort.Strings(out)
	return out
}
