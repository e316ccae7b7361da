package kubelet

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Bootstrap is what the simulated kubelet takes from an instance's user data: the
// labels and taints to register the Node with, and a max-pods override.
//
// ParseUserData understands the user data of the EKS-optimized images:
//
//   - kubelet flags anywhere in a shell script or PowerShell script, as passed to
//     bootstrap.sh --kubelet-extra-args or Start-EKSBootstrap -KubeletExtraArgs:
//     --node-labels=k1=v1,k2=v2, --register-with-taints=k1=v1:NoSchedule,k2:NoExecute
//     and --max-pods=N; values may be quoted with " or ', and "=" may be a space;
//   - nodeadm NodeConfig YAML (AL2023): each entry of spec.kubelet.flags as above,
//     spec.kubelet.config.registerWithTaints (a list of {key, value, effect}) and
//     spec.kubelet.config.maxPods;
//   - Bottlerocket TOML: the tables [settings.kubernetes.node-labels]
//     ("key" = "value"), [settings.kubernetes.node-taints] ("key" = ["value:Effect"])
//     and max-pods = N in [settings.kubernetes].
//
// A MIME multi-part archive (what launchers send) is split into its parts first.
type Bootstrap struct {
	Labels  map[string]string
	Taints  []corev1.Taint
	MaxPods int32 // 0 when not set
}

// ParseUserData reads the labels, taints and max pods user data passes the kubelet.
func ParseUserData(userData string) (Bootstrap, error) {
	b := Bootstrap{Labels: map[string]string{}}
	parts, err := mimeParts(userData)
	if err != nil {
		return b, err
	}
	for _, part := range parts {
		var err error
		switch {
		case strings.Contains(part, "kind: NodeConfig"):
			err = b.parseNodeConfig(part)
		case strings.Contains(part, "[settings.kubernetes"):
			err = b.parseBottlerocket(part)
		default:
			err = b.parseFlags(part)
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// mimeParts splits a MIME multi-part archive into the bodies of its parts; other
// user data is one part.
func mimeParts(userData string) ([]string, error) {
	trimmed := strings.TrimSpace(userData)
	if !strings.HasPrefix(trimmed, "MIME-Version:") && !strings.HasPrefix(trimmed, "Content-Type:") {
		return []string{userData}, nil
	}
	msg, err := mail.ReadMessage(strings.NewReader(trimmed + "\n"))
	if err != nil {
		return nil, fmt.Errorf("reading MIME user data, %w", err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, fmt.Errorf("MIME user data without a multipart boundary")
	}
	var parts []string
	reader := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := reader.NextPart()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading MIME part, %w", err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("reading MIME part, %w", err)
		}
		parts = append(parts, string(body))
	}
}

// nodeConfig is the part of nodeadm's NodeConfig the kubelet reads.
type nodeConfig struct {
	Spec struct {
		Kubelet struct {
			Config map[string]json.RawMessage `json:"config"`
			Flags  []string                   `json:"flags"`
		} `json:"kubelet"`
	} `json:"spec"`
}

func (b *Bootstrap) parseNodeConfig(doc string) error {
	var cfg nodeConfig
	if err := yaml.Unmarshal([]byte(doc), &cfg); err != nil {
		return fmt.Errorf("parsing NodeConfig, %w", err)
	}
	for _, f := range cfg.Spec.Kubelet.Flags {
		if err := b.parseFlags(f); err != nil {
			return err
		}
	}
	if raw, ok := cfg.Spec.Kubelet.Config["registerWithTaints"]; ok {
		var taints []corev1.Taint
		if err := json.Unmarshal(raw, &taints); err != nil {
			return fmt.Errorf("parsing NodeConfig registerWithTaints, %w", err)
		}
		b.Taints = append(b.Taints, taints...)
	}
	if raw, ok := cfg.Spec.Kubelet.Config["maxPods"]; ok {
		if err := json.Unmarshal(raw, &b.MaxPods); err != nil {
			return fmt.Errorf("parsing NodeConfig maxPods, %w", err)
		}
	}
	return nil
}

// parseFlags finds the kubelet flags in text.
func (b *Bootstrap) parseFlags(text string) error {
	for _, v := range flagValues(text, "--node-labels") {
		labels, err := parseLabels(v)
		if err != nil {
			return err
		}
		for k, val := range labels {
			b.Labels[k] = val
		}
	}
	for _, v := range flagValues(text, "--register-with-taints") {
		taints, err := parseTaints(v)
		if err != nil {
			return err
		}
		b.Taints = append(b.Taints, taints...)
	}
	for _, v := range flagValues(text, "--max-pods") {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return fmt.Errorf("parsing --max-pods %q, %w", v, err)
		}
		b.MaxPods = int32(n)
	}
	return nil
}

// flagValues returns the value of every occurrence of flag in text.
func flagValues(text, flag string) []string {
	var out []string
	for rest := text; ; {
		i := strings.Index(rest, flag)
		if i < 0 {
			return out
		}
		rest = rest[i+len(flag):]
		if rest == "" || (rest[0] != '=' && rest[0] != ' ') {
			continue // a longer flag name
		}
		rest = strings.TrimLeft(rest[1:], " ")
		var value string
		value, rest = readValue(rest)
		out = append(out, value)
	}
}

// readValue reads a possibly quoted value at the start of s and returns it and
// what follows.
func readValue(s string) (string, string) {
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		if end := strings.IndexByte(s[1:], s[0]); end >= 0 {
			return s[1 : end+1], s[end+2:]
		}
		return s[1:], ""
	}
	end := strings.IndexAny(s, " \t\r\n'\"\\")
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}

