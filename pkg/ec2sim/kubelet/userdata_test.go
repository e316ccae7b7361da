package kubelet

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// nodeadmUserData is AL2023 user data as launchers write it: a MIME archive with a
// NodeConfig and a shell script.
const nodeadmUserData = `MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="//"

--//
Content-Type: text/x-shellscript; charset="us-ascii"

#!/bin/bash
echo custom
--//
Content-Type: application/node.eks.aws

# Karpenter Generated NodeConfig
apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  cluster:
    name: demo
    apiServerEndpoint: https://example.com
    cidr: 10.100.0.0/16
  kubelet:
    config:
      maxPods: 29
      registerWithTaints:
      - effect: NoExecute
        key: karpenter.sh/unregistered
      - effect: NoSchedule
        key: dedicated
        value: gpu
    flags:
    - --node-labels="karpenter.sh/capacity-type=on-demand,karpenter.sh/nodepool=default,team=blue"

--//--
`

const bootstrapShUserData = `MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/x-shellscript; charset="us-ascii"

#!/bin/bash -xe
/etc/eks/bootstrap.sh 'demo' --apiserver-endpoint 'https://example.com' \
--use-max-pods false \
--kubelet-extra-args '--node-labels="karpenter.sh/nodepool=default,team=red" --register-with-taints="karpenter.sh/unregistered:NoExecute,spot=true:PreferNoSchedule" --max-pods=58'
--BOUNDARY--
`

const bottlerocketUserData = `[settings.kubernetes]
api-server = "https://example.com"
cluster-name = "demo"
max-pods = 110

[settings.kubernetes.node-labels]
"karpenter.sh/nodepool" = "default"
"team" = "green"

[settings.kubernetes.node-taints]
"karpenter.sh/unregistered" = [":NoExecute"]
"dedicated" = ["ml:NoSchedule"]
`

func TestParseUserData(t *testing.T) {
	unregistered := corev1.Taint{Key: "karpenter.sh/unregistered", Effect: corev1.TaintEffectNoExecute}
	tests := []struct {
		name     string
		userData string
		want     Bootstrap
	}{
		{"nodeadm", nodeadmUserData, Bootstrap{
			Labels:  map[string]string{"karpenter.sh/capacity-type": "on-demand", "karpenter.sh/nodepool": "default", "team": "blue"},
			Taints:  []corev1.Taint{unregistered, {Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}},
			MaxPods: 29,
		}},
		{"bootstrap.sh", bootstrapShUserData, Bootstrap{
			Labels:  map[string]string{"karpenter.sh/nodepool": "default", "team": "red"},
			Taints:  []corev1.Taint{unregistered, {Key: "spot", Value: "true", Effect: corev1.TaintEffectPreferNoSchedule}},
			MaxPods: 58,
		}},
		{"bottlerocket", bottlerocketUserData, Bootstrap{
			Labels:  map[string]string{"karpenter.sh/nodepool": "default", "team": "green"},
			Taints:  []corev1.Taint{unregistered, {Key: "dedicated", Value: "ml", Effect: corev1.TaintEffectNoSchedule}},
			MaxPods: 110,
		}},
		{"plain flags", `#!/bin/bash
kubelet --node-labels a=1,b=2 --register-with-taints=x=y:NoSchedule`, Bootstrap{
			Labels: map[string]string{"a": "1", "b": "2"},
			Taints: []corev1.Taint{{Key: "x", Value: "y", Effect: corev1.TaintEffectNoSchedule}},
		}},
		{"nothing", "#!/bin/bash\necho hello\n", Bootstrap{Labels: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUserData(tt.userData)
			if err != nil {
				t.Fatalf("ParseUserData: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseUserDataRejectsBadTaints(t *testing.T) {
	if _, err := ParseUserData(`--register-with-taints="a=b:Sometimes"`); err == nil {
		t.Fatal("want an error for an unknown effect")
	}
}

func TestReservedCPU(t *testing.T) {
	for vcpus, want := range map[int64]int64{1: 60, 2: 70, 4: 80, 8: 90, 96: 310} {
		if got := reservedCPUMillis(vcpus); got != want {
			t.Fatalf("reservedCPUMillis(%d) = %d, want %d", vcpus, got, want)
		}
	}
}
