package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/tailor-sh/tailor/plugins"
)

// Every configuration shipped in manifests/scheduler loads into a scheduler with
// the binary's plugins, and every profile runs Provisioner last among the
// PostFilter plugins, after the one that preempts.
func TestShippedConfigsLoad(t *testing.T) {
	kubeconfig := quotaAPIServer(t) // the gang profile's CapacityScheduling needs it
	for _, c := range shippedConfigs(t) {
		t.Run(c.name, func(t *testing.T) {
			got, err := load(t, c.data, kubeconfig)
			if err != nil {
				t.Fatalf("loading %s: %v", c.name, err)
			}
			for profile, set := range got.plugins {
				postFilter := names(set.PostFilter.Enabled)
				if len(postFilter) < 2 || postFilter[len(postFilter)-1] != provisionerName {
					t.Errorf("profile %s: want Provisioner last of several PostFilter plugins, got %v", profile, postFilter)
				}
				if !contains(postFilter, "DefaultPreemption") && !contains(postFilter, "CapacityScheduling") {
					t.Errorf("profile %s: no preemption before Provisioner in %v", profile, postFilter)
				}
				if _, ok := plugins.Profile(profile); !ok {
					t.Errorf("profile %s was not recorded for plugins.Profile", profile)
				}
			}
		})
	}
}

func TestSecondSchedulerConfig(t *testing.T) {
	got, err := load(t, shipped(t, "second-scheduler/03-configmap.yaml#scheduler-config.yaml").data, unreachableKubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	set, ok := got.plugins["tailor-scheduler"]
	if !ok || len(got.plugins) != 1 {
		t.Fatalf("want the one profile tailor-scheduler, got %v", keys(got.plugins))
	}
	want := []string{"DynamicResources", "DefaultPreemption", provisionerName}
	if diff := cmp.Diff(want, names(set.PostFilter.Enabled)); diff != "" {
		t.Errorf("PostFilter plugins differ (-want +got):\n%s", diff)
	}
	le := got.config.LeaderElection
	if !le.LeaderElect || le.ResourceNamespace != "tailor-system" || le.ResourceName != "tailor-scheduler" {
		t.Errorf("want leader election on the lease tailor-system/tailor-scheduler, got %+v", le)
	}
}

func TestKubeadmConfig(t *testing.T) {
	got, err := load(t, shipped(t, "kubeadm/kube-scheduler-config.yaml").data, unreachableKubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	set, ok := got.plugins["default-scheduler"]
	if !ok || len(got.plugins) != 1 {
		t.Fatalf("want the one profile default-scheduler, got %v", keys(got.plugins))
	}
	want := []string{"DynamicResources", "DefaultPreemption", provisionerName}
	if diff := cmp.Diff(want, names(set.PostFilter.Enabled)); diff != "" {
		t.Errorf("PostFilter plugins differ (-want +got):\n%s", diff)
	}
	le := got.config.LeaderElection
	if !le.LeaderElect || le.ResourceNamespace != "kube-system" || le.ResourceName != "kube-scheduler" {
		t.Errorf("want leader election on kubeadm's lease kube-system/kube-scheduler, got %+v", le)
	}
}

// The gang profile loads Coscheduling and CapacityScheduling at every extension
// point they implement, and CapacityScheduling replaces DefaultPreemption.
func TestGangConfig(t *testing.T) {
	got, err := load(t, shipped(t, "gang/configmap.yaml#scheduler-config.yaml").data, quotaAPIServer(t))
	if err != nil {
		t.Fatal(err)
	}
	set, ok := got.plugins["tailor-scheduler"]
	if !ok {
		t.Fatalf("want the profile tailor-scheduler, got %v", keys(got.plugins))
	}
	if diff := cmp.Diff([]string{"Coscheduling"}, names(set.QueueSort.Enabled)); diff != "" {
		t.Errorf("QueueSort plugins differ (-want +got):\n%s", diff)
	}
	for point, want := range map[string][]string{
		"PreFilter": {"Coscheduling", "CapacityScheduling"},
		"Permit":    {"Coscheduling"},
		"Reserve":   {"Coscheduling", "CapacityScheduling"},
	} {
		enabled := map[string][]string{
			"PreFilter": names(set.PreFilter.Enabled),
			"Permit":    names(set.Permit.Enabled),
			"Reserve":   names(set.Reserve.Enabled),
		}[point]
		for _, name := range want {
			if !contains(enabled, name) {
				t.Errorf("%s plugins %v lack %s", point, enabled, name)
			}
		}
	}
	want := []string{"DynamicResources", "CapacityScheduling", "Coscheduling", provisionerName}
	if diff := cmp.Diff(want, names(set.PostFilter.Enabled)); diff != "" {
		t.Errorf("PostFilter plugins differ (-want +got):\n%s", diff)
	}
}

// Bad Provisioner args stop the scheduler at start-up, saying what is wrong.
func TestInvalidProvisionerArgsFailStartup(t *testing.T) {
	c := shipped(t, "second-scheduler/03-configmap.yaml#scheduler-config.yaml")
	bad := replaceOnce(t, string(c.data), "batchIdleDuration: 1s", "batchIdleDuration: 20s")
	_, err := load(t, []byte(bad), unreachableKubeconfig(t))
	want := `batchIdleDuration: Invalid value: "20s": must not be longer than batchMaxDuration (10s)`
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), provisionerName) {
		t.Fatalf("want a start-up error naming Provisioner and containing %q, got %v", want, err)
	}
}

// Subcommands appended to subcommands join the root command with cobra's own help,
// not the scheduler's flag sections.
func TestSubcommands(t *testing.T) {
	saved := subcommands
	t.Cleanup(func() { subcommands = saved })
	subcommands = append(subcommands, &cobra.Command{Use: "example", Short: "an example", Run: func(*cobra.Command, []string) {}})

	root := newSchedulerCommand()
	sub, _, err := root.Find([]string{"example"})
	if err != nil || sub.Name() != "example" {
		t.Fatalf("want the example subcommand, got %v, %v", sub, err)
	}
	if help := helpOf(root, "--help"); !strings.Contains(help, "Secure serving flags") {
		t.Errorf("root help lacks the scheduler's flag sections:\n%s", help)
	}
	if help := helpOf(root, "example", "--help"); strings.Contains(help, "Secure serving flags") || !strings.Contains(help, "an example") {
		t.Errorf("subcommand help should be cobra's own:\n%s", help)
	}
}

func helpOf(root *cobra.Command, args ...string) string {
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	_ = root.Execute()
	return out.String()
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
