// Package scheme registers the args of this project's scheduler plugins with
// kube-scheduler's config scheme, so that a KubeSchedulerConfiguration can carry
// them, typo-checked, defaulted and converted. Import it for its side effect:
//
//	import _ "github.com/tailor-sh/tailor/pkg/apis/config/scheme"
package scheme

import (
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	kubeschedulerscheme "k8s.io/kubernetes/pkg/scheduler/apis/config/scheme"

	"github.com/tailor-sh/tailor/pkg/apis/config"
	configv1 "github.com/tailor-sh/tailor/pkg/apis/config/v1"
)

func init() {
	// kube-scheduler's config scheme may have been built before the config and v1
	// packages registered with its builders, so add our types to it directly too.
	utilruntime.Must(config.AddToScheme(kubeschedulerscheme.Scheme))
	utilruntime.Must(configv1.AddToScheme(kubeschedulerscheme.Scheme))
}
