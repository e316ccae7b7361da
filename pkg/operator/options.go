package operator

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Cloud modes.
const (
	CloudAWS       = "aws"
	CloudSimulated = "simulated"
)

// Feature gates the launcher knows, with their defaults.
var knownGates = map[string]bool{
	// Disruption runs the disruption loop (pkg/controllers/disruption):
	// emptiness, consolidation (deletion and replacement), expiration and
	// drift within budgets. Off turns every voluntary disruption off.
	"Disruption": true,
	// SpotToSpotConsolidation lets consolidation replace a spot node with a cheaper
	// spot node (off: spot nodes are only deleted, never replaced by spot).
	"SpotToSpotConsolidation": false,
}

// Options are the launcher's settings. Every flag can also be given by the
// environment variable named in its help (the flag wins).
type Options struct {
	ClusterName     string
	ClusterEndpoint string
	ClusterCABundle string
	ClusterDNS      string
	Region          string
	// Cloud is "aws" (the SDK's default credential chain and endpoints) or
	// "simulated" (the EC2 simulator in this process, nodes registered by
	// simulated kubelets, kept alive by kwok).
	Cloud             string
	InterruptionQueue string
	FeatureGates      map[string]bool

	// KubeQPS and KubeBurst bound the launcher's API request rate.
	KubeQPS   float64
	KubeBurst int

	// SchedulerConfig is the scheduler's KubeSchedulerConfiguration file;
	// consolidation judges fit with the Filter plugins of its profile
	// SchedulerName (empty: the one running the Provisioner). Without a file,
	// kube-scheduler's default profile.
	SchedulerConfig string
	SchedulerName   string

	MetricsAddr             string
	HealthAddr              string
	LeaderElect             bool
	LeaderElectionNamespace string

	// LaunchTTL: a NodeClaim not launched within it is deleted (its request fails).
	LaunchTTL time.Duration
	// RegistrationTTL: a launched NodeClaim whose node has not registered within it
	// is deleted and its instance terminated.
	RegistrationTTL time.Duration
	// GCInterval is how often instances without a NodeClaim and NodeClaims without
	// an instance are looked for.
	GCInterval time.Duration
	// LeakGracePeriod: an instance younger than this is never garbage collected
	// (its NodeClaim may not be written yet).
	LeakGracePeriod time.Duration

	// Simulated mode only.
	SimulatorAddr        string
	SimBootDelay         time.Duration
	SimRegistrationDelay time.Duration

	// Restartable lets one process build several launchers one after another
	// (tests that stop and start the launcher); controller names repeat then.
	Restartable bool

	featureGatesFlag string
}

// AddFlags registers the options on fs, with defaults from the environment.
func (o *Options) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.ClusterName, "cluster-name", env("CLUSTER_NAME", ""), "name of the cluster: instances are tagged with it (subnets and security groups are found by the EC2NodeClass selectors) [CLUSTER_NAME]")
	fs.StringVar(&o.ClusterEndpoint, "cluster-endpoint", env("CLUSTER_ENDPOINT", ""), "API server URL nodes join [CLUSTER_ENDPOINT]")
	fs.StringVar(&o.ClusterCABundle, "cluster-ca-bundle", env("CLUSTER_CA_BUNDLE", ""), "base64 PEM CA of the API server, for node bootstrap [CLUSTER_CA_BUNDLE]")
	fs.StringVar(&o.ClusterDNS, "cluster-dns", env("CLUSTER_DNS", ""), "cluster DNS service IP for kubelets (optional) [CLUSTER_DNS]")
	fs.StringVar(&o.Region, "region", env("AWS_REGION", ""), "AWS region [AWS_REGION]")
	fs.StringVar(&o.Cloud, "cloud", env("CLOUD", CloudAWS), "aws, or simulated (the EC2 simulator in this process) [CLOUD]")
	fs.StringVar(&o.InterruptionQueue, "interruption-queue", env("INTERRUPTION_QUEUE", ""), "SQS queue name of EC2 interruption events; empty turns interruption handling off [INTERRUPTION_QUEUE]")
	fs.StringVar(&o.featureGatesFlag, "feature-gates", env("FEATURE_GATES", ""), "comma-separated Gate=true|false; known: "+strings.Join(gateNames(), ", ")+" [FEATURE_GATES]")
	fs.StringVar(&o.SchedulerConfig, "scheduler-config", env("SCHEDULER_CONFIG", ""), "the scheduler's configuration file: consolidation judges fit with its profile's Filter plugins; empty: kube-scheduler's default profile [SCHEDULER_CONFIG]")
	fs.StringVar(&o.SchedulerName, "scheduler-name", env("SCHEDULER_NAME", ""), "the profile of --scheduler-config to judge fit with; empty: the one running the Provisioner [SCHEDULER_NAME]")
	fs.Float64Var(&o.KubeQPS, "kube-client-qps", envFloat("KUBE_CLIENT_QPS", 200), "API requests per second the launcher may make: about eight per node launched [KUBE_CLIENT_QPS]")
	fs.IntVar(&o.KubeBurst, "kube-client-burst", int(envFloat("KUBE_CLIENT_BURST", 300)), "burst of API requests above kube-client-qps [KUBE_CLIENT_BURST]")
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", env("METRICS_BIND_ADDRESS", ":8080"), "address of the Prometheus metrics endpoint; 0 turns it off [METRICS_BIND_ADDRESS]")
	fs.StringVar(&o.HealthAddr, "health-probe-bind-address", env("HEALTH_PROBE_BIND_ADDRESS", ":8081"), "address of /healthz and /readyz; 0 turns them off [HEALTH_PROBE_BIND_ADDRESS]")
	fs.BoolVar(&o.LeaderElect, "leader-elect", envBool("LEADER_ELECT", true), "elect a leader so that only one launcher acts at a time [LEADER_ELECT]")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", env("LEADER_ELECTION_NAMESPACE", "kube-system"), "namespace of the leader election Lease [LEADER_ELECTION_NAMESPACE]")
	fs.DurationVar(&o.LaunchTTL, "launch-ttl", envDuration("LAUNCH_TTL", 5*time.Minute), "a NodeClaim not launched within this is deleted and its request fails [LAUNCH_TTL]")
	fs.DurationVar(&o.RegistrationTTL, "registration-ttl", envDuration("REGISTRATION_TTL", 15*time.Minute), "a launched NodeClaim whose node has not registered within this is deleted and its instance terminated [REGISTRATION_TTL]")
	fs.DurationVar(&o.GCInterval, "gc-interval", envDuration("GC_INTERVAL", time.Minute), "how often leaked instances and NodeClaims without instances are looked for [GC_INTERVAL]")
	fs.DurationVar(&o.LeakGracePeriod, "leak-grace-period", envDuration("LEAK_GRACE_PERIOD", 30*time.Second), "instances younger than this are never garbage collected [LEAK_GRACE_PERIOD]")
	fs.StringVar(&o.SimulatorAddr, "simulator-addr", env("SIMULATOR_ADDR", "127.0.0.1:0"), "simulated mode: address the EC2 simulator listens on (point the AWS CLI at it) [SIMULATOR_ADDR]")
	fs.DurationVar(&o.SimBootDelay, "simulator-boot-delay", envDuration("SIMULATOR_BOOT_DELAY", 0), "simulated mode: how long an instance stays pending [SIMULATOR_BOOT_DELAY]")
	fs.DurationVar(&o.SimRegistrationDelay, "simulator-registration-delay", envDuration("SIMULATOR_REGISTRATION_DELAY", 0), "simulated mode: how long after running an instance's node registers [SIMULATOR_REGISTRATION_DELAY]")
}

