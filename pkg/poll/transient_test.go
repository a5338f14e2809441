package poll

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func httpErr(status int, err error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err,
	}}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestIsThrottleIsTransient(t *testing.T) {
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, tc := range []struct {
		name                string
		err                 error
		throttle, transient bool
	}{
		{"nil", nil, false, false},
		{"plain", errors.New("boom"), false, false},
		// Throttling: the SDK's codes, ECS's, and a bare 429.
		{"ThrottlingException", api("ThrottlingException"), true, true},
		{"Throttling", api("Throttling"), true, true},
		{"ThrottledException", api("ThrottledException"), true, true},
		{"TooManyRequestsException", api("TooManyRequestsException"), true, true},
		{"RequestLimitExceeded", api("RequestLimitExceeded"), true, true},
		{"RequestThrottled", api("RequestThrottled"), true, true},
		{"RequestThrottledException", api("RequestThrottledException"), true, true},
		{"LimitExceededException", api("LimitExceededException"), true, true},
		{"wrapped throttle", fmt.Errorf("operation error ECS: DescribeServices: %w", httpErr(400, api("ThrottlingException"))), true, true},
		{"429 unmodeled", httpErr(429, errors.New("too many")), true, true},
		// Server faults and the like.
		{"server fault", &smithy.GenericAPIError{Code: "InternalFailure", Fault: smithy.FaultServer}, false, true},
		{"ServerException", api("ServerException"), false, true},
		{"503", httpErr(503, errors.New("unavailable")), false, true},
		{"500", httpErr(500, errors.New("internal")), false, true},
		{"RequestTimeout", api("RequestTimeout"), false, true},
		// Connections and timeouts.
		{"connection reset", reset, false, true},
		{"wrapped reset", fmt.Errorf("send request: %w", reset), false, true},
		{"net timeout", timeoutErr{}, false, true},
		{"dns", &net.DNSError{Err: "no such host", Name: "ecs.example", IsNotFound: true}, false, true},
		// Not worth another call.
		{"access denied", api("AccessDeniedException"), false, false},
		{"client fault", &smithy.GenericAPIError{Code: "ClientException", Fault: smithy.FaultClient}, false, false},
		{"400", httpErr(400, api("InvalidParameterException")), false, false},
		// The end of a context never is, whatever it wraps.
		{"canceled", context.Canceled, false, false},
		{"deadline", context.DeadlineExceeded, false, false},
		{"wrapped canceled", fmt.Errorf("op: %w", context.Canceled), false, false},
		{"canceled and throttled", errors.Join(context.Canceled, api("ThrottlingException")), true, false},
		{"deadline in a net error", &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}, false, false},
	} {
		if got := IsThrottle(tc.err); got != tc.throttle {
			t.Errorf("%s: IsThrottle = %v, want %v", tc.name, got, tc.throttle)
		}
		if got := IsTransient(tc.err); got != tc.transient {
			t.Errorf("%s: IsTransient = %v, want %v", tc.name, got, tc.transient)
		}
	}
}
