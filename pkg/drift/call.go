package drift

import (
	"context"
	"fmt"
	"time"

	"github.com/stagecrew/stagecrew/pkg/poll"
)

// Retry defaults.
const (
	DefaultMinDelay     = 200 * time.Millisecond
	DefaultMaxDelay     = 5 * time.Second
	DefaultMaxErrors    = 4  // transient errors other than throttling, in a row
	DefaultMaxThrottled = 30 // throttling answers to one call before giving up
)

// caller makes one AWS call at a time until it succeeds or fails for good,
// on package poll's schedule: throttling slows the schedule and is retried
// up to MaxThrottled times; other transient errors up to MaxErrors times.
type caller struct {
	o     *Options
	count *counters
}

func (c caller) do(ctx context.Context, op string, call func(context.Context) error) error {
	b := poll.New(poll.Options{MinDelay: c.o.MinDelay, MaxDelay: c.o.MaxDelay}, c.o.Rand)
	errs, throttled := 0, 0
	for {
		c.count.calls.Add(1)
		err := call(ctx)
		b.Observe(err)
		if err == nil {
			return nil
		}
		if !poll.IsTransient(err) {
			return fmt.Errorf("%s: %w", op, err)
		}
		if poll.IsThrottle(err) {
			c.count.throttled.Add(1)
			throttled++
		} else {
			errs++
		}
		if errs >= c.o.MaxErrors || throttled >= c.o.MaxThrottled {
			return fmt.Errorf("%s: giving up after %d attempts: %w", op, errs+throttled, err)
		}
		c.count.retried.Add(1)
		if err := c.o.Clock.Sleep(ctx, b.Next()); err != nil {
			return err
		}
	}
}
