package plugins

import (
	"testing"

	"k8s.io/kubernetes/pkg/scheduler/apis/config"
)

func TestProfileReturnsACopyOfWhatWasSet(t *testing.T) {
	if _, ok := Profile("tailor-scheduler"); ok {
		t.Fatal("Profile found a profile before SetProfiles")
	}
	in := []config.KubeSchedulerProfile{{
		SchedulerName: "tailor-scheduler",
		Plugins:       &config.Plugins{PostFilter: config.PluginSet{Enabled: []config.Plugin{{Name: "Provisioner"}}}},
	}}
	SetProfiles(in)
	in[0].Plugins.PostFilter.Enabled[0].Name = "changed by the caller"

	got, ok := Profile("tailor-scheduler")
	if !ok {
		t.Fatal("Profile did not find tailor-scheduler")
	}
	if name := got.Plugins.PostFilter.Enabled[0].Name; name != "Provisioner" {
		t.Fatalf("stored profile changed with the caller's slice: %q", name)
	}
	got.Plugins.PostFilter.Enabled[0].Name = "changed by a reader"
	again, _ := Profile("tailor-scheduler")
	if name := again.Plugins.PostFilter.Enabled[0].Name; name != "Provisioner" {
		t.Fatalf("stored profile changed with a reader's copy: %q", name)
	}
	if _, ok := Profile("default-scheduler"); ok {
		t.Fatal("Profile found a profile that was never set")
	}
}
