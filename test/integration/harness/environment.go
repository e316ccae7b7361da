// Package harness runs a real kube-apiserver and etcd for integration tests (one per
// test package, from TestMain), installs the project's CRDs, and offers helpers that
// read as a vocabulary: ExpectApplied, ExpectRejected, Eventually.
package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tailor-sh/tailor/pkg/apis"
)

// Environment is a running control plane with the project's CRDs installed.
type Environment struct {
	Config *rest.Config
	Client client.Client
	env    *envtest.Environment
}

// RepoRoot returns the root of the repository this file belongs to.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Start starts kube-apiserver and etcd and installs manifests/crds and the CRD
// files or folders in extraCRDs. The binaries come from KUBEBUILDER_ASSETS when
// set, else from hack/controlplane.sh, which builds them into a cache folder
// outside the work tree the first time (several minutes).
func Start(extraCRDs ...string) (*Environment, error) {
	assets, err := controlPlaneAssets()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     append([]string{filepath.Join(RepoRoot(), "manifests", "crds")}, extraCRDs...),
		ErrorIfCRDPathMissing: true,
	}
	// The TaintNodesByCondition admission plugin taints every new Node not-ready, and
	// no node lifecycle controller runs here to lift the taint.
	env.ControlPlane.GetAPIServer().Configure().Append("disable-admission-plugins", "TaintNodesByCondition")
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting control plane from %s, %w", assets, err)
	}
	c, err := client.New(cfg, client.Options{Scheme: apis.NewScheme()})
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("creating client, %w", err)
	}
	return &Environment{Config: cfg, Client: c, env: env}, nil
}

// Stop stops the control plane.
func (e *Environment) Stop() error {
	return e.env.Stop()
}

func controlPlaneAssets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	cmd := exec.Command(filepath.Join(RepoRoot(), "hack", "controlplane.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("building control plane binaries with hack/controlplane.sh, %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// WriteKubeconfig writes a kubeconfig for a cluster admin (system:masters) to path,
// for kubectl and for processes the tests start (the scheduler, the launcher).
func (e *Environment) WriteKubeconfig(path string) error {
	user, err := e.env.ControlPlane.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("adding admin user, %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("rendering kubeconfig, %w", err)
	}
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return fmt.Errorf("writing kubeconfig, %w", err)
	}
	return nil
}

// Main is a test package's TestMain: it starts a control plane into *env (with
// extraCRDs, see Start), runs the tests and stops it, exiting with the tests' code.
func Main(m interface{ Run() int }, env **Environment, extraCRDs ...string) {
	var err error
	if *env, err = Start(extraCRDs...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := (*env).Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping control plane:", err)
	}
	os.Exit(code)
}
