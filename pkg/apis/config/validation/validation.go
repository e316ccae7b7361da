// Package validation checks the internal args of this project's scheduler plugins.
// A plugin's New calls its Validate function, so bad args stop the scheduler at
// start-up with the message.
package validation

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/tailor-sh/tailor/pkg/apis/config"
)

// ValidateProvisionerArgs checks that both batch durations are positive, that the
// idle duration is no longer than the max duration, that both caps are
// positive and that the moved pods' wait is not negative. path prefixes the field names in the messages; nil is fine.
func ValidateProvisionerArgs(path *field.Path, args *config.ProvisionerArgs) error {
	var errs field.ErrorList
	errs = append(errs, positiveDuration(path.Child("batchIdleDuration"), args.BatchIdleDuration)...)
	errs = append(errs, positiveDuration(path.Child("batchMaxDuration"), args.BatchMaxDuration)...)
	if args.BatchIdleDuration.Duration > args.BatchMaxDuration.Duration && args.BatchMaxDuration.Duration > 0 {
		errs = append(errs, field.Invalid(path.Child("batchIdleDuration"), args.BatchIdleDuration.Duration.String(),
			fmt.Sprintf("must not be longer than batchMaxDuration (%s)", args.BatchMaxDuration.Duration)))
	}
	errs = append(errs, positiveCount(path.Child("maxPodsPerBatch"), args.MaxPodsPerBatch)...)
	errs = append(errs, positiveCount(path.Child("maxNewNodesPerBatch"), args.MaxNewNodesPerBatch)...)
	if d := args.MovedPodsWaitDuration.Duration; d < 0 {
		errs = append(errs, field.Invalid(path.Child("movedPodsWaitDuration"), d.String(), "must not be negative; 0s plans new capacity for moved pods at once"))
	}
	return errs.ToAggregate()
}

func positiveDuration(path *field.Path, d metav1.Duration) field.ErrorList {
	if d.Duration > 0 {
		return nil
	}
	return field.ErrorList{field.Invalid(path, d.Duration.String(), "must be greater than zero, for example 1s")}
}

func positiveCount(path *field.Path, n int32) field.ErrorList {
	if n > 0 {
		return nil
	}
	return field.ErrorList{field.Invalid(path, n, "must be greater than zero")}
}
