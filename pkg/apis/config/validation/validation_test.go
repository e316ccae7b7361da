package validation

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/tailor-sh/tailor/pkg/apis/config"
)

func validArgs() config.ProvisionerArgs {
	return config.ProvisionerArgs{
		BatchIdleDuration:     metav1.Duration{Duration: time.Second},
		BatchMaxDuration:      metav1.Duration{Duration: 10 * time.Second},
		MaxPodsPerBatch:       1000,
		MaxNewNodesPerBatch:   500,
		MovedPodsWaitDuration: metav1.Duration{Duration: 30 * time.Second},
	}
}

func TestValidateProvisionerArgs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*config.ProvisionerArgs)
		wants []string // substrings of the error; none means valid
	}{{
		name: "defaults are valid",
		edit: func(*config.ProvisionerArgs) {},
	}, {
		name: "idle equal to max is valid",
		edit: func(a *config.ProvisionerArgs) { a.BatchIdleDuration = a.BatchMaxDuration },
	}, {
		name:  "zero idle duration",
		edit:  func(a *config.ProvisionerArgs) { a.BatchIdleDuration.Duration = 0 },
		wants: []string{`args.batchIdleDuration: Invalid value: "0s": must be greater than zero`},
	}, {
		name:  "negative max duration",
		edit:  func(a *config.ProvisionerArgs) { a.BatchMaxDuration.Duration = -time.Second },
		wants: []string{`args.batchMaxDuration: Invalid value: "-1s": must be greater than zero`},
	}, {
		name:  "idle longer than max",
		edit:  func(a *config.ProvisionerArgs) { a.BatchIdleDuration.Duration = 20 * time.Second },
		wants: []string{`args.batchIdleDuration: Invalid value: "20s": must not be longer than batchMaxDuration (10s)`},
	}, {
		name:  "zero pods per batch",
		edit:  func(a *config.ProvisionerArgs) { a.MaxPodsPerBatch = 0 },
		wants: []string{"args.maxPodsPerBatch: Invalid value: 0: must be greater than zero"},
	}, {
		name: "no wait for moved pods is valid",
		edit: func(a *config.ProvisionerArgs) { a.MovedPodsWaitDuration.Duration = 0 },
	}, {
		name:  "negative wait for moved pods",
		edit:  func(a *config.ProvisionerArgs) { a.MovedPodsWaitDuration.Duration = -time.Second },
		wants: []string{`args.movedPodsWaitDuration: Invalid value: "-1s": must not be negative`},
	}, {
		name: "every error is reported at once",
		edit: func(a *config.ProvisionerArgs) { *a = config.ProvisionerArgs{MaxNewNodesPerBatch: -1} },
		wants: []string{
			"args.batchIdleDuration: Invalid value",
			"args.batchMaxDuration: Invalid value",
			"args.maxPodsPerBatch: Invalid value",
			"args.maxNewNodesPerBatch: Invalid value: -1",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			args := validArgs()
			tc.edit(&args)
			err := ValidateProvisionerArgs(field.NewPath("args"), &args)
			if len(tc.wants) == 0 {
				if err != nil {
					t.Fatalf("want valid args, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error containing %q, got none", tc.wants)
			}
			for _, want := range tc.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
