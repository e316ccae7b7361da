package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"

	"github.com/tailor-sh/tailor/pkg/explain"
)

// kubeconfig writes a kubeconfig with two contexts: "dev" (the current one,
// namespace team) and "prod" (server prod.example, no namespace).
func kubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	config := `apiVersion: v1
kind: Config
current-context: dev
clusters:
- {name: dev, cluster: {server: "https://dev.example:6443"}}
- {name: prod, cluster: {server: "https://prod.example:6443"}}
users:
- {name: admin, user: {token: secret}}
contexts:
- {name: dev, context: {cluster: dev, user: admin, namespace: team}}
- {name: prod, context: {cluster: prod, user: admin}}
`
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// execute runs cmd with args and returns the error.
func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.Execute()
}

// The kubectl flags choose the cluster and namespace; -A plans every
// namespace; the rest passes through.
func TestPlanFlags(t *testing.T) {
	config := kubeconfig(t)
	for _, tc := range []struct {
		args            []string
		host, namespace string
		scheduler       string
	}{
		{[]string{"--kubeconfig", config}, "https://dev.example:6443", "team", "tailor-scheduler"},
		{[]string{"--kubeconfig", config, "-n", "shop", "--scheduler-name", "default-scheduler"}, "https://dev.example:6443", "shop", "default-scheduler"},
		{[]string{"--kubeconfig", config, "--context", "prod", "-A"}, "https://prod.example:6443", "", "tailor-scheduler"},
	} {
		var got explain.PlanOptions
		var host string
		cmd := planCommand(func(_ context.Context, cfg *rest.Config, o explain.PlanOptions, _ io.Writer) error {
			got, host = o, cfg.Host
			return nil
		})
		if err := execute(cmd, append(tc.args, "-f", "a.yaml", "-f", "b.yaml", "-o", "json")...); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if host != tc.host || got.Namespace != tc.namespace || got.SchedulerName != tc.scheduler || got.Output != "json" || !slices.Equal(got.Files, []string{"a.yaml", "b.yaml"}) {
			t.Errorf("%v: host %s, options %+v", tc.args, host, got)
		}
	}
}

func TestPlanTakesNoArguments(t *testing.T) {
	cmd := planCommand(func(context.Context, *rest.Config, explain.PlanOptions, io.Writer) error { return nil })
	if err := execute(cmd, "--kubeconfig", kubeconfig(t), "pod-a"); err == nil {
		t.Error("plan accepted an argument")
	}
}

// kube-scheduler's global --version, which the scheduler packages bring, is
// not offered as the plugin's.
func TestHelpOffersNoSchedulerVersionFlag(t *testing.T) {
	out, _, err := run(t, "", "--help")
	if err != nil || strings.Contains(out, "--version") || !strings.Contains(out, "plan") || !strings.Contains(out, "why") {
		t.Errorf("help (%v):\n%s", err, out)
	}
}
