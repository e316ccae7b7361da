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

// seedDoc is one document of a seed block: the block's file and line, and the
// document's index in it.
type seedDoc struct {
	block string
	doc   int
}

// seedFlaws are the seed manifests that do not convert even with the flags of the
// getting-started guide (seedtext.Options), each with a text its refusal holds. The
// tutorials broke them; nothing a flag supplies would mend them.
var seedFlaws = map[seedDoc]string{
	// The tags sit beside "tags", not under it; the role is "KarpenterNodeRole-<cluster-name>".
	{"000_b616a1c94cada577.txt:408", 1}: "spec.subnetSelectorTerms[0].karpenter.sh/discovery: unknown field beside an empty tags",
	{"003_e9d2bc8a19f2c73e.txt:408", 1}: `spec.role: "KarpenterNodeRole-<cluster-name>" is not a valid IAM role name`,
	// Pasted from a web page that lost all indentation.
	{"001_6824ce87a56249c7.txt:267", 1}: "reading the document, line 11: did not find expected key",
	{"001_6824ce87a56249c7.txt:312", 1}: "amiFamily: unknown field at the top of the document, where spec is missing",
	{"001_6824ce87a56249c7.txt:346", 1}: "reading the document, line 18: did not find expected key",
	// A consolidation policy Karpenter never had.
	{"002_02a1bfcbc2cf3589.txt:65", 1}: `spec.disruption.consolidationPolicy: unsupported value "WhenIdle"`,
	// nodeClassRef indented under spec instead of spec.template.spec.
	{"002_02a1bfcbc2cf3589.txt:440", 1}: "spec.nodeClassRef: unknown field: a NodePool names its node class in spec.template.spec.nodeClassRef",
	// values: [...] and <cluster_name> placeholders.
	{"004_aeee407a2d8b4b34.txt:17", 1}: `spec.requirements[1].values[0]: "..." is not a valid label value`,
}

// With the flags of Karpenter's getting-started guide, every Karpenter manifest of
// the seed documents converts to objects that validate as v1, except the ones
// seedFlaws lists, which are refused for what they list. A document beside a refused
// one converts once the refused one is dropped. The seeds are tutorials: their
// manifests leave out the node class, role and selectors that the guide's cluster
// has, and some are broken beyond that.
func TestSeedManifestsConvertWithTheGuidesFlags(t *testing.T) {
	if _, err := os.Stat(seedsDir); err != nil {
		t.Skipf("skipped: the seed documents are not here (%s sits outside the repository and is absent in CI)", seedsDir)
	}
	blocks, err := seedtext.Dir(seedsDir)
	if err != nil || len(blocks) == 0 {
		t.Fatalf("want Karpenter manifests in %s, found %d (%v)", seedsDir, len(blocks), err)
	}
	tally := map[string]*[4]int{} // by kind: converted, refused, not YAML, converted once a refused one beside it was dropped
	count := func(kind string, i int) {
		if tally[kind] == nil {
			tally[kind] = &[4]int{}
		}
		tally[kind][i]++
	}
	refused := map[seedDoc]bool{}
	for _, b := range blocks {
		name := fmt.Sprintf("%s:%d", b.File, b.Line)
		objs, err := seedtext.Options.Convert(convert.Source{Name: name, Data: []byte(b.Text)})
		flawed := map[int]bool{}
		if err != nil {
			for doc, problems := range problemsByDoc(t, name, err) {
				key := seedDoc{name, doc.Index}
				refused[key] = true
				flawed[doc.Index] = true
				want, listed := seedFlaws[key]
				switch {
				case !listed:
					t.Errorf("%s, document %d: refused, and not listed in seedFlaws:\n%s", name, doc.Index, problems)
				case !strings.Contains(problems, want):
					t.Errorf("%s, document %d: refused for\n%s\nwant %q among the problems", name, doc.Index, problems, want)
				}
				if doc.Kind == "" {
					count(kindOf(b, doc.Index), 2)
				} else {
					count(doc.Kind, 1)
				}
			}
			if objs, err = seedtext.Options.Convert(convert.Source{Name: name, Data: []byte(b.Without(flawed).Text)}); err != nil {
				t.Errorf("%s: the documents beside the refused ones do not convert without them: %v", name, err)
			}
		}
		for _, o := range objs {
			if o.Unchanged != "" {
				continue
			}
			if err := convert.Validate(o.Object); err != nil {
				t.Errorf("%s: converted %s does not validate: %v", name, o.From, err)
			}
			switch {
			case o.Object["kind"] != kindFor(o.From.Kind): // the EC2NodeClass of a Provisioner's spec.provider
			case len(flawed) > 0:
				count(o.From.Kind, 3)
			default:
				count(o.From.Kind, 0)
			}
		}
	}
	for key, want := range seedFlaws {
		if !refused[key] {
			t.Errorf("%s, document %d: listed in seedFlaws as refused for %q, but it converts (or is gone): drop it from the list", key.block, key.doc, want)
		}
	}
	logTally(t, tally)
}

// problemsByDoc checks that every problem of err is a FieldError naming its
// document, and returns the problems of each refused document, one a line.
func problemsByDoc(t *testing.T, name string, err error) map[convert.Doc]string {
	t.Helper()
	problems := convert.FieldErrors(err)
	if len(problems) == 0 || len(problems) != len(strings.Split(err.Error(), "\n")) {
		t.Errorf("%s: want every problem as a FieldError, one a line, got %d for\n%v", name, len(problems), err)
	}
	out := map[convert.Doc]string{}
	for _, p := range problems {
		if p.Doc.Source != name || p.Doc.Index < 1 || p.Detail == "" {
			t.Errorf("%s: problem does not name its document: %+v", name, p)
		}
		out[p.Doc] += p.Error() + "\n"
		t.Logf("refused: %v", p)
	}
	return out
}

// kindOf returns the Karpenter kind of document index of b, read from its kind line
// when the document is no YAML.
func kindOf(b seedtext.Block, index int) string {
	for _, d := range b.Documents() {
		if d.Index == index && d.Kind != "" {
			return d.Kind
		}
	}
	return "not Karpenter"
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
	t.Logf("%-16s %9s %7s %8s %19s", "kind", "converted", "refused", "not YAML", "beside a refused one")
	for _, k := range kinds {
		t.Logf("%-16s %9d %7d %8d %19d", k, tally[k][0], tally[k][1], tally[k][2], tally[k][3])
	}
}