// Complete parses what AddFlags left as text and fills defaults of simulated mode.
func (o *Options) Complete() error {
	gates, err := parseGates(o.featureGatesFlag)
	if err != nil {
		return err
	}
	o.FeatureGates = gates
	if o.Cloud == CloudSimulated {
		if o.ClusterName == "" {
			o.ClusterName = "sim-cluster"
		}
		if o.Region == "" {
			o.Region = "us-west-2"
		}
		if o.ClusterEndpoint == "" {
			o.ClusterEndpoint = "https://127.0.0.1:6443"
		}
	}
	return o.Validate()
}

// Validate says what is missing or wrong, naming the flag.
func (o *Options) Validate() error {
	var errs []error
	if o.Cloud != CloudAWS && o.Cloud != CloudSimulated {
		errs = append(errs, fmt.Errorf("--cloud %q: want aws or simulated", o.Cloud))
	}
	if o.ClusterName == "" {
		errs = append(errs, errors.New("--cluster-name (CLUSTER_NAME) is required"))
	}
	if o.Cloud == CloudAWS && o.Region == "" {
		errs = append(errs, errors.New("--region (AWS_REGION) is required"))
	}
	if o.Cloud == CloudAWS && o.ClusterEndpoint == "" {
		errs = append(errs, errors.New("--cluster-endpoint (CLUSTER_ENDPOINT) is required: nodes join the cluster there"))
	}
	for name, d := range map[string]time.Duration{"--launch-ttl": o.LaunchTTL, "--registration-ttl": o.RegistrationTTL, "--gc-interval": o.GCInterval} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s %s must be positive", name, d))
		}
	}
	return errors.Join(errs...)
}

// Enabled reports whether a feature gate is on.
func (o *Options) Enabled(gate string) bool { return o.FeatureGates[gate] }

func parseGates(s string) (map[string]bool, error) {
	gates := map[string]bool{}
	for name, on := range knownGates {
		gates[name] = on
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if _, known := knownGates[name]; !known {
			return nil, fmt.Errorf("--feature-gates: unknown gate %q; known: %s", name, strings.Join(gateNames(), ", "))
		}
		on, err := strconv.ParseBool(value)
		if !ok || err != nil {
			return nil, fmt.Errorf("--feature-gates: %q: want %s=true or %s=false", part, name, name)
		}
		gates[name] = on
	}
	return gates, nil
}

func gateNames() []string {
	names := make([]string, 0, len(knownGates))
	for name := range knownGates {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func envBool(key string, def bool) bool {
	if v, err := strconv.ParseBool(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envFloat(key string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(key), 64); err == nil {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return v
	}
	return def
}
