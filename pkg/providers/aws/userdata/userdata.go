// Package userdata renders the EC2 user data that makes an instance join the cluster
// as the node of a NodeClaim, one format per AMI family, and reads the node labels
// and taints back from it (Parse). Everything here is a pure function of its inputs:
// the same Options always give the same bytes, so launch templates named by a hash
// of their user data are reused.
//
// Formats (the comments in al2023.go, al2.go, bottlerocket.go and windows.go show
// their exact shape):
//   - AL2023: a MIME multi-part document whose last part is a nodeadm NodeConfig.
//   - AL2: a MIME multi-part document whose last part is a bash script calling
//     /etc/eks/bootstrap.sh.
//   - Bottlerocket: TOML settings.
//   - Windows2019/Windows2022: a <powershell> block calling Start-EKSBootstrap.ps1.
//   - Custom: the node class's userData unchanged.
package userdata

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	kubeletapis "k8s.io/kubelet/pkg/apis"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// AMI families, spelled as EC2NodeClass spec.amiFamily spells them.
const (
	FamilyAL2          = "AL2"
	FamilyAL2023       = "AL2023"
	FamilyBottlerocket = "Bottlerocket"
	FamilyCustom       = "Custom"
	FamilyWindows2019  = "Windows2019"
	FamilyWindows2022  = "Windows2022"
)

// Options are the inputs of a node's bootstrap.
type Options struct {
	// ClusterName, ClusterEndpoint and ClusterCABundle (base64 PEM) say which cluster
	// to join.
	ClusterName     string
	ClusterEndpoint string
	ClusterCABundle string
	// ClusterCIDR is the service CIDR (nodeadm's spec.cluster.cidr); optional.
	ClusterCIDR string
	// ClusterDNS is the cluster DNS server address; Kubelet.ClusterDNS wins over it.
	ClusterDNS string
	// Labels of the node. Labels in the kubernetes.io and k8s.io namespaces that a
	// kubelet may not set on itself are left out (the launcher sets them when the
	// node registers).
	Labels map[string]string
	// Taints of the node (the claim's taints, then its startup taints). The
	// karpenter.sh/unregistered:NoExecute taint is always added.
	Taints []corev1.Taint
	// MaxPods is the node's pod limit; when nil, Kubelet.MaxPods.
	MaxPods *int32
	// Kubelet settings of the node class.
	Kubelet *ec2v1.KubeletConfiguration
	// CustomUserData is the node class's userData, merged in the family's way.
	CustomUserData string
}

// Render returns the user data (not base64-encoded) of family for o.
func Render(family string, o Options) (string, error) {
	if family == FamilyCustom {
		return o.CustomUserData, nil
	}
	if err := validate(o); err != nil {
		return "", fmt.Errorf("rendering %s user data, %w", family, err)
	}
	var out string
	var err error
	switch family {
	case FamilyAL2023:
		out, err = renderAL2023(o)
	case FamilyAL2:
		out, err = renderAL2(o)
	case FamilyBottlerocket:
		out, err = renderBottlerocket(o)
	case FamilyWindows2019, FamilyWindows2022:
		out, err = renderWindows(o)
	default:
		return "", fmt.Errorf("rendering user data, unknown AMI family %q (use one of AL2, AL2023, Bottlerocket, Custom, Windows2019, Windows2022)", family)
	}
	if err != nil {
		return "", fmt.Errorf("rendering %s user data, %w", family, err)
	}
	return out, nil
}

// nodeLabels returns the labels a kubelet may register its node with.
func nodeLabels(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		if kubeletMaySet(k) {
			out[k] = v
		}
	}
	return out
}

// kubeletMaySet reports whether a kubelet may start with a label of key: the
// NodeRestriction admission plugin and the kubelet itself refuse kubernetes.io and
// k8s.io labels outside a short list, and the kubelet sets the hostname itself.
func kubeletMaySet(key string) bool {
	if key == corev1.LabelHostname {
		return false
	}
	ns, _, found := strings.Cut(key, "/")
	if !found {
		return true
	}
	restricted := ns == "kubernetes.io" || strings.HasSuffix(ns, ".kubernetes.io") ||
		ns == "k8s.io" || strings.HasSuffix(ns, ".k8s.io")
	return !restricted || kubeletapis.IsKubeletLabel(key)
}

