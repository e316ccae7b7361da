// Package api_test checks the CRDs in manifests/crds against a real API server: what
// Karpenter v1 users write is accepted, what is wrong is refused with a message they
// can act on, and defaults appear.
package api_test

import (
	"testing"

	"github.com/tailor-sh/tailor/test/integration/harness"
)

var env *harness.Environment

func TestMain(m *testing.M) { harness.Main(m, &env) }
