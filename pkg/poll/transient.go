package poll

import (
	"context"
	"errors"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

var (
	throttles  = retry.IsErrorThrottles(retry.DefaultThrottles)
	retryables = retry.IsErrorRetryables(retry.DefaultRetryables)
)

// throttleCodes are the codes with which ECS, CloudWatch Logs and Step
// Functions refuse a call for its rate. The SDK's list holds them today;
// they are named here so that they stay throttles whatever it holds.
var throttleCodes = map[string]bool{
	"ThrottlingException": true, "Throttling": true, "ThrottledException": true, "TooManyRequestsException": true,
	"RequestLimitExceeded": true, "RequestThrottled": true, "RequestThrottledException": true,
}

// IsThrottle reports whether err is AWS refusing a call for its rate: a
// throttling error code (the SDK's retry.DefaultThrottles and the codes
// above) or an HTTP 429 without a modeled error.
func IsThrottle(err error) bool {
	if err == nil {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && throttleCodes[ae.ErrorCode()] {
		return true
	}
	return throttles.IsErrorThrottle(err) == aws.TrueTernary
}

// IsTransient reports whether a failed call may succeed when made again:
// throttling, server faults (5xx), connection errors and timeouts of a
// single attempt (the SDK's retry.DefaultRetryables, and any net.Error).
// The end of a context is never transient, whatever else err wraps.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if IsThrottle(err) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorFault() == smithy.FaultServer || ae.ErrorCode() == "ServerException") {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return retryables.IsErrorRetryable(err) == aws.TrueTernary
}
