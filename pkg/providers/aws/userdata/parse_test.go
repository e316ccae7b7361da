package userdata

import (
	"errors"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, userData string
		labels         map[string]string
		taints         []corev1.Taint
	}{
		{"bootstrap.sh with continuations and double quotes", "#!/bin/bash\n/etc/eks/bootstrap.sh my-cluster \\\n  --kubelet-extra-args \"--node-labels=a=b,c=d --register-with-taints=k=v:NoSchedule\"\n",
			map[string]string{"a": "b", "c": "d"}, []corev1.Taint{taint("k", "v", "NoSchedule")}},
		{"bootstrap.sh with = form", "/etc/eks/bootstrap.sh c --kubelet-extra-args='--node-labels=a=b'\n",
			map[string]string{"a": "b"}, nil},
		{"NodeConfig with registerWithTaints", `---
apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  kubelet:
    config:
      registerWithTaints:
      - key: k
        value: v
        effect: NoExecute
    flags: ["--node-labels=a=b"]
`, map[string]string{"a": "b"}, []corev1.Taint{taint("k", "v", "NoExecute")}},
		{"Bottlerocket with a single taint string", "[settings.kubernetes.node-taints]\nk = \"v:NoSchedule\"\n",
			map[string]string{}, []corev1.Taint{taint("k", "v", "NoSchedule")}},
		{"MIME with a base64 part", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\nL2V0Yy9la3MvYm9vdHN0cmFwLnNoIGMgLS1rdWJlbGV0LWV4dHJhLWFyZ3MgJy0tbm9kZS1sYWJlbHM9YT1iJwo=\n--b--\n",
			map[string]string{"a": "b"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labels, taints, err := Parse(tc.userData)
			if err != nil {
				t.Fatalf("Parse failed: %v", err)
			}
			if !reflect.DeepEqual(labels, tc.labels) || !reflect.DeepEqual(taints, tc.taints) {
				t.Errorf("Parse = %v, %v; want %v, %v", labels, taints, tc.labels, tc.taints)
			}
		})
	}
}

func TestParseFailures(t *testing.T) {
	for name, userData := range map[string]string{
		"plain text":               "hello",
		"script without bootstrap": "#!/bin/bash\necho --node-labels=a=b\n",
		"TOML without kubernetes":  "[settings.host-containers.admin]\nenabled = true\n",
		"MIME without bootstrap":   "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/x-shellscript\n\necho hi\n--b--\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := Parse(userData); !errors.Is(err, ErrNoBootstrap) {
				t.Errorf("Parse error = %v, want ErrNoBootstrap", err)
			}
		})
	}
	if _, _, err := Parse("/etc/eks/bootstrap.sh c --kubelet-extra-args '--register-with-taints=k=v'"); err == nil || errors.Is(err, ErrNoBootstrap) {
		t.Errorf("Parse of a taint without effect = %v, want a parse error", err)
	}
}

func TestShellWords(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{`a 'b c' "d \"e\" $f" g\ h`, []string{"a", "b c", `d "e" $f`, "g h"}},
		{`x'y'"z" # comment`, []string{"xyz"}},
		{`'it'"'"'s'`, []string{"it's"}},
		{"", nil},
	} {
		if got, err := shellWords(tc.line); err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("shellWords(%q) = %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
	for _, bad := range []string{`'open`, `"open`} {
		if _, err := shellWords(bad); err == nil {
			t.Errorf("shellWords(%q) succeeded, want an error", bad)
		}
	}
}
