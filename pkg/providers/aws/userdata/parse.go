package userdata

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ErrNoBootstrap means the user data holds no bootstrap this package can read (no
// NodeConfig, bootstrap.sh call, Start-EKSBootstrap call or Bottlerocket
// [settings.kubernetes]); Custom user data is like that.
var ErrNoBootstrap = errors.New("user data has no node bootstrap configuration")

// Parse reads back the node labels and taints that user data registers the node
// with, from any format Render writes, and from base64 of one:
//   - MIME multi-part: every application/node.eks.aws part (nodeadm NodeConfig,
//     spec.kubelet.flags) and every text/x-shellscript part (bootstrap.sh
//     --kubelet-extra-args), later parts adding to earlier ones;
//   - a bare NodeConfig, bash script, <powershell> block or Bottlerocket TOML.
//
// Labels come from --node-labels=k=v,... and taints from
// --register-with-taints=k=v:Effect,... (Bottlerocket: settings.kubernetes.node-labels
// and node-taints). It fails with ErrNoBootstrap when nothing is found.
func Parse(userData string) (map[string]string, []corev1.Taint, error) {
	labels, taints, err := parse(userData)
	if errors.Is(err, ErrNoBootstrap) {
		if decoded, decErr := base64.StdEncoding.DecodeString(strings.TrimSpace(userData)); decErr == nil {
			return parse(string(decoded))
		}
	}
	return labels, taints, err
}

func parse(userData string) (map[string]string, []corev1.Taint, error) {
	trimmed := strings.TrimSpace(userData)
	switch {
	case isMIME(trimmed):
		return parseMIME(trimmed)
	case strings.HasPrefix(trimmed, "<powershell>"):
		return parseExtraArgs(windowsExtraArgs(trimmed))
	case isNodeConfig(trimmed):
		return parseNodeConfigFlags(trimmed)
	case strings.HasPrefix(trimmed, "#!") || strings.Contains(trimmed, bootstrapScript):
		return parseExtraArgs(bootstrapExtraArgs(trimmed))
	case strings.HasPrefix(trimmed, "["):
		labels, taints, found, err := parseBottlerocket(trimmed)
		if err == nil && !found {
			err = ErrNoBootstrap
		}
		return labels, taints, err
	}
	return nil, nil, ErrNoBootstrap
}

// parseMIME reads the node config and bootstrap script parts of a MIME document.
func parseMIME(s string) (map[string]string, []corev1.Taint, error) {
	parts, err := readMIME(s)
	if err != nil {
		return nil, nil, err
	}
	var flags []string
	found := false
	for i, p := range parts {
		body, err := p.decoded()
		if err != nil {
			return nil, nil, fmt.Errorf("reading MIME part %d, %w", i+1, err)
		}
		switch p.mediaType() {
		case contentTypeNodeConfig:
			fs, err := parseNodeConfigs(body)
			if err != nil {
				return nil, nil, fmt.Errorf("reading MIME part %d, %w", i+1, err)
			}
			flags, found = append(flags, fs...), found || len(fs) > 0
		case "text/x-shellscript":
			extra, ok, err := bootstrapExtraArgs(body)
			if err != nil {
				return nil, nil, fmt.Errorf("reading MIME part %d, %w", i+1, err)
			}
			flags, found = append(flags, strings.Fields(extra)...), found || ok
		}
	}
	if !found {
		return nil, nil, ErrNoBootstrap
	}
	return nodeFromFlags(flags)
}

func parseNodeConfigFlags(s string) (map[string]string, []corev1.Taint, error) {
	flags, err := parseNodeConfigs(s)
	if err != nil {
		return nil, nil, err
	}
	if len(flags) == 0 {
		return nil, nil, ErrNoBootstrap
	}
	return nodeFromFlags(flags)
}

// parseExtraArgs reads labels and taints from a bootstrap call's kubelet arguments.
func parseExtraArgs(extra string, found bool, err error) (map[string]string, []corev1.Taint, error) {
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, ErrNoBootstrap
	}
	return nodeFromFlags(strings.Fields(extra))
}

// nodeFromFlags reads --node-labels and --register-with-taints (each may repeat;
// values may be quoted) from kubelet flags.
func nodeFromFlags(flags []string) (map[string]string, []corev1.Taint, error) {
	labels := map[string]string{}
	var taints []corev1.Taint
	for _, f := range flags {
		if v, ok := flagValue(f, "--node-labels"); ok {
			if err := parseLabels(v, labels); err != nil {
				return nil, nil, err
			}
		}
		if v, ok := flagValue(f, "--register-with-taints"); ok {
			ts, err := parseTaints(v)
			if err != nil {
				return nil, nil, err
			}
			taints = append(taints, ts...)
		}
	}
	return labels, taints, nil
}

// flagValue returns the value of --name=value, without surrounding quotes.
func flagValue(flag, name string) (string, bool) {
	v, ok := strings.CutPrefix(flag, name+"=")
	if !ok {
		return "", false
	}
	return strings.Trim(v, `"'`), true
}

func parseLabels(v string, into map[string]string) error {
	for _, pair := range strings.Split(v, ",") {
		if pair == "" {
			continue
		}
		k, val, ok := strings.Cut(pair, "=")
		if !ok {
			return fmt.Errorf("reading --node-labels, %q is not key=value", pair)
		}
		into[k] = val
	}
	return nil
}

// parseTaints reads key=value:Effect and key:Effect items, comma-separated.
func parseTaints(v string) ([]corev1.Taint, error) {
	var out []corev1.Taint
	for _, item := range strings.Split(v, ",") {
		if item == "" {
			continue
		}
		kv, effect, ok := cutLast(item, ":")
		if !ok {
			return nil, fmt.Errorf("reading --register-with-taints, %q has no effect, use key=value:Effect", item)
		}
		key, value, _ := strings.Cut(kv, "=")
		out = append(out, corev1.Taint{Key: key, Value: value, Effect: corev1.TaintEffect(effect)})
	}
	return out, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
