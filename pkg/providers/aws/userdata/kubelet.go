package userdata

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// kubeletConfig returns the node class's kubelet settings as fields of the kubelet's
// KubeletConfiguration (kubelet.config.k8s.io/v1beta1), for nodeadm.
func kubeletConfig(o Options) map[string]any {
	out := map[string]any{}
	if mp := maxPods(o); mp != nil {
		out["maxPods"] = *mp
	}
	if dns := clusterDNS(o); len(dns) > 0 {
		out["clusterDNS"] = dns
	}
	k := o.Kubelet
	if k == nil {
		return out
	}
	setMap(out, "systemReserved", k.SystemReserved)
	setMap(out, "kubeReserved", k.KubeReserved)
	setMap(out, "evictionHard", k.EvictionHard)
	setMap(out, "evictionSoft", k.EvictionSoft)
	if len(k.EvictionSoftGracePeriod) > 0 {
		grace := map[string]string{}
		for key, d := range k.EvictionSoftGracePeriod {
			grace[key] = d.Duration.String()
		}
		out["evictionSoftGracePeriod"] = grace
	}
	setInt(out, "evictionMaxPodGracePeriod", k.EvictionMaxPodGracePeriod)
	setInt(out, "podsPerCore", k.PodsPerCore)
	setInt(out, "imageGCHighThresholdPercent", k.ImageGCHighThresholdPercent)
	setInt(out, "imageGCLowThresholdPercent", k.ImageGCLowThresholdPercent)
	if k.CPUCFSQuota != nil {
		out["cpuCFSQuota"] = *k.CPUCFSQuota
	}
	return out
}

func setMap(out map[string]any, key string, m map[string]string) {
	if len(m) > 0 {
		out[key] = m
	}
}

func setInt(out map[string]any, key string, v *int32) {
	if v != nil {
		out[key] = *v
	}
}

// kubeletFlags returns the node class's kubelet settings as kubelet command-line
// flags (AL2 and Windows bootstrap scripts), in a fixed order. Cluster DNS is left
// to the bootstrap script's own option.
func kubeletFlags(o Options) []string {
	var flags []string
	if mp := maxPods(o); mp != nil {
		flags = append(flags, "--max-pods="+strconv.Itoa(int(*mp)))
	}
	k := o.Kubelet
	if k == nil {
		return flags
	}
	flags = appendPairs(flags, "--system-reserved=", k.SystemReserved, "=")
	flags = appendPairs(flags, "--kube-reserved=", k.KubeReserved, "=")
	flags = appendPairs(flags, "--eviction-hard=", k.EvictionHard, "<")
	flags = appendPairs(flags, "--eviction-soft=", k.EvictionSoft, "<")
	if len(k.EvictionSoftGracePeriod) > 0 {
		grace := map[string]string{}
		for key, d := range k.EvictionSoftGracePeriod {
			grace[key] = d.Duration.String()
		}
		flags = appendPairs(flags, "--eviction-soft-grace-period=", grace, "=")
	}
	flags = appendInt(flags, "--eviction-max-pod-grace-period=", k.EvictionMaxPodGracePeriod)
	flags = appendInt(flags, "--pods-per-core=", k.PodsPerCore)
	flags = appendInt(flags, "--image-gc-high-threshold=", k.ImageGCHighThresholdPercent)
	flags = appendInt(flags, "--image-gc-low-threshold=", k.ImageGCLowThresholdPercent)
	if k.CPUCFSQuota != nil {
		flags = append(flags, "--cpu-cfs-quota="+strconv.FormatBool(*k.CPUCFSQuota))
	}
	return flags
}

// appendPairs appends flag followed by m's pairs joined with sep, sorted by key.
func appendPairs(flags []string, flag string, m map[string]string, sep string) []string {
	if len(m) == 0 {
		return flags
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+sep+m[k])
	}
	return append(flags, flag+strings.Join(parts, ","))
}

func appendInt(flags []string, flag string, v *int32) []string {
	if v == nil {
		return flags
	}
	return append(flags, flag+strconv.Itoa(int(*v)))
}

// nodeFlags are the kubelet flags that carry the node's labels and taints.
func nodeFlags(o Options) []string {
	flags := []string{}
	if labels := nodeLabels(o.Labels); len(labels) > 0 {
		flags = append(flags, "--node-labels="+labelsFlag(labels))
	}
	return append(flags, "--register-with-taints="+taintsFlag(nodeTaints(o.Taints)))
}
