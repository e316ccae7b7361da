package whatif

import (
	"fmt"
	"os"
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
