package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/kubernetes/cmd/kube-scheduler/app/options"
	schedconfig "k8s.io/kubernetes/pkg/scheduler/apis/config"
	"sigs.k8s.io/yaml"

	"github.com/tailor-sh/tailor/plugins"
)

const (
	manifestsDir    = "../../manifests/scheduler"
	provisionerName = "Provisioner"
)

// shippedConfig is one KubeSchedulerConfiguration found in manifests/scheduler.
type shippedConfig struct {
	name string // file, and ConfigMap key if it came from one
	data []byte
}

// shippedConfigs returns every KubeSchedulerConfiguration in manifests/scheduler:
// whole files, and entries of ConfigMaps.
func shippedConfigs(t *testing.T) []shippedConfig {
	t.Helper()
	var out []shippedConfig
	for _, doc := range manifestDocs(t) {
		switch doc.kind {
		case "KubeSchedulerConfiguration":
			out = append(out, shippedConfig{name: doc.file, data: doc.data})
		case "ConfigMap":
			var cm v1.ConfigMap
			if err := yaml.UnmarshalStrict(doc.data, &cm); err != nil {
				t.Fatalf("reading %s: %v", doc.file, err)
			}
			for key, value := range cm.Data {
				if kindOf(t, []byte(value)) == "KubeSchedulerConfiguration" {
					out = append(out, shippedConfig{name: doc.file + "#" + key, data: []byte(value)})
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no KubeSchedulerConfiguration found under %s", manifestsDir)
	}
	return out
}

// shipped returns the shipped configuration called name.
func shipped(t *testing.T, name string) shippedConfig {
	t.Helper()
	for _, c := range shippedConfigs(t) {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no shipped configuration %s", name)
	return shippedConfig{}
}

// manifestDoc is one YAML document of a file under manifests/scheduler.
type manifestDoc struct {
	file string // relative to manifests/scheduler
	kind string
	data []byte
}

func manifestDocs(t *testing.T) []manifestDoc {
	t.Helper()
	var docs []manifestDoc
	err := filepath.WalkDir(manifestsDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".yaml" {
			return err
		}
		rel, err := filepath.Rel(manifestsDir, path)
		if err != nil {
			return err
		}
		for _, data := range yamlDocs(t, path) {
			docs = append(docs, manifestDoc{file: filepath.ToSlash(rel), kind: kindOf(t, data), data: data})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func yamlDocs(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("reading %s: %v", path, err)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

func kindOf(t *testing.T, data []byte) string {
	t.Helper()
	var meta struct {
		Kind string `json:"kind"`
	}
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return ""
	}
	return meta.Kind
}

// unreachableKubeconfig writes a kubeconfig for an API server that is not there:
// building a scheduler makes no request, so none is needed.
func unreachableKubeconfig(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return writeKubeconfig(t, "https://"+addr)
}

// quotaAPIServer serves just enough of an API server for CapacityScheduling's New,
// which looks up the REST mapping of ElasticQuota and waits for an informer on
// it to sync: discovery of scheduling.x-k8s.io/v1alpha1, an empty list, and a
// watch that stays quiet. Every other plugin is built without any request.
func quotaAPIServer(t *testing.T) string {
	t.Helper()
	done := make(chan struct{})
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api":
			fmt.Fprint(w, `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}`)
		case r.URL.Path == "/apis":
			fmt.Fprint(w, `{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"scheduling.x-k8s.io",`+
				`"versions":[{"groupVersion":"scheduling.x-k8s.io/v1alpha1","version":"v1alpha1"}],`+
				`"preferredVersion":{"groupVersion":"scheduling.x-k8s.io/v1alpha1","version":"v1alpha1"}}]}`)
		case r.URL.Path == "/apis/scheduling.x-k8s.io/v1alpha1":
			fmt.Fprint(w, `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"scheduling.x-k8s.io/v1alpha1","resources":[`+
				`{"name":"elasticquotas","singularName":"elasticquota","namespaced":true,"kind":"ElasticQuota","verbs":["get","list","watch"]},`+
				`{"name":"podgroups","singularName":"podgroup","namespaced":true,"kind":"PodGroup","verbs":["get","list","watch"]}]}`)
		case r.URL.Path == "/apis/scheduling.x-k8s.io/v1alpha1/elasticquotas" && r.URL.Query().Get("watch") == "true":
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-done:
			}
		case r.URL.Path == "/apis/scheduling.x-k8s.io/v1alpha1/elasticquotas":
			fmt.Fprint(w, `{"kind":"ElasticQuotaList","apiVersion":"scheduling.x-k8s.io/v1alpha1","metadata":{"resourceVersion":"1"},"items":[]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(server.Close)
	t.Cleanup(func() { close(done) }) // runs first: ends the watches Close waits for
	return writeKubeconfig(t, server.URL)
}

func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: %q, insecure-skip-tls-verify: true}
contexts:
- name: test
  context: {cluster: test, user: test}
current-context: test
users:
- name: test
  user: {token: test}
`, server)
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// withKubeconfig returns the configuration with clientConnection.kubeconfig set,
// written to a file.
func withKubeconfig(t *testing.T, data []byte, kubeconfig string) string {
	t.Helper()
	var cfg map[string]interface{}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["clientConnection"] = map[string]interface{}{"kubeconfig": kubeconfig}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "scheduler-config.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// loaded is a scheduler built from a configuration, as the binary builds it, but
// not started.
type loaded struct {
	config  *schedconfig.KubeSchedulerConfiguration
	plugins map[string]*schedconfig.Plugins // by profile, every extension point expanded
}

// load builds the scheduler for the configuration in data, with the binary's
// plugins and an API server that is not there.
func load(t *testing.T, data []byte, kubeconfig string) (*loaded, error) {
	t.Helper()
	opts := options.NewOptions()
	if err := opts.ComponentGlobalsRegistry.Set(); err != nil {
		t.Fatal(err)
	}
	opts.ConfigFile = withKubeconfig(t, data, kubeconfig)
	opts.SecureServing.BindPort = 0 // no listener, and so no delegated auth set-up
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // stops the caches some plugins start
	cc, sched, err := plugins.Setup(ctx, opts)
	if err != nil {
		return nil, err
	}
	out := &loaded{config: &cc.ComponentConfig, plugins: map[string]*schedconfig.Plugins{}}
	for name, fw := range sched.Profiles {
		out.plugins[name] = fw.ListPlugins()
	}
	return out, nil
}

func names(set []schedconfig.Plugin) []string {
	out := make([]string, 0, len(set))
	for _, p := range set {
		out = append(out, p.Name)
	}
	return out
}

func contains(list []string, name string) bool {
	for _, n := range list {
		if n == name {
			return true
		}
	}
	return false
}

// replaceOnce replaces old in s, failing the test unless it is there exactly once.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("want %q once in the configuration, found it %d times", old, n)
	}
	return strings.Replace(s, old, new, 1)
}
