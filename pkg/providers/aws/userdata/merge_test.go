package userdata

import (
	"reflect"
	"strings"
	"testing"
)

const userNodeConfig = `apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  kubelet:
    config:
      shutdownGracePeriod: 30s
    flags:
    - --node-labels=user-label=kept
`

const userMIME = `MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/x-shellscript; charset="us-ascii"

#!/bin/bash
echo first
--BOUNDARY
Content-Type: text/cloud-config

#cloud-config
packages: [htop]
--BOUNDARY--
`

func TestMIMEFamiliesMergeUserData(t *testing.T) {
	for _, tc := range []struct {
		name, family, userData string
		// wantTypes are the media types of the parts, in order.
		wantTypes  []string
		wantBodies []string
		// extraLabels are labels the user's own parts add.
		extraLabels map[string]string
	}{
		{name: "AL2023 script", family: FamilyAL2023, userData: "#!/bin/bash\necho hi\n",
			wantTypes: []string{"text/x-shellscript", contentTypeNodeConfig}, wantBodies: []string{"echo hi"}},
		{name: "AL2023 NodeConfig", family: FamilyAL2023, userData: userNodeConfig,
			wantTypes: []string{contentTypeNodeConfig, contentTypeNodeConfig}, wantBodies: []string{"shutdownGracePeriod: 30s"},
			extraLabels: map[string]string{"user-label": "kept"}},
		{name: "AL2023 MIME", family: FamilyAL2023, userData: userMIME,
			wantTypes: []string{"text/x-shellscript", "text/cloud-config", contentTypeNodeConfig}, wantBodies: []string{"echo first", "packages: [htop]"}},
		{name: "AL2023 cloud-config", family: FamilyAL2023, userData: "#cloud-config\nruncmd: [ls]\n",
			wantTypes: []string{"text/cloud-config", contentTypeNodeConfig}, wantBodies: []string{"runcmd: [ls]"}},
		{name: "AL2 script", family: FamilyAL2, userData: "#!/bin/bash\necho hi\n",
			wantTypes: []string{"text/x-shellscript", "text/x-shellscript"}, wantBodies: []string{"echo hi"}},
		{name: "AL2 MIME", family: FamilyAL2, userData: userMIME,
			wantTypes: []string{"text/x-shellscript", "text/cloud-config", "text/x-shellscript"}, wantBodies: []string{"echo first", "packages: [htop]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := options()
			o.CustomUserData = tc.userData
			out := mustRender(t, tc.family, o)
			parts, err := readMIME(out)
			if err != nil {
				t.Fatalf("reading rendered MIME: %v\n%s", err, out)
			}
			var types []string
			for _, p := range parts {
				types = append(types, p.mediaType())
			}
			if !reflect.DeepEqual(types, tc.wantTypes) {
				t.Errorf("part types = %v, want %v\n%s", types, tc.wantTypes, out)
			}
			for i, body := range tc.wantBodies {
				if !strings.Contains(parts[i].body, body) {
					t.Errorf("part %d = %q, want it to contain %q", i, parts[i].body, body)
				}
			}
			labels := options().Labels
			for k, v := range tc.extraLabels {
				labels[k] = v
			}
			expectNode(t, out, labels, wantTaints())
		})
	}
}

func TestMIMEFamiliesRefuseBrokenMIME(t *testing.T) {
	o := options()
	o.CustomUserData = "MIME-Version: 1.0\nContent-Type: text/plain\n\nhello\n"
	if _, err := Render(FamilyAL2023, o); err == nil {
		t.Error("Render succeeded with a MIME userData that is not multipart, want an error")
	}
}

const userBottlerocket = `# my settings
[settings.kubernetes]
cluster-name = "someone-else"
max-pods = 110
cluster-dns-ip = ["10.0.0.2", "10.0.0.3"]

[settings.kubernetes.node-labels]
"team" = "overwritten"
mine = "kept"

[settings.kubernetes.node-taints]
"user.example.com/taint" = ["x:NoSchedule", "y:NoExecute"]

[settings.host-containers.admin]
enabled = true
superpowered = true
source = 'public.ecr.aws/bottlerocket/admin:v0.11'

[settings.kernel.sysctl]
"net.ipv4.ip_forward" = "1"
`

func TestBottlerocketMergesUserTOML(t *testing.T) {
	o := options()
	o.CustomUserData = userBottlerocket
	out := mustRender(t, FamilyBottlerocket, o)
	doc, err := parseTOML(out)
	if err != nil {
		t.Fatalf("rendered TOML does not parse: %v\n%s", err, out)
	}
	settings := doc["settings"].(map[string]any)
	k8s := settings["kubernetes"].(map[string]any)
	for key, want := range map[string]any{
		"cluster-name":   "my-cluster",
		"max-pods":       int64(110),
		"cluster-dns-ip": []any{"10.0.0.2", "10.0.0.3"},
	} {
		if !reflect.DeepEqual(k8s[key], want) {
			t.Errorf("settings.kubernetes.%s = %#v, want %#v", key, k8s[key], want)
		}
	}
	admin := settings["host-containers"].(map[string]any)["admin"].(map[string]any)
	if admin["source"] != "public.ecr.aws/bottlerocket/admin:v0.11" || admin["enabled"] != true {
		t.Errorf("user's host container settings were not kept: %v", admin)
	}
	labels := options().Labels
	labels["mine"] = "kept"
	taints := append(wantTaints(), taint("user.example.com/taint", "x", "NoSchedule"), taint("user.example.com/taint", "y", "NoExecute"))
	expectNode(t, out, labels, taints)
}

func TestBottlerocketRefusesBadUserTOML(t *testing.T) {
	for name, userData := range map[string]string{
		"not TOML":            "this is not toml",
		"kubernetes is value": "[settings]\nkubernetes = 1\n",
		"array of tables":     "[[settings.network.hosts]]\nip = \"1.2.3.4\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			o := options()
			o.CustomUserData = userData
			if out, err := Render(FamilyBottlerocket, o); err == nil {
				t.Errorf("Render succeeded, want an error:\n%s", out)
			}
		})
	}
}

func TestWindowsMergesUserScript(t *testing.T) {
	o := options()
	o.CustomUserData = "<powershell>\nWrite-Host 'hello'\n</powershell>"
	out := mustRender(t, FamilyWindows2022, o)
	if strings.Count(out, "<powershell>") != 1 || !strings.Contains(out, "<powershell>\nWrite-Host 'hello'\n[string]$EKSBootstrapScriptFile") {
		t.Errorf("user script not merged first into one block:\n%s", out)
	}
	expectNode(t, out, options().Labels, wantTaints())
}
