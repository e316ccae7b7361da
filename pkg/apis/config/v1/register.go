package v1

import (
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	configv1 "k8s.io/kube-scheduler/config/v1"

	"github.com/tailor-sh/tailor/pkg/apis/config"
)

// SchemeGroupVersion is kubescheduler.config.k8s.io/v1, the version users write.
var SchemeGroupVersion = configv1.SchemeGroupVersion

// AddToScheme adds this package's types, defaults and conversions, and nothing
// else, to a scheme.
func AddToScheme(s *runtime.Scheme) error {
	return registerAll(s)
}

func init() {
	// kube-scheduler builds the scheme that decodes, defaults and converts plugin
	// args lazily from this builder; registering here makes it handle ours too.
	configv1.SchemeBuilder.Register(registerAll)
}

func registerAll(s *runtime.Scheme) error {
	s.AddKnownTypes(SchemeGroupVersion, &ProvisionerArgs{})
	s.AddTypeDefaultingFunc(&ProvisionerArgs{}, func(obj interface{}) {
		SetDefaults_ProvisionerArgs(obj.(*ProvisionerArgs))
	})
	if err := s.AddConversionFunc((*ProvisionerArgs)(nil), (*config.ProvisionerArgs)(nil), func(a, b interface{}, scope conversion.Scope) error {
		return Convert_v1_ProvisionerArgs_To_config_ProvisionerArgs(a.(*ProvisionerArgs), b.(*config.ProvisionerArgs), scope)
	}); err != nil {
		return err
	}
	return s.AddConversionFunc((*config.ProvisionerArgs)(nil), (*ProvisionerArgs)(nil), func(a, b interface{}, scope conversion.Scope) error {
		return Convert_config_ProvisionerArgs_To_v1_ProvisionerArgs(a.(*config.ProvisionerArgs), b.(*ProvisionerArgs), scope)
	})
}
