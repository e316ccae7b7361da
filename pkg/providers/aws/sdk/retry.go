package sdk

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Retry policy of every AWS call: the SDK's standard retryer (exponential backoff
// with jitter, throttling and transient errors retried per call), with more attempts
// than the default 3 because a throttled launch is worth waiting for.
const (
	maxAttempts = 8
	maxBackoff  = 20 * time.Second
)

// NewRetryer returns the retryer for the provider's SDK clients.
func NewRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
	})
}
