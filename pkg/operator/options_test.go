package operator

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, env map[string]string, args ...string) (*Options, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var o Options
	fs := flag.NewFlagSet("launcher", flag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return &o, o.Complete()
}

func TestOptionsFromFlagsAndEnvironment(t *testing.T) {
	o, err := parse(t, map[string]string{"CLUSTER_NAME": "from-env", "AWS_REGION": "eu-west-1", "CLUSTER_ENDPOINT": "https://k8s", "LAUNCH_TTL": "2m"},
		"--cluster-name=from-flag", "--feature-gates=SpotToSpotConsolidation=true")
	if err != nil {
		t.Fatal(err)
	}
	if o.ClusterName != "from-flag" || o.Region != "eu-west-1" || o.LaunchTTL != 2*time.Minute {
		t.Errorf("got cluster %q region %q launch ttl %s: the flag must win over the environment, which fills the rest", o.ClusterName, o.Region, o.LaunchTTL)
	}
	if !o.Enabled("SpotToSpotConsolidation") || !o.LeaderElect {
		t.Errorf("gates %v, leader election %v", o.FeatureGates, o.LeaderElect)
	}
}

func TestSimulatedModeNeedsNoAWSSettings(t *testing.T) {
	o, err := parse(t, nil, "--cloud=simulated")
	if err != nil {
		t.Fatal(err)
	}
	if o.ClusterName == "" || o.Region == "" {
		t.Errorf("simulated mode left cluster %q region %q empty", o.ClusterName, o.Region)
	}
}

func TestBadOptionsNameTheFlag(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"aws without region":   {[]string{"--cluster-name=c", "--cluster-endpoint=https://k"}, "--region"},
		"aws without endpoint": {[]string{"--cluster-name=c", "--region=us-east-1"}, "--cluster-endpoint"},
		"unknown cloud":        {[]string{"--cloud=gcp"}, `--cloud "gcp"`},
		"unknown gate":         {[]string{"--cloud=simulated", "--feature-gates=Turbo=true"}, `unknown gate "Turbo"`},
		"gate without value":   {[]string{"--cloud=simulated", "--feature-gates=SpotToSpotConsolidation"}, "want SpotToSpotConsolidation=true"},
		"zero ttl":             {[]string{"--cloud=simulated", "--registration-ttl=0s"}, "--registration-ttl"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, nil, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to name %q", err, tc.want)
			}
		})
	}
}
