package userdata

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// nodeConfig is the part of nodeadm's NodeConfig (node.eks.aws/v1alpha1) this
// package writes and reads.
type nodeConfig struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Spec       nodeConfigSpec `json:"spec"`
}

type nodeConfigSpec struct {
	Cluster *nodeConfigCluster `json:"cluster,omitempty"`
	Kubelet *nodeConfigKubelet `json:"kubelet,omitempty"`
}

type nodeConfigCluster struct {
	Name                 string `json:"name"`
	APIServerEndpoint    string `json:"apiServerEndpoint"`
	CertificateAuthority string `json:"certificateAuthority"`
	CIDR                 string `json:"cidr,omitempty"`
}

type nodeConfigKubelet struct {
	Config map[string]any `json:"config,omitempty"`
	Flags  []string       `json:"flags,omitempty"`
}

// renderAL2023 returns a MIME multi-part document: the parts of the node class's
// userData first, then the NodeConfig that joins the cluster, so that for the
// fields both set (nodeadm merges NodeConfigs in order) the cluster, labels, taints
// and node class kubelet settings win:
//
//	MIME-Version: 1.0
//	Content-Type: multipart/mixed; boundary="tailor-<24 hex>"
//
//	--tailor-<24 hex>
//	Content-Type: application/node.eks.aws
//
//	apiVersion: node.eks.aws/v1alpha1
//	kind: NodeConfig
//	spec:
//	  cluster:
//	    apiServerEndpoint: https://...
//	    certificateAuthority: <base64 PEM>
//	    cidr: 10.100.0.0/16
//	    name: my-cluster
//	  kubelet:
//	    config:
//	      clusterDNS:
//	      - 10.100.0.10
//	      maxPods: 29
//	    flags:
//	    - --node-labels=karpenter.sh/nodepool=default,team=a
//	    - --register-with-taints=dedicated=gpu:NoSchedule,karpenter.sh/unregistered:NoExecute
//	--tailor-<24 hex>--
func renderAL2023(o Options) (string, error) {
	parts, err := userParts(o.CustomUserData)
	if err != nil {
		return "", err
	}
	cfg := nodeConfig{
		APIVersion: "node.eks.aws/v1alpha1",
		Kind:       "NodeConfig",
		Spec: nodeConfigSpec{
			Cluster: &nodeConfigCluster{
				Name:                 o.ClusterName,
				APIServerEndpoint:    o.ClusterEndpoint,
				CertificateAuthority: o.ClusterCABundle,
				CIDR:                 o.ClusterCIDR,
			},
			Kubelet: &nodeConfigKubelet{Config: kubeletConfig(o), Flags: nodeFlags(o)},
		},
	}
	if len(cfg.Spec.Kubelet.Config) == 0 {
		cfg.Spec.Kubelet.Config = nil
	}
	body, err := yaml.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("encoding NodeConfig, %w", err)
	}
	parts = append(parts, mimePart{contentType: contentTypeNodeConfig, body: string(body)})
	return writeMIME(parts), nil
}

// parseNodeConfigs reads the kubelet flags of every NodeConfig document in s (YAML
// documents separated by "---", or JSON). Taints in spec.kubelet.config.registerWithTaints
// come back as a --register-with-taints flag.
func parseNodeConfigs(s string) ([]string, error) {
	var flags []string
	for _, doc := range splitYAMLDocuments(s) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var cfg nodeConfig
		if err := yaml.Unmarshal([]byte(doc), &cfg); err != nil {
			return nil, fmt.Errorf("decoding NodeConfig, %w", err)
		}
		if cfg.Kind != "NodeConfig" || cfg.Spec.Kubelet == nil {
			continue
		}
		flags = append(flags, cfg.Spec.Kubelet.Flags...)
		if raw, ok := cfg.Spec.Kubelet.Config["registerWithTaints"]; ok {
			taints, err := configTaints(raw)
			if err != nil {
				return nil, err
			}
			flags = append(flags, "--register-with-taints="+taintsFlag(taints))
		}
	}
	return flags, nil
}

// configTaints reads a KubeletConfiguration registerWithTaints list.
func configTaints(raw any) ([]corev1.Taint, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("reading NodeConfig registerWithTaints, %w", err)
	}
	var taints []corev1.Taint
	if err := json.Unmarshal(b, &taints); err != nil {
		return nil, fmt.Errorf("reading NodeConfig registerWithTaints, %w", err)
	}
	return taints, nil
}

// splitYAMLDocuments splits s at lines that are exactly "---".
func splitYAMLDocuments(s string) []string {
	var docs []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimRight(line, " \t\r") == "---" {
			docs = append(docs, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(line + "\n")
	}
	return append(docs, cur.String())
}
