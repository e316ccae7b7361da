package main

import (
	"context"
	"io"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/tailor-sh/tailor/pkg/explain"
)

// why names one pod, in the -n namespace or the context's, and prints text by
// default.
func TestWhyFlags(t *testing.T) {
	config := kubeconfig(t)
	var got explain.WhyOptions
	run := func(_ context.Context, _ *rest.Config, o explain.WhyOptions, _ io.Writer) error {
		got = o
		return nil
	}
	if err := execute(whyCommand(run), "--kubeconfig", config, "web-0"); err != nil {
		t.Fatal(err)
	}
	if got.Namespace != "team" || got.Pod != "web-0" || got.Output != "text" || got.MaxTypes != 15 {
		t.Errorf("options %+v", got)
	}
	if err := execute(whyCommand(run), "--kubeconfig", config, "-n", "shop", "-o", "yaml", "--max-types", "0", "api-1"); err != nil {
		t.Fatal(err)
	}
	if got.Namespace != "shop" || got.Pod != "api-1" || got.Output != "yaml" || got.MaxTypes != 0 {
		t.Errorf("options %+v", got)
	}
	if err := execute(whyCommand(run), "--kubeconfig", config); err == nil {
		t.Error("why ran without a pod")
	}
}
