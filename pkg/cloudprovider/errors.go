package cloudprovider

import (
	"errors"
	"fmt"
)

// InsufficientCapacityError means no offering of the claim could be launched now.
type InsufficientCapacityError struct{ error }

// NodeClaimNotFoundError means the claim's instance does not exist (any more).
type NodeClaimNotFoundError struct{ error }

// NodeClassNotReadyError means the node class has not resolved (subnets, security
// groups, AMIs, instance profile), so nothing can launch with it.
type NodeClassNotReadyError struct{ error }

// NewInsufficientCapacityError wraps err.
func NewInsufficientCapacityError(err error) error {
	return &InsufficientCapacityError{fmt.Errorf("insufficient capacity, %w", err)}
}

// NewNodeClaimNotFoundError wraps err.
func NewNodeClaimNotFoundError(err error) error {
	return &NodeClaimNotFoundError{fmt.Errorf("instance not found, %w", err)}
}

// NewNodeClassNotReadyError wraps err.
func NewNodeClassNotReadyError(err error) error {
	return &NodeClassNotReadyError{fmt.Errorf("node class not ready, %w", err)}
}

func (e *InsufficientCapacityError) Unwrap() error { return e.error }
func (e *NodeClaimNotFoundError) Unwrap() error    { return e.error }
func (e *NodeClassNotReadyError) Unwrap() error    { return e.error }

// IsInsufficientCapacityError reports whether err is an InsufficientCapacityError.
func IsInsufficientCapacityError(err error) bool { return is[*InsufficientCapacityError](err) }

// IsNodeClaimNotFoundError reports whether err is a NodeClaimNotFoundError.
func IsNodeClaimNotFoundError(err error) bool { return is[*NodeClaimNotFoundError](err) }

// IsNodeClassNotReadyError reports whether err is a NodeClassNotReadyError.
func IsNodeClassNotReadyError(err error) bool { return is[*NodeClassNotReadyError](err) }

// IgnoreInsufficientCapacityError returns nil for an InsufficientCapacityError.
func IgnoreInsufficientCapacityError(err error) error {
	return ignore(err, IsInsufficientCapacityError)
}

// IgnoreNodeClaimNotFoundError returns nil for a NodeClaimNotFoundError.
func IgnoreNodeClaimNotFoundError(err error) error { return ignore(err, IsNodeClaimNotFoundError) }

// IgnoreNodeClassNotReadyError returns nil for a NodeClassNotReadyError.
func IgnoreNodeClassNotReadyError(err error) error { return ignore(err, IsNodeClassNotReadyError) }

func is[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func ignore(err error, match func(error) bool) error {
	if match(err) {
		return nil
	}
	return err
}
