package stepfunctions

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Defaults of the polling options.
const (
	DefaultMinDelay = 250 * time.Millisecond
	DefaultMaxDelay = 10 * time.Second
)

// backoff is the polling schedule: the n-th delay is drawn uniformly from
// [MinDelay, min(MaxDelay, MinDelay*2^n)] ("full jitter" above a floor of
// MinDelay, so polls are never closer than MinDelay). A throttled call jumps
// to the cap.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
	rand     func() float64
}

func newBackoff(minD, maxD time.Duration, rnd func() float64) *backoff {
	if minD <= 0 {
		minD = DefaultMinDelay
	}
	if maxD <= 0 {
		maxD = DefaultMaxDelay
	}
	maxD = max(maxD, minD)
	if rnd == nil {
		rnd = rand.Float64
	}
	return &backoff{min: minD, max: maxD, cur: minD, rand: rnd}
}

// next returns the delay before the next call and advances the schedule.
func (b *backoff) next() time.Duration {
	d := b.min + time.Duration(b.rand()*float64(b.cur-b.min))
	b.cur = min(b.cur*2, b.max)
	return d
}

// throttled moves the schedule to its cap.
func (b *backoff) throttled() { b.cur = b.max }

var (
	retryables = retry.IsErrorRetryables(retry.DefaultRetryables)
	throttles  = retry.IsErrorThrottles(retry.DefaultThrottles)
)

func isThrottle(err error) bool { return throttles.IsErrorThrottle(err) == aws.TrueTernary }

// isTransient reports whether a failed call may succeed when made again:
// throttling, 5xx, connection errors, timeouts.
func isTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return isThrottle(err) || retryables.IsErrorRetryable(err) == aws.TrueTernary
}

func terminal(s types.ExecutionStatus) bool {
	switch s {
	case types.ExecutionStatusSucceeded, types.ExecutionStatusFailed, types.ExecutionStatusTimedOut, types.ExecutionStatusAborted:
		return true
	}
	return false
}

// waitOutcome is why wait returned.
type waitOutcome int

const (
	waitDone      waitOutcome = iota // terminal: d is the final description
	waitCancelled                    // ctx was cancelled
	waitTimeout                      // the wait's timeout or ctx's deadline passed
)

// wait polls DescribeExecution (and the history, when there is a log) until
// the execution is terminal, r.Timeout passes (on r's clock) or ctx ends
// (a deadline of ctx counts as a timeout, a cancellation as cancelled). minRedrives is
// the redrive count a terminal status must have to count (after a redrive,
// the old failure must not end the wait). first, when not nil, is a
// description already in hand.
func (r *Runner) wait(ctx context.Context, arn string, first *sfn.DescribeExecutionOutput, minRedrives int32, cur *cursor) (*sfn.DescribeExecutionOutput, waitOutcome, error) {
	clock := r.clock()
	var deadline time.Time
	if r.Timeout > 0 {
		deadline = clock.Now().Add(r.Timeout)
	}
	bo := newBackoff(r.MinDelay, r.MaxDelay, r.Rand)
	d := first
	var lastErr error
	for {
		if d != nil && terminal(d.Status) && aws.ToInt32(d.RedriveCount) >= minRedrives {
			r.stream(ctx, cur) // the last events, up to the execution's end
			return d, waitDone, nil
		}
		delay := bo.next()
		if !deadline.IsZero() {
			left := deadline.Sub(clock.Now())
			if left <= 0 {
				return d, waitTimeout, lastErr
			}
			delay = min(delay, left)
		}
		if err := clock.Sleep(ctx, delay); err != nil {
			return d, ctxOutcome(ctx), lastErr
		}
		r.stream(ctx, cur)
		out, err := r.Client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		switch {
		case err == nil:
			d, lastErr = out, nil
		case ctx.Err() != nil:
			return d, ctxOutcome(ctx), lastErr
		case isThrottle(err):
			bo.throttled()
			lastErr = err
		case isTransient(err):
			lastErr = err
		default:
			return d, waitDone, err
		}
	}
}

// ctxOutcome tells a cancellation from a deadline.
func ctxOutcome(ctx context.Context) waitOutcome {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return waitTimeout
	}
	return waitCancelled
}

// stream writes the history events not written yet to the log. Errors are
// not fatal: progress lines are a courtesy, the status comes from
// DescribeExecution.
func (r *Runner) stream(ctx context.Context, cur *cursor) {
	if r.Log == nil || cur == nil || ctx.Err() != nil {
		return
	}
	evs, _ := cur.next(ctx, r.Client)
	for _, ev := range evs {
		if line := progressLine(ev); line != "" {
			r.Log.Line(line)
		}
	}
}
