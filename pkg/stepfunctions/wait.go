package stepfunctions

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/pkg/poll"
)

// Defaults of the polling options.
const (
	DefaultMinDelay = 250 * time.Millisecond
	DefaultMaxDelay = 10 * time.Second
)

// newBackoff is the polling schedule of a Runner: the first delay is
// minD, the n-th is drawn uniformly from [minD, min(maxD, minD*2^n)] ("full
// jitter" above a floor of minD, so polls are never closer than minD), and
// throttled answers slow it down further (see poll.Backoff). Zero delays
// are DefaultMinDelay and DefaultMaxDelay.
func newBackoff(minD, maxD time.Duration, rnd func() float64) *poll.Backoff {
	if minD <= 0 {
		minD = DefaultMinDelay
	}
	if maxD <= 0 {
		maxD = DefaultMaxDelay
	}
	return poll.New(poll.Options{MinDelay: minD, MaxDelay: maxD, FastPolls: 1}, rnd)
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
		delay := bo.Next()
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
		bo.Observe(err)
		switch {
		case err == nil:
			d, lastErr = out, nil
		case ctx.Err() != nil:
			return d, ctxOutcome(ctx), lastErr
		case poll.IsTransient(err):
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
