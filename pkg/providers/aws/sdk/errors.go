package sdk

import (
	"errors"

	"github.com/aws/smithy-go"
)

// AWS error codes the provider acts on, in one place.
const (
	codeInstanceNotFound           = "InvalidInstanceID.NotFound"
	codeLaunchTemplateNotFound     = "InvalidLaunchTemplateName.NotFoundException"
	codeLaunchTemplateExists       = "InvalidLaunchTemplateName.AlreadyExistsException"
	codeParameterNotFound          = "ParameterNotFound"
	codeNoSuchEntity               = "NoSuchEntity"
	codeEntityAlreadyExists        = "EntityAlreadyExists"
	codeInsufficientFreeAddresses  = "InsufficientFreeAddressesInSubnet"
	codeInsufficientCapacity       = "InsufficientInstanceCapacity"
	codeUnfulfillableCapacity      = "UnfulfillableCapacity"
	codeMaxSpotInstanceCountExceed = "MaxSpotInstanceCountExceeded"
	codeSpotMaxPriceTooLow         = "SpotMaxPriceTooLow"
	codeVcpuLimitExceeded          = "VcpuLimitExceeded"
	codeUnsupported                = "Unsupported"
)

// notFoundCodes mean the thing asked about does not exist.
var notFoundCodes = map[string]bool{
	codeInstanceNotFound:       true,
	codeLaunchTemplateNotFound: true,
	codeParameterNotFound:      true,
	codeNoSuchEntity:           true,
}

// unfulfillableCodes mean an offering (type, zone, capacity type) cannot launch now;
// another offering may.
var unfulfillableCodes = map[string]bool{
	codeInsufficientCapacity:       true,
	codeUnfulfillableCapacity:      true,
	codeMaxSpotInstanceCountExceed: true,
	codeSpotMaxPriceTooLow:         true,
	codeUnsupported:                true,
	codeInsufficientFreeAddresses:  true,
	codeVcpuLimitExceeded:          true,
}

// ErrorCode returns the AWS error code of err, or "".
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool { return notFoundCodes[ErrorCode(err)] }

// IsAlreadyExists reports whether err says the resource already exists.
func IsAlreadyExists(err error) bool {
	code := ErrorCode(err)
	return code == codeLaunchTemplateExists || code == codeEntityAlreadyExists
}

// IsUnfulfillableCapacity reports whether a fleet error code means the offering
// cannot launch now, so it should be marked unavailable and another tried.
func IsUnfulfillableCapacity(code string) bool { return unfulfillableCodes[code] }

// IsSubnetExhausted reports whether a fleet error code means the subnet has no free
// addresses (the zone's other subnets may).
func IsSubnetExhausted(code string) bool { return code == codeInsufficientFreeAddresses }
