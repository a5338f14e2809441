package poll

import (
	"math"
	"math/rand/v2"
	"time"
)

// Options shape a Backoff. The names are the SDK waiters'.
type Options struct {
	// MinDelay is the delay of the fast polls and the floor of every
	// delay; DefaultMinDelay when zero or less.
	MinDelay time.Duration
	// MaxDelay caps the ceiling of the jitter while no throttling is
	// seen; DefaultMaxDelay when zero or less, MinDelay when below it.
	MaxDelay time.Duration
	// FastPolls is how many polls come at MinDelay before the backoff
	// starts; none when zero or less.
	FastPolls int
}

// Defaults of Options.
const (
	DefaultMinDelay = time.Second
	DefaultMaxDelay = 10 * time.Second
)

// throttleFactor bounds the ceiling while throttled: throttleFactor times
// MaxDelay.
const throttleFactor = 4

// Backoff is the polling schedule. Next gives the delay before each poll:
//
//   - the first FastPolls delays are MinDelay;
//   - then each delay is drawn uniformly from [MinDelay, ceiling] (full
//     jitter above a floor, so polls are never closer than MinDelay), the
//     ceiling starting at 2×MinDelay and doubling each poll up to MaxDelay;
//   - each throttled answer in a row (Observe) doubles the ceiling once
//     more, up to 4×MaxDelay, fast polls included; each answer
//     that is not throttled takes one of these doublings back.
//
// A Backoff is for one loop; it is not safe for concurrent use.
type Backoff struct {
	o         Options
	rand      func() float64
	polls     int           // delays given
	throttled int           // throttled answers in a row, less the answers since
	maxSteps  int           // doublings from MinDelay to the throttled cap
	throttCap time.Duration // throttleFactor×MaxDelay
}

// New returns the schedule of opts (defaults filled in). rand returns the
// jitter in [0, 1); nil is math/rand/v2's Float64.
func New(opts Options, rand func() float64) *Backoff {
	if opts.MinDelay <= 0 {
		opts.MinDelay = DefaultMinDelay
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	opts.MaxDelay = max(opts.MaxDelay, opts.MinDelay)
	opts.FastPolls = max(opts.FastPolls, 0)
	if rand == nil {
		rand = defaultRand
	}
	b := &Backoff{o: opts, rand: rand, throttCap: math.MaxInt64}
	if opts.MaxDelay <= math.MaxInt64/throttleFactor {
		b.throttCap = throttleFactor * opts.MaxDelay
	}
	// Throttled answers beyond the doublings that reach the cap from
	// MinDelay change no delay; counting them would only slow recovery.
	for d := opts.MinDelay; d < b.throttCap; d = double(d) {
		b.maxSteps++
	}
	return b
}

func defaultRand() float64 { return rand.Float64() }

// Options returns the options in effect, defaults filled in.
func (b *Backoff) Options() Options { return b.o }

// Next returns the delay before the next poll and counts the poll.
func (b *Backoff) Next() time.Duration {
	n := b.polls
	if b.polls < math.MaxInt {
		b.polls++
	}
	if n < b.o.FastPolls && b.throttled == 0 {
		return b.o.MinDelay
	}
	ceil := b.o.MinDelay
	for i := b.o.FastPolls; i <= n && ceil < b.o.MaxDelay; i++ {
		ceil = double(ceil)
	}
	ceil = min(ceil, b.o.MaxDelay)
	for i := 0; i < b.throttled && ceil < b.throttCap; i++ {
		ceil = min(double(ceil), b.throttCap)
	}
	return b.jitter(ceil)
}

// jitter draws a delay uniformly from [MinDelay, ceil].
func (b *Backoff) jitter(ceil time.Duration) time.Duration {
	span := float64(ceil - b.o.MinDelay)
	r := b.rand()
	if !(r > 0) { // also NaN
		return b.o.MinDelay
	}
	if d := r * span; d < span {
		return b.o.MinDelay + time.Duration(d)
	}
	return ceil
}

// Observe records the answer to a poll: a throttling error (IsThrottle)
// slows the schedule down one step, any other answer, error or not, speeds
// it up one step until it is back to the unthrottled schedule.
func (b *Backoff) Observe(err error) {
	switch {
	case IsThrottle(err):
		b.throttled = min(b.throttled+1, b.maxSteps)
	case b.throttled > 0:
		b.throttled--
	}
}

// double returns 2d, or the longest duration when that overflows.
func double(d time.Duration) time.Duration {
	if d > math.MaxInt64/2 {
		return math.MaxInt64
	}
	return 2 * d
}
