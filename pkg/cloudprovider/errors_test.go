package cloudprovider

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorsSurviveWrapping(t *testing.T) {
	cause := errors.New("InsufficientInstanceCapacity for m5.large in us-west-2a")
	wrapped := fmt.Errorf("launching nodeclaim default-abc, %w", NewInsufficientCapacityError(cause))
	if !IsInsufficientCapacityError(wrapped) || IsNodeClaimNotFoundError(wrapped) || IsNodeClassNotReadyError(wrapped) {
		t.Errorf("wrapped insufficient capacity error classified wrongly: %v", wrapped)
	}
	if !errors.Is(wrapped, cause) {
		t.Errorf("cause lost in %v", wrapped)
	}
	if IgnoreInsufficientCapacityError(wrapped) != nil || IgnoreNodeClaimNotFoundError(wrapped) == nil {
		t.Errorf("Ignore helpers mishandle %v", wrapped)
	}
	if err := NewNodeClaimNotFoundError(cause); !IsNodeClaimNotFoundError(err) || IgnoreNodeClaimNotFoundError(err) != nil {
		t.Errorf("not-found error not recognised: %v", err)
	}
	if err := NewNodeClassNotReadyError(cause); !IsNodeClassNotReadyError(err) || IgnoreNodeClassNotReadyError(err) != nil {
		t.Errorf("node-class-not-ready error not recognised: %v", err)
	}
}
