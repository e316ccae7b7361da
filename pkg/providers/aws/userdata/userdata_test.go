package userdata

import (
	"encoding/base64"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

var allFamilies = []string{FamilyAL2023, FamilyAL2, FamilyBottlerocket, FamilyWindows2022}

func ptr[T any](v T) *T { return &v }

func options() Options {
	return Options{
		ClusterName:     "my-cluster",
		ClusterEndpoint: "https://ABC.gr7.us-west-2.eks.amazonaws.com",
		ClusterCABundle: base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n")),
		ClusterCIDR:     "10.100.0.0/16",
		ClusterDNS:      "10.100.0.10",
		Labels: map[string]string{
			"karpenter.sh/nodepool":        "default",
			"team":                         "a_b.c-d",
			"node.kubernetes.io/lifecycle": "spot",
		},
		Taints: []corev1.Taint{
			{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule},
			{Key: "example.com/startup", Effect: corev1.TaintEffectNoExecute},
		},
		MaxPods: ptr(int32(29)),
	}
}

// wantTaints are options()'s taints plus the unregistered taint.
func wantTaints() []corev1.Taint {
	return append(options().Taints, wellknown.UnregisteredNoExecuteTaint)
}

func sortTaints(ts []corev1.Taint) []corev1.Taint {
	out := append([]corev1.Taint{}, ts...)
	sort.Slice(out, func(i, j int) bool { return taintString(out[i]) < taintString(out[j]) })
	return out
}

func mustRender(t *testing.T, family string, o Options) string {
	t.Helper()
	out, err := Render(family, o)
	if err != nil {
		t.Fatalf("Render(%s) failed: %v", family, err)
	}
	return out
}

func expectNode(t *testing.T, userData string, labels map[string]string, taints []corev1.Taint) {
	t.Helper()
	gotLabels, gotTaints, err := Parse(userData)
	if err != nil {
		t.Fatalf("Parse failed: %v\n%s", err, userData)
	}
	if !reflect.DeepEqual(gotLabels, labels) {
		t.Errorf("labels = %v, want %v\n%s", gotLabels, labels, userData)
	}
	if !reflect.DeepEqual(sortTaints(gotTaints), sortTaints(taints)) {
		t.Errorf("taints = %v, want %v\n%s", gotTaints, taints, userData)
	}
}

func TestRenderRoundTripsLabelsAndTaints(t *testing.T) {
	for _, family := range allFamilies {
		t.Run(family, func(t *testing.T) {
			out := mustRender(t, family, options())
			expectNode(t, out, options().Labels, wantTaints())
			if again := mustRender(t, family, options()); again != out {
				t.Errorf("rendering twice gave different user data:\n%s\n---\n%s", out, again)
			}
			for _, want := range []string{"my-cluster", options().ClusterEndpoint, options().ClusterCABundle, "29"} {
				if !strings.Contains(out, want) {
					t.Errorf("user data lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestRenderFormats(t *testing.T) {
	for _, tc := range []struct {
		family string
		want   []string
	}{
		{FamilyAL2023, []string{
			"MIME-Version: 1.0\n", "Content-Type: application/node.eks.aws\n",
			"apiVersion: node.eks.aws/v1alpha1\n", "kind: NodeConfig\n",
			"    cidr: 10.100.0.0/16\n", "    name: my-cluster\n", "      maxPods: 29\n",
			"    - --node-labels=karpenter.sh/nodepool=default,node.kubernetes.io/lifecycle=spot,team=a_b.c-d\n",
			"    - --register-with-taints=dedicated=gpu:NoSchedule,example.com/startup:NoExecute,karpenter.sh/unregistered:NoExecute\n",
		}},
		{FamilyAL2, []string{
			"MIME-Version: 1.0\n", "Content-Type: text/x-shellscript; charset=\"us-ascii\"\n", "#!/bin/bash -xe\n",
			"/etc/eks/bootstrap.sh 'my-cluster' --apiserver-endpoint 'https://ABC.gr7.us-west-2.eks.amazonaws.com' --b64-cluster-ca '",
			"--dns-cluster-ip '10.100.0.10' --use-max-pods false --kubelet-extra-args '--node-labels=karpenter.sh/nodepool=default,node.kubernetes.io/lifecycle=spot,team=a_b.c-d --register-with-taints=dedicated=gpu:NoSchedule,example.com/startup:NoExecute,karpenter.sh/unregistered:NoExecute --max-pods=29'\n",
		}},
		{FamilyBottlerocket, []string{
			"[settings.kubernetes]\n", `cluster-name = "my-cluster"` + "\n", "max-pods = 29\n", `cluster-dns-ip = "10.100.0.10"` + "\n",
			"[settings.kubernetes.node-labels]\n", `"karpenter.sh/nodepool" = "default"` + "\n", `team = "a_b.c-d"` + "\n",
			"[settings.kubernetes.node-taints]\n", `dedicated = ["gpu:NoSchedule"]` + "\n", `"karpenter.sh/unregistered" = [":NoExecute"]` + "\n",
		}},
		{FamilyWindows2022, []string{
			"<powershell>\n", "& $EKSBootstrapScriptFile -EKSClusterName 'my-cluster' -APIServerEndpoint '",
			"-KubeletExtraArgs '--node-labels=karpenter.sh/nodepool=default,node.kubernetes.io/lifecycle=spot,team=a_b.c-d --register-with-taints=dedicated=gpu:NoSchedule,example.com/startup:NoExecute,karpenter.sh/unregistered:NoExecute --max-pods=29' -DNSClusterIP '10.100.0.10'",
			"</powershell>\n",
		}},
	} {
		t.Run(tc.family, func(t *testing.T) {
			out := mustRender(t, tc.family, options())
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("user data lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestRenderKeepsOnlyLabelsAKubeletMaySet(t *testing.T) {
	o := options()
	o.Labels = map[string]string{
		"kubernetes.io/hostname":       "ip-10-0-0-1",
		"kubernetes.io/arch":           "amd64",
		"topology.kubernetes.io/zone":  "us-west-2a",
		"example.kubernetes.io/thing":  "x",
		"k8s.io/thing":                 "x",
		"node.kubernetes.io/lifecycle": "spot",
		"karpenter.sh/capacity-type":   "spot",
	}
	want := map[string]string{
		"kubernetes.io/arch":           "amd64",
		"topology.kubernetes.io/zone":  "us-west-2a",
		"node.kubernetes.io/lifecycle": "spot",
		"karpenter.sh/capacity-type":   "spot",
	}
	for _, family := range allFamilies {
		t.Run(family, func(t *testing.T) {
			expectNode(t, mustRender(t, family, o), want, wantTaints())
		})
	}
}

func TestRenderRefusesValuesThatCouldBreakOut(t *testing.T) {
	for name, mutate := range map[string]func(*Options){
		"label value with quote and semicolon": func(o *Options) { o.Labels["team"] = "a'; rm -rf / #" },
		"label value with comma":               func(o *Options) { o.Labels["team"] = "a,evil=b" },
		"label value with newline":             func(o *Options) { o.Labels["team"] = "a\n[settings]" },
		"label key with space":                 func(o *Options) { o.Labels["bad key"] = "a" },
		"taint value with space":               func(o *Options) { o.Taints[0].Value = "a b" },
		"taint with unknown effect":            func(o *Options) { o.Taints[0].Effect = "Sometimes" },
		"reserved value with quote": func(o *Options) {
			o.Kubelet = &ec2v1.KubeletConfiguration{SystemReserved: map[string]string{"cpu": "1' --evil"}}
		},
	} {
		for _, family := range allFamilies {
			t.Run(name+"/"+family, func(t *testing.T) {
				o := options()
				mutate(&o)
				if out, err := Render(family, o); err == nil {
					t.Errorf("Render succeeded, want an error:\n%s", out)
				}
			})
		}
	}
}

func TestRenderQuotesClusterValues(t *testing.T) {
	o := options()
	o.ClusterName = `it's "quoted" \ ok`
	o.ClusterEndpoint = "https://x/$(reboot)"
	for _, tc := range []struct {
		family string
		read   func(string) []string
	}{
		{FamilyAL2, func(s string) []string {
			parts, _ := readMIME(s)
			for _, line := range strings.Split(parts[len(parts)-1].body, "\n") {
				if strings.HasPrefix(line, bootstrapScript) {
					words, _ := shellWords(line)
					return words
				}
			}
			return nil
		}},
		{FamilyWindows2022, func(s string) []string {
			for _, line := range strings.Split(s, "\n") {
				if strings.HasPrefix(line, windowsBootstrapCall) {
					words, _ := psWords(line)
					return words
				}
			}
			return nil
		}},
		{FamilyBottlerocket, func(s string) []string {
			doc, _ := parseTOML(s)
			k8s := doc["settings"].(map[string]any)["kubernetes"].(map[string]any)
			return []string{k8s["cluster-name"].(string), k8s["api-server"].(string)}
		}},
	} {
		t.Run(tc.family, func(t *testing.T) {
			words := tc.read(mustRender(t, tc.family, o))
			if !contains(words, o.ClusterName) || !contains(words, o.ClusterEndpoint) {
				t.Errorf("quoted values did not survive: %q", words)
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestRenderKubeletSettings(t *testing.T) {
	o := options()
	o.MaxPods = nil
	o.Kubelet = &ec2v1.KubeletConfiguration{
		MaxPods:                     ptr(int32(58)),
		ClusterDNS:                  []string{"172.20.0.10"},
		SystemReserved:              map[string]string{"cpu": "100m", "memory": "100Mi"},
		KubeReserved:                map[string]string{"cpu": "200m"},
		EvictionHard:                map[string]string{"memory.available": "5%"},
		EvictionSoft:                map[string]string{"memory.available": "10%"},
		EvictionSoftGracePeriod:     map[string]metav1.Duration{"memory.available": {Duration: 90 * time.Second}},
		EvictionMaxPodGracePeriod:   ptr(int32(60)),
		ImageGCHighThresholdPercent: ptr(int32(85)),
		ImageGCLowThresholdPercent:  ptr(int32(80)),
		CPUCFSQuota:                 ptr(false),
		PodsPerCore:                 ptr(int32(10)),
	}
	for _, tc := range []struct {
		family string
		want   []string
	}{
		{FamilyAL2023, []string{"      maxPods: 58\n", "      - 172.20.0.10\n", "        cpu: 100m\n", "        memory: 100Mi\n",
			"      evictionHard:\n        memory.available: 5%\n", "        memory.available: 1m30s\n", "      evictionMaxPodGracePeriod: 60\n",
			"      imageGCHighThresholdPercent: 85\n", "      imageGCLowThresholdPercent: 80\n", "      cpuCFSQuota: false\n", "      podsPerCore: 10\n"}},
		{FamilyAL2, []string{"--dns-cluster-ip '172.20.0.10'", "--max-pods=58", "--system-reserved=cpu=100m,memory=100Mi", "--kube-reserved=cpu=200m",
			"--eviction-hard=memory.available<5%", "--eviction-soft=memory.available<10%", "--eviction-soft-grace-period=memory.available=1m30s",
			"--eviction-max-pod-grace-period=60", "--image-gc-high-threshold=85", "--image-gc-low-threshold=80", "--cpu-cfs-quota=false", "--pods-per-core=10"}},
		{FamilyBottlerocket, []string{"max-pods = 58\n", `cluster-dns-ip = "172.20.0.10"`, "[settings.kubernetes.system-reserved]\ncpu = \"100m\"\nmemory = \"100Mi\"\n",
			"[settings.kubernetes.eviction-hard]\n\"memory.available\" = \"5%\"\n", "[settings.kubernetes.eviction-soft-grace-period]\n\"memory.available\" = \"1m30s\"\n",
			"eviction-max-pod-grace-period = 60\n", "image-gc-high-threshold-percent = 85\n", "image-gc-low-threshold-percent = 80\n",
			"cpu-cfs-quota-enforced = false\n", "pods-per-core = 10\n"}},
	} {
		t.Run(tc.family, func(t *testing.T) {
			out := mustRender(t, tc.family, o)
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("user data lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestCustomIsUnchanged(t *testing.T) {
	o := options()
	o.CustomUserData = "#!/bin/bash\necho my own bootstrap\n"
	if out := mustRender(t, FamilyCustom, o); out != o.CustomUserData {
		t.Errorf("Custom user data = %q, want it unchanged", out)
	}
	if _, _, err := Parse(o.CustomUserData); !errors.Is(err, ErrNoBootstrap) {
		t.Errorf("Parse(custom) error = %v, want ErrNoBootstrap", err)
	}
}

func TestParseReadsBase64(t *testing.T) {
	out := mustRender(t, FamilyAL2023, options())
	expectNode(t, base64.StdEncoding.EncodeToString([]byte(out)), options().Labels, wantTaints())
}

func TestRenderUnknownFamily(t *testing.T) {
	if _, err := Render("Plan9", options()); err == nil || !strings.Contains(err.Error(), "AL2023") {
		t.Errorf("Render(Plan9) error = %v, want one listing the families", err)
	}
}
