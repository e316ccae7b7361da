package v1

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestSetDefaultsProvisionerArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   ProvisionerArgs
		want ProvisionerArgs
	}{{
		name: "empty args take every default",
		want: ProvisionerArgs{
			BatchIdleDuration:     &metav1.Duration{Duration: time.Second},
			BatchMaxDuration:      &metav1.Duration{Duration: 10 * time.Second},
			MaxPodsPerBatch:       ptr.To[int32](1000),
			MaxNewNodesPerBatch:   ptr.To[int32](500),
			MovedPodsWaitDuration: &metav1.Duration{Duration: 30 * time.Second},
		},
	}, {
		name: "set fields are kept, even zero ones (validation rejects those)",
		in: ProvisionerArgs{
			BatchIdleDuration:     &metav1.Duration{Duration: 2 * time.Second},
			MaxPodsPerBatch:       ptr.To[int32](0),
			MovedPodsWaitDuration: &metav1.Duration{},
		},
		want: ProvisionerArgs{
			BatchIdleDuration:     &metav1.Duration{Duration: 2 * time.Second},
			BatchMaxDuration:      &metav1.Duration{Duration: 10 * time.Second},
			MaxPodsPerBatch:       ptr.To[int32](0),
			MaxNewNodesPerBatch:   ptr.To[int32](500),
			MovedPodsWaitDuration: &metav1.Duration{},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.DeepCopy()
			SetDefaults_ProvisionerArgs(got)
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Errorf("defaulted args differ (-want +got):\n%s", diff)
			}
		})
	}
}
