package whatif

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	"k8s.io/kubernetes/pkg/scheduler/apis/config/scheme"

	"github.com/tailor-sh/tailor/pkg/planner"

	// The argument types of the plugins the scheduler binary ships, so that a
	// configuration that sets them decodes (as plugins/registry.go registers).
	_ "github.com/tailor-sh/tailor/pkg/apis/config/scheme"
	_ "sigs.k8s.io/scheduler-plugins/apis/config/scheme"
)

// Profile returns the scheduler profile named schedulerName, whose PreFilter
// and Filter plugins judge fit: from file, a KubeSchedulerConfiguration as the
// scheduler's --config takes it, defaulted as the scheduler defaults it; with
// no file, kube-scheduler's default profile under that name, which is what the
// shipped configurations (manifests/scheduler) run besides the Provisioner.
func Profile(file, schedulerName string) (*config.KubeSchedulerProfile, error) {
	if file == "" {
		profile, err := planner.DefaultProfile()
		if err != nil {
			return nil, err
		}
		profile.SchedulerName = schedulerName
		return profile, nil
	}
	cfg, err := loadConfig(file)
	if err != nil {
		return nil, err
	}
	var names []string
	for i := range cfg.Profiles {
		if cfg.Profiles[i].SchedulerName == schedulerName {
			return &cfg.Profiles[i], nil
		}
		names = append(names, cfg.Profiles[i].SchedulerName)
	}
	return nil, fmt.Errorf("%s has no profile %q (it has %s); name one with --scheduler-name", file, schedulerName, strings.Join(names, ", "))
}

// ProfileRunning is the profile of file whose PostFilter plugins include
// plugin (the Provisioner: the profile whose pods get new nodes), when
// schedulerName is empty; else the profile of that name.
func ProfileRunning(file, schedulerName, plugin string) (*config.KubeSchedulerProfile, error) {
	if schedulerName != "" {
		return Profile(file, schedulerName)
	}
	cfg, err := loadConfig(file)
	if err != nil {
		return nil, err
	}
	var found []*config.KubeSchedulerProfile
	for i := range cfg.Profiles {
		if p := &cfg.Profiles[i]; p.Plugins != nil && slices.ContainsFunc(p.Plugins.PostFilter.Enabled, func(e config.Plugin) bool { return e.Name == plugin }) {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%s has %d profiles running %s, want one; name the profile with --scheduler-name", file, len(found), plugin)
	}
	return found[0], nil
}

// loadConfig decodes a KubeSchedulerConfiguration file with the scheduler's
// defaults (the default plugins merged into each profile).
func loadConfig(file string) (*config.KubeSchedulerConfiguration, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading scheduler configuration, %w", err)
	}
	obj, gvk, err := scheme.Codecs.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decoding scheduler configuration %s, %w", file, err)
	}
	cfg, ok := obj.(*config.KubeSchedulerConfiguration)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, want a KubeSchedulerConfiguration", file, gvk)
	}
	return cfg, nil
}
