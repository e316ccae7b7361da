package convert_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tailor-sh/tailor/pkg/convert"
	"github.com/tailor-sh/tailor/pkg/convert/seedtext"
)

// seedsDir holds the documents users learn Karpenter from; it sits beside the
// repository, not in it.
var seedsDir = filepath.Join("..", "..", "..", "shared", "seeds")

// Every Karpenter manifest in the seed documents either converts to objects that
// validate as v1, or is refused with problems that each name their document and
// field. The seeds are tutorials: many of their manifests are broken (flattened
// indentation, placeholders, invented policies, required fields left out).
func TestSeedManifestsConvertOrSayWhyNot(t *testing.T) {
	if _, err := os.Stat(seedsDir); err != nil {
		t.Skipf("skipped: the seed documents are not here (%s sits outside the repository and is absent in CI)", seedsDir)
	}
	blocks, err := seedtext.Dir(seedsDir)
	if err != nil || len(blocks) == 0 {
		t.Fatalf("want Karpenter manifests in %s, found %d (%v)", seedsDir, len(blocks), err)
	}
	tally := map[string]*[4]int{} // by kind: converted, refused, not YAML, held back by another document
	count := func(kind string, i int) {
		if tally[kind] == nil {
			tally[kind] = &[4]int{}
		}
		tally[kind][i]++
	}
	for _, b := range blocks {
		name := fmt.Sprintf("%s:%d", b.File, b.Line)
		objs, err := convert.Convert(convert.Source{Name: name, Data: []byte(b.Text)})
		if err == nil {
			for _, o := range objs {
				if err := convert.Validate(o.Object); o.Unchanged == "" && err != nil {
					t.Errorf("%s: converted %s does not validate: %v", name, o.From, err)
				}
				if o.Unchanged == "" && o.Object["kind"] == kindFor(o.From.Kind) {
					count(o.From.Kind, 0)
				}
			}
			continue
		}
		refused := refusedDocs(t, name, err)
		for _, kind := range b.Kinds {
			switch {
			case refused[kind] > 0:
				refused[kind]--
				count(kind, 1)
			case refused[""] > 0:
				count(kind, 2)
			default:
				count(kind, 3)
			}
		}
	}
	logTally(t, tally)
	converted := 0
	for _, n := range tally {
		converted += n[0]
	}
	if converted == 0 {
		t.Errorf("no seed manifest converted")
	}
}

// refusedDocs checks that every problem of err is a FieldError naming its document,
// logs them, and counts the refused documents by kind ("" for those not YAML).
func refusedDocs(t *testing.T, name string, err error) map[string]int {
	t.Helper()
	problems := convert.FieldErrors(err)
	if len(problems) == 0 || len(problems) != len(strings.Split(err.Error(), "\n")) {
		t.Errorf("%s: want every problem as a FieldError, got %d for\n%v", name, len(problems), err)
	}
	docs := map[convert.Doc]bool{}
	for _, p := range problems {
		if p.Doc.Source != name || p.Doc.Index < 1 || p.Detail == "" {
			t.Errorf("%s: problem does not name its document: %+v", name, p)
		}
		docs[p.Doc] = true
		t.Logf("refused: %v", p)
	}
	out := map[string]int{}
	for doc := range docs {
		out[doc.Kind]++
	}
	return out
}

func kindFor(oldKind string) string {
	if oldKind == "Provisioner" || oldKind == "NodePool" {
		return "NodePool"
	}
	return "EC2NodeClass"
}

func logTally(t *testing.T, tally map[string]*[4]int) {
	kinds := make([]string, 0, len(tally))
	for k := range tally {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	t.Logf("%-16s %9s %7s %8s %9s", "kind", "converted", "refused", "not YAML", "held back")
	for _, k := range kinds {
		t.Logf("%-16s %9d %7d %8d %9d", k, tally[k][0], tally[k][1], tally[k][2], tally[k][3])
	}
}
