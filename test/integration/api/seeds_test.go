package api_test

import (
	"path/filepath"
	"testing"

	"github.com/tailor-sh/tailor/test/integration/harness"
)

// The NodePools and EC2NodeClasses of the documents users learn Karpenter from,
// written in v1 form, are accepted as they are.
func TestSeedManifestsAccepted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(harness.RepoRoot(), "test", "integration", "testdata", "seeds", "*.yaml"))
	if err != nil || len(files) < 20 {
		t.Fatalf("want the translated seed manifests (at least 20), found %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			obj := harness.ObjectFromFile(t, file)
			env.ExpectApplied(t, obj)
			env.ExpectDeleted(t, obj)
		})
	}
}