// nodeTaints returns o's taints plus the unregistered taint, without duplicates
// (same key and effect), in the order given.
func nodeTaints(taints []corev1.Taint) []corev1.Taint {
	all := append(append([]corev1.Taint{}, taints...), wellknown.UnregisteredNoExecuteTaint)
	seen := map[string]bool{}
	out := make([]corev1.Taint, 0, len(all))
	for _, t := range all {
		id := t.Key + ":" + string(t.Effect)
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, corev1.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
	}
	return out
}

// sortedKeys returns the keys of m, sorted.

// labelsFlag is the kubelet's --node-labels value: k=v pairs, sorted, comma-joined.
func labelsFlag(labels map[string]string) string {
	parts := make([]string, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		parts = append(parts, k+"="+labels[k])
	}
	return strings.Join(parts, ",")
}

// taintString is a taint as the kubelet's --register-with-taints reads it:
// key=value:Effect, or key:Effect without a value.
func taintString(t corev1.Taint) string {
	if t.Value == "" {
		return t.Key + ":" + string(t.Effect)
	}
	return t.Key + "=" + t.Value + ":" + string(t.Effect)
}

// taintsFlag is the kubelet's --register-with-taints value.
func taintsFlag(taints []corev1.Taint) string {
	parts := make([]string, 0, len(taints))
	for _, t := range taints {
		parts = append(parts, taintString(t))
	}
	return strings.Join(parts, ",")
}

// maxPods is the effective pod limit, or nil.
func maxPods(o Options) *int32 {
	if o.MaxPods != nil {
		return o.MaxPods
	}
	if o.Kubelet != nil {
		return o.Kubelet.MaxPods
	}
	return nil
}

// clusterDNS is the node's DNS server list: the node class's, else the setting's.
func clusterDNS(o Options) []string {
	if o.Kubelet != nil && len(o.Kubelet.ClusterDNS) > 0 {
		return o.Kubelet.ClusterDNS
	}
	if o.ClusterDNS != "" {
		return []string{o.ClusterDNS}
	}
	return nil
}

// kubeletValue is what a reserved resource, an eviction threshold or a DNS address
// may look like: quantities ("100Mi", "0.5"), percentages ("10%"), IPs, durations.
var kubeletValue = regexp.MustCompile(`^[A-Za-z0-9.:%+-]+$`)

// validate refuses labels, taints and kubelet values that the kubelet would refuse,
// or that could break out of the quoting of a format.
func validate(o Options) error {
	for k, v := range o.Labels {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("label key %q is invalid: %s", k, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return fmt.Errorf("label %s value %q is invalid: %s", k, v, strings.Join(errs, "; "))
		}
	}
	for _, t := range o.Taints {
		if err := validateTaint(t); err != nil {
			return err
		}
	}
	return validateKubelet(o)
}

func validateTaint(t corev1.Taint) error {
	if errs := validation.IsQualifiedName(t.Key); len(errs) > 0 {
		return fmt.Errorf("taint key %q is invalid: %s", t.Key, strings.Join(errs, "; "))
	}
	if errs := validation.IsValidLabelValue(t.Value); len(errs) > 0 {
		return fmt.Errorf("taint %s value %q is invalid: %s", t.Key, t.Value, strings.Join(errs, "; "))
	}
	switch t.Effect {
	case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		return nil
	}
	return fmt.Errorf("taint %s effect %q is invalid, use NoSchedule, PreferNoSchedule or NoExecute", t.Key, t.Effect)
}

func validateKubelet(o Options) error {
	for _, dns := range clusterDNS(o) {
		if !kubeletValue.MatchString(dns) {
			return fmt.Errorf("cluster DNS address %q is invalid", dns)
		}
	}
	k := o.Kubelet
	if k == nil {
		return nil
	}
	for name, m := range map[string]map[string]string{
		"systemReserved": k.SystemReserved, "kubeReserved": k.KubeReserved,
		"evictionHard": k.EvictionHard, "evictionSoft": k.EvictionSoft,
	} {
		for key, v := range m {
			if !kubeletValue.MatchString(key) || !kubeletValue.MatchString(v) {
				return fmt.Errorf("kubelet %s %q: %q is invalid, use a quantity or a percentage", name, key, v)
			}
		}
	}
	for key := range k.EvictionSoftGracePeriod {
		if !kubeletValue.MatchString(key) {
			return fmt.Errorf("kubelet evictionSoftGracePeriod key %q is invalid", key)
		}
	}
	return nil
}
