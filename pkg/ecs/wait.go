package ecs

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// WaitOptions shape the wait loops: a few fast polls first, then
// exponential backoff with full jitter up to MaxDelay, slower still while
// ECS throttles. The option names follow the SDK waiters'.
type WaitOptions struct {
	MinDelay  time.Duration // delay of the first polls; default 1s
	MaxDelay  time.Duration // cap of the backoff; default 10s
	FastPolls int           // polls at MinDelay before backing off; default 3
	Timeout   time.Duration // give up (result.WaitTimeout) after this; default 30m
	// MaxErrors is how many failed polls in a row end the wait with an
	// error; default 8. Throttling does not count.
	MaxErrors int
}

// Default wait options.
const (
	DefaultMinDelay  = time.Second
	DefaultMaxDelay  = 10 * time.Second
	DefaultFastPolls = 3
	DefaultTimeout   = 30 * time.Minute
	DefaultMaxErrors = 8
)

func (o WaitOptions) withDefaults() WaitOptions {
	if o.MinDelay <= 0 {
		o.MinDelay = DefaultMinDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxDelay < o.MinDelay {
		o.MaxDelay = o.MinDelay
	}
	if o.FastPolls <= 0 {
		o.FastPolls = DefaultFastPolls
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = DefaultMaxErrors
	}
	return o
}

// backoff computes the delay before each poll.
type backoff struct {
	o         WaitOptions
	rand      func() float64
	polls     int
	throttled int // throttling answers in a row
}

// next returns the delay before the next poll and counts it.
func (b *backoff) next() time.Duration {
	n := b.polls
	b.polls++
	if n < b.o.FastPolls && b.throttled == 0 {
		return b.o.MinDelay
	}
	ceil := b.o.MinDelay
	for i := b.o.FastPolls; i <= n && ceil < b.o.MaxDelay; i++ {
		ceil *= 2
	}
	ceil = min(ceil, b.o.MaxDelay)
	// Throttled: double the ceiling per throttle in a row, up to 4x the cap.
	for i := 0; i < b.throttled && ceil < 4*b.o.MaxDelay; i++ {
		ceil = min(2*ceil, 4*b.o.MaxDelay)
	}
	// Full jitter between the floor and the ceiling.
	return b.o.MinDelay + time.Duration(b.rand()*float64(ceil-b.o.MinDelay))
}

// observe records the outcome of a poll.
func (b *backoff) observe(err error) {
	switch {
	case isThrottle(err):
		b.throttled++
	case b.throttled > 0:
		b.throttled--
	}
}

func defaultRand() float64 { return rand.Float64() }

// isThrottle reports whether err is ECS or CloudWatch Logs refusing a call for
// its rate.
func isThrottle(err error) bool {
	if err == nil {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException",
			"RequestLimitExceeded", "RequestThrottled", "RequestThrottledException":
			return true
		}
	}
	return retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool()
}

// isTransient reports whether a failed call may succeed if repeated:
// throttling, 5xx, connection errors, timeouts of a single attempt.
func isTransient(err error) bool {
	if err == nil {
		return false
	}
	if isThrottle(err) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if ae.ErrorFault() == smithy.FaultServer || ae.ErrorCode() == "ServerException" {
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err).Bool()
}
