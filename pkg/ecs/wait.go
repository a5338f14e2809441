package ecs

import (
	"time"

	"github.com/stagecrew/stagecrew/pkg/poll"
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

// newBackoff is the schedule of one wait loop of o (defaults filled in):
// FastPolls polls at MinDelay, then full jitter up to MaxDelay, slower
// while throttled (see poll.Backoff). rnd nil is math/rand/v2.
func newBackoff(o WaitOptions, rnd func() float64) *poll.Backoff {
	return poll.New(poll.Options{MinDelay: o.MinDelay, MaxDelay: o.MaxDelay, FastPolls: o.FastPolls}, rnd)
}
