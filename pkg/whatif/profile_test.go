package whatif_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/kubernetes/pkg/scheduler/apis/config"

	"github.com/tailor-sh/tailor/pkg/whatif"
)

// filters are the plugins a profile enables for Filter, itself or as a
// multi-point plugin (as kube-scheduler's defaults are).
func filters(p *config.KubeSchedulerProfile) []string {
	var out []string
	for _, set := range []config.PluginSet{p.Plugins.MultiPoint, p.Plugins.Filter} {
		for _, pl := range set.Enabled {
			out = append(out, pl.Name)
		}
	}
	return out
}

// The shipped kubeadm configuration loads as the scheduler loads it: the
// default Filter plugins plus the Provisioner's, with its args.
func TestProfileFromTheShippedConfiguration(t *testing.T) {
	file := filepath.Join("..", "..", "manifests", "scheduler", "kubeadm", "kube-scheduler-config.yaml")
	p, err := whatif.Profile(file, "default-scheduler")
	if err != nil {
		t.Fatal(err)
	}
	got := filters(p)
	for _, want := range []string{"NodeResourcesFit", "NodeAffinity", "TaintToleration", "PodTopologySpread", "Provisioner"} {
		if !slices.Contains(got, want) {
			t.Errorf("filter plugins %v lack %s", got, want)
		}
	}
	if _, err := whatif.Profile(file, "tailor-scheduler"); err == nil || !strings.Contains(err.Error(), "default-scheduler") {
		t.Errorf("a profile the file lacks: %v, want an error naming the profiles it has", err)
	}
}

// Without a file, the profile is kube-scheduler's default under the name given.
func TestDefaultProfileTakesTheName(t *testing.T) {
	p, err := whatif.Profile("", "tailor-scheduler")
	if err != nil {
		t.Fatal(err)
	}
	if p.SchedulerName != "tailor-scheduler" || !slices.Contains(filters(p), "NodeResourcesFit") {
		t.Errorf("profile %s with filters %v", p.SchedulerName, filters(p))
	}
}

// Without a name, the profile is the one that runs the Provisioner; two such
// profiles need a name.
func TestProfileRunningTheProvisioner(t *testing.T) {
	file := filepath.Join("..", "..", "manifests", "scheduler", "kubeadm", "kube-scheduler-config.yaml")
	p, err := whatif.ProfileRunning(file, "", "Provisioner")
	if err != nil || p.SchedulerName != "default-scheduler" {
		t.Fatalf("profile %v, %v; want default-scheduler, the shipped profile running the Provisioner", p, err)
	}
	two := filepath.Join(t.TempDir(), "two.yaml")
	config := `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: a
  plugins: {postFilter: {enabled: [{name: Provisioner}]}}
- schedulerName: b
  plugins: {postFilter: {enabled: [{name: Provisioner}]}}
`
	if err := os.WriteFile(two, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := whatif.ProfileRunning(two, "", "Provisioner"); err == nil || !strings.Contains(err.Error(), "2 profiles running Provisioner") {
		t.Errorf("error %v, want one saying two profiles run it", err)
	}
	if p, err := whatif.ProfileRunning(two, "b", "Provisioner"); err != nil || p.SchedulerName != "b" {
		t.Errorf("profile %v, %v; want b when named", p, err)
	}
}
