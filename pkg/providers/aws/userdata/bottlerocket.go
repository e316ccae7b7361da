package userdata

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// renderBottlerocket returns TOML settings: the node class's userData (TOML) with
// the cluster, the node labels and the node taints set over it, and the node class
// kubelet settings added where the userData does not set them:
//
//	[settings.kubernetes]
//	api-server = "https://..."
//	cluster-certificate = "<base64 PEM>"
//	cluster-dns-ip = "10.100.0.10"
//	cluster-name = "my-cluster"
//	max-pods = 29
//
//	[settings.kubernetes.node-labels]
//	"karpenter.sh/nodepool" = "default"
//
//	[settings.kubernetes.node-taints]
//	dedicated = ["gpu:NoSchedule"]
//	"karpenter.sh/unregistered" = [":NoExecute"]
//
// A taint is key = ["value:Effect", ...] (the value may be empty); a label a
// userData sets that the node also needs is overwritten, others are kept.
func renderBottlerocket(o Options) (string, error) {
	settings := map[string]any{}
	if strings.TrimSpace(o.CustomUserData) != "" {
		var err error
		if settings, err = parseTOML(o.CustomUserData); err != nil {
			return "", fmt.Errorf("reading userData as Bottlerocket TOML, %w", err)
		}
	}
	k8s, err := tableAt(settings, []string{"settings", "kubernetes"})
	if err != nil {
		return "", fmt.Errorf("merging userData, %w", err)
	}
	k8s["cluster-name"] = o.ClusterName
	k8s["api-server"] = o.ClusterEndpoint
	k8s["cluster-certificate"] = o.ClusterCABundle
	if err := setBottlerocketNode(k8s, o); err != nil {
		return "", fmt.Errorf("merging userData, %w", err)
	}
	setBottlerocketKubelet(k8s, o)
	return encodeTOML(settings), nil
}

// setBottlerocketNode sets the node's labels and taints over the userData's.
func setBottlerocketNode(k8s map[string]any, o Options) error {
	if labels := nodeLabels(o.Labels); len(labels) > 0 {
		table, err := tableAt(k8s, []string{"node-labels"})
		if err != nil {
			return err
		}
		for k, v := range labels {
			table[k] = v
		}
	}
	table, err := tableAt(k8s, []string{"node-taints"})
	if err != nil {
		return err
	}
	byKey := map[string][]any{}
	for _, t := range nodeTaints(o.Taints) {
		byKey[t.Key] = append(byKey[t.Key], t.Value+":"+string(t.Effect))
	}
	for k, values := range byKey {
		table[k] = values
	}
	return nil
}

// setBottlerocketKubelet adds the node class kubelet settings the userData does not
// set.
func setBottlerocketKubelet(k8s map[string]any, o Options) {
	setDefault(k8s, "max-pods", maxPods(o))
	if dns := clusterDNS(o); len(dns) == 1 {
		setDefault(k8s, "cluster-dns-ip", dns[0])
	} else if len(dns) > 1 {
		setDefault(k8s, "cluster-dns-ip", toAny(dns))
	}
	k := o.Kubelet
	if k == nil {
		return
	}
	mergeDefaults(k8s, "system-reserved", k.SystemReserved)
	mergeDefaults(k8s, "kube-reserved", k.KubeReserved)
	mergeDefaults(k8s, "eviction-hard", k.EvictionHard)
	mergeDefaults(k8s, "eviction-soft", k.EvictionSoft)
	if len(k.EvictionSoftGracePeriod) > 0 {
		grace := map[string]string{}
		for key, d := range k.EvictionSoftGracePeriod {
			grace[key] = d.Duration.String()
		}
		mergeDefaults(k8s, "eviction-soft-grace-period", grace)
	}
	setDefault(k8s, "eviction-max-pod-grace-period", k.EvictionMaxPodGracePeriod)
	setDefault(k8s, "pods-per-core", k.PodsPerCore)
	setDefault(k8s, "image-gc-high-threshold-percent", k.ImageGCHighThresholdPercent)
	setDefault(k8s, "image-gc-low-threshold-percent", k.ImageGCLowThresholdPercent)
	if k.CPUCFSQuota != nil {
		setDefault(k8s, "cpu-cfs-quota-enforced", *k.CPUCFSQuota)
	}
}

// setDefault sets t[key] to v unless t has key or v is a nil pointer.
func setDefault(t map[string]any, key string, v any) {
	if _, ok := t[key]; ok {
		return
	}
	switch v := v.(type) {
	case *int32:
		if v != nil {
			t[key] = int64(*v)
		}
	default:
		t[key] = v
	}
}

// mergeDefaults adds m's entries to the table t[key] where it lacks them.
func mergeDefaults(t map[string]any, key string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	table, ok := t[key].(map[string]any)
	if !ok {
		if _, set := t[key]; set {
			return // the userData set it to a value; leave it
		}
		table = map[string]any{}
		t[key] = table
	}
	for k, v := range m {
		setDefault(table, k, v)
	}
}

func toAny(ss []string) []any {
	out := make([]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

// parseBottlerocket reads node labels and taints from Bottlerocket settings; found
// is false when s has no [settings.kubernetes] table.
func parseBottlerocket(s string) (labels map[string]string, taints []corev1.Taint, found bool, err error) {
	doc, err := parseTOML(s)
	if err != nil {
		return nil, nil, false, fmt.Errorf("reading Bottlerocket TOML, %w", err)
	}
	settings, _ := doc["settings"].(map[string]any)
	k8s, ok := settings["kubernetes"].(map[string]any)
	if !ok {
		return nil, nil, false, nil
	}
	labels = map[string]string{}
	rawLabels, _ := k8s["node-labels"].(map[string]any)
	for k, v := range rawLabels {
		s, ok := v.(string)
		if !ok {
			return nil, nil, true, fmt.Errorf("node label %s is %T, not a string", k, v)
		}
		labels[k] = s
	}
	rawTaints, _ := k8s["node-taints"].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(rawTaints)) {
		ts, err := bottlerocketTaints(k, rawTaints[k])
		if err != nil {
			return nil, nil, true, err
		}
		taints = append(taints, ts...)
	}
	return labels, taints, true, nil
}

// bottlerocketTaints reads the taints of key: "value:Effect" or a list of them.
func bottlerocketTaints(key string, v any) ([]corev1.Taint, error) {
	values, ok := v.([]any)
	if !ok {
		values = []any{v}
	}
	out := make([]corev1.Taint, 0, len(values))
	for _, raw := range values {
		s, ok := raw.(string)
		if !ok {
			return nil, fmt.Errorf("node taint %s is %T, not a \"value:Effect\" string", key, raw)
		}
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			return nil, fmt.Errorf("node taint %s = %q has no effect, use \"value:Effect\"", key, s)
		}
		out = append(out, corev1.Taint{Key: key, Value: s[:i], Effect: corev1.TaintEffect(s[i+1:])})
	}
	return out, nil
}
