package scheme

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	schedconfig "k8s.io/kubernetes/pkg/scheduler/apis/config"
	kubeschedulerscheme "k8s.io/kubernetes/pkg/scheduler/apis/config/scheme"

	"github.com/tailor-sh/tailor/pkg/apis/config"
	configv1 "github.com/tailor-sh/tailor/pkg/apis/config/v1"
)

// decode reads a KubeSchedulerConfiguration the way kube-scheduler reads --config.
func decode(t *testing.T, yaml string) (*schedconfig.KubeSchedulerConfiguration, error) {
	t.Helper()
	obj, _, err := kubeschedulerscheme.Codecs.UniversalDecoder().Decode([]byte(yaml), nil, nil)
	if err != nil {
		return nil, err
	}
	cfg, ok := obj.(*schedconfig.KubeSchedulerConfiguration)
	if !ok {
		t.Fatalf("decoded a %T, want a KubeSchedulerConfiguration", obj)
	}
	return cfg, nil
}

// provisionerArgs returns the args the first profile holds for Provisioner.
func provisionerArgs(t *testing.T, cfg *schedconfig.KubeSchedulerConfiguration) *config.ProvisionerArgs {
	t.Helper()
	for _, pc := range cfg.Profiles[0].PluginConfig {
		if pc.Name != "Provisioner" {
			continue
		}
		args, ok := pc.Args.(*config.ProvisionerArgs)
		if !ok {
			t.Fatalf("Provisioner args decoded as %T, want *config.ProvisionerArgs", pc.Args)
		}
		return args
	}
	t.Fatal("no pluginConfig for Provisioner")
	return nil
}

func defaultedWith(idle time.Duration) *config.ProvisionerArgs {
	return &config.ProvisionerArgs{
		BatchIdleDuration:     metav1.Duration{Duration: idle},
		BatchMaxDuration:      metav1.Duration{Duration: configv1.DefaultBatchMaxDuration},
		MaxPodsPerBatch:       configv1.DefaultMaxPodsPerBatch,
		MaxNewNodesPerBatch:   configv1.DefaultMaxNewNodesPerBatch,
		MovedPodsWaitDuration: metav1.Duration{Duration: configv1.DefaultMovedPodsWaitDuration},
	}
}

const header = `
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: tailor-scheduler
  plugins:
    postFilter:
      enabled:
      - name: Provisioner
`

func TestDecodeDefaultsGivenArgs(t *testing.T) {
	cfg, err := decode(t, header+`
  pluginConfig:
  - name: Provisioner
    args:
      batchIdleDuration: 2s
`)
	if err != nil {
		t.Fatal(err)
	}
	want := defaultedWith(2 * time.Second)
	if diff := cmp.Diff(want, provisionerArgs(t, cfg)); diff != "" {
		t.Errorf("args differ (-want +got):\n%s", diff)
	}
}

func TestDecodeDefaultsMissingArgs(t *testing.T) {
	cfg, err := decode(t, header)
	if err != nil {
		t.Fatal(err)
	}
	want := defaultedWith(configv1.DefaultBatchIdleDuration)
	if diff := cmp.Diff(want, provisionerArgs(t, cfg)); diff != "" {
		t.Errorf("args differ (-want +got):\n%s", diff)
	}
}

func TestDecodeRejectsUnknownField(t *testing.T) {
	_, err := decode(t, header+`
  pluginConfig:
  - name: Provisioner
    args:
      batchIdleDurration: 2s
`)
	if err == nil || !strings.Contains(err.Error(), `unknown field "batchIdleDurration"`) {
		t.Fatalf("want an unknown field error, got %v", err)
	}
}

// The scheduler prints its configuration (--write-config-to, start-up log at -v=2)
// by converting back to v1.
func TestEncodeWritesVersionedArgs(t *testing.T) {
	cfg, err := decode(t, header)
	if err != nil {
		t.Fatal(err)
	}
	yaml := json.NewYAMLSerializer(json.DefaultMetaFactory, kubeschedulerscheme.Scheme, kubeschedulerscheme.Scheme)
	encoder := kubeschedulerscheme.Codecs.EncoderForVersion(yaml, configv1.SchemeGroupVersion)
	var out bytes.Buffer
	if err := encoder.Encode(cfg, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: ProvisionerArgs", "batchIdleDuration: 1s", "maxNewNodesPerBatch: 500", "movedPodsWaitDuration: 30s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("encoded config lacks %q:\n%s", want, out.String())
		}
	}
}