// parseLabels parses "k1=v1,k2=v2".
func parseLabels(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("node label %q is not key=value", pair)
		}
		out[k] = v
	}
	return out, nil
}

// parseTaints parses "k1=v1:Effect,k2:Effect".
func parseTaints(s string) ([]corev1.Taint, error) {
	var out []corev1.Taint
	for _, spec := range strings.Split(s, ",") {
		if spec = strings.TrimSpace(spec); spec == "" {
			continue
		}
		taint, err := parseTaint(spec)
		if err != nil {
			return nil, err
		}
		out = append(out, taint)
	}
	return out, nil
}

func parseTaint(spec string) (corev1.Taint, error) {
	keyValue, effect, ok := strings.Cut(spec, ":")
	if !ok {
		return corev1.Taint{}, fmt.Errorf("taint %q has no effect", spec)
	}
	key, value, _ := strings.Cut(keyValue, "=")
	switch e := corev1.TaintEffect(effect); e {
	case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		return corev1.Taint{Key: key, Value: value, Effect: e}, nil
	}
	return corev1.Taint{}, fmt.Errorf("taint %q has an unknown effect", spec)
}

// parseBottlerocket reads Bottlerocket settings TOML line by line.
func (b *Bootstrap) parseBottlerocket(doc string) error {
	section := ""
	scanner := bufio.NewScanner(strings.NewReader(doc))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[] ")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		key, value = strings.Trim(strings.TrimSpace(key), `"`), strings.TrimSpace(value)
		if err := b.bottlerocketSetting(section, key, value); err != nil {
			return err
		}
	}
	return scanner.Err()
}

func (b *Bootstrap) bottlerocketSetting(section, key, value string) error {
	switch {
	case section == "settings.kubernetes.node-labels":
		b.Labels[key] = strings.Trim(value, `"`)
	case section == "settings.kubernetes.node-taints":
		for _, item := range strings.Split(strings.Trim(value, "[]"), ",") {
			if item = strings.Trim(strings.TrimSpace(item), `"`); item == "" {
				continue
			}
			taint, err := parseTaint(key + "=" + item)
			if err != nil {
				return err
			}
			b.Taints = append(b.Taints, taint)
		}
	case section == "settings.kubernetes" && key == "max-pods":
		n, err := strconv.ParseInt(value, 10, 32)
		if err != nil {
			return fmt.Errorf("parsing max-pods %q, %w", value, err)
		}
		b.MaxPods = int32(n)
	}
	return nil
}
