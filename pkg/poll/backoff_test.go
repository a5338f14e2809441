package poll

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

var (
	errThrottle = &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	errOther    = &smithy.GenericAPIError{Code: "InternalFailure", Fault: smithy.FaultServer}
)

const ms = time.Millisecond

// run plays script on b: N takes the next delay, T observes a throttle,
// O an answer, E another error. It returns the delays taken.
func run(b *Backoff, script string) []time.Duration {
	var got []time.Duration
	for _, c := range strings.Fields(script) {
		switch c {
		case "N":
			got = append(got, b.Next())
		case "T":
			b.Observe(errThrottle)
		case "O":
			b.Observe(nil)
		case "E":
			b.Observe(errOther)
		default:
			panic("bad script step " + c)
		}
	}
	return got
}

func fixed(r float64) func() float64 { return func() float64 { return r } }

func TestSchedule(t *testing.T) {
	ecs := Options{MinDelay: time.Second, MaxDelay: 10 * time.Second, FastPolls: 3}
	sfn := Options{MinDelay: 250 * ms, MaxDelay: 10 * time.Second, FastPolls: 1}
	s := time.Second
	for _, tc := range []struct {
		name   string
		opts   Options
		rand   float64
		script string
		want   []time.Duration
	}{
		{"ecs ceilings", ecs, 1, "N N N N N N N N N N",
			[]time.Duration{s, s, s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s, 10 * s}},
		{"ecs floor", ecs, 0, "N N N N N N N N", slices.Repeat([]time.Duration{s}, 8)},
		{"ecs half", ecs, 0.5, "N N N N N N N",
			[]time.Duration{s, s, s, 1500 * ms, 2500 * ms, 4500 * ms, 5500 * ms}},
		{"sfn ceilings", sfn, 1, "N N N N N N N N",
			[]time.Duration{250 * ms, 500 * ms, s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s}},
		{"sfn half", sfn, 0.5, "N N N N N N",
			[]time.Duration{250 * ms, 375 * ms, 625 * ms, 1125 * ms, 2125 * ms, 4125 * ms}},
		{"no fast polls", Options{MinDelay: s, MaxDelay: 4 * s}, 1, "N N N N", []time.Duration{2 * s, 4 * s, 4 * s, 4 * s}},
		{"answers keep the schedule", ecs, 1, "N O N E N O N", []time.Duration{s, s, s, 2 * s}},

		// Throttling doubles the ceiling per throttle in a row, fast
		// polls included, up to 4×MaxDelay.
		{"throttled fast poll", ecs, 1, "T N T N", []time.Duration{2 * s, 4 * s}},
		{"throttled at the cap", ecs, 1, "N N N N N N N T N T N T N",
			[]time.Duration{s, s, s, 2 * s, 4 * s, 8 * s, 10 * s, 20 * s, 40 * s, 40 * s}},
		{"throttled twice", ecs, 1, "N N N N N N N N N N T T N", []time.Duration{
			s, s, s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s, 10 * s, 40 * s}},
		{"throttled jitter", ecs, 0.5, "N N N N N N N T T N", []time.Duration{
			s, s, s, 1500 * ms, 2500 * ms, 4500 * ms, 5500 * ms, 20500 * ms}},
		// ... and each answer not throttled takes one doubling back.
		{"recovery", ecs, 1, "N N N N N N N T T N O N E N O N", []time.Duration{
			s, s, s, 2 * s, 4 * s, 8 * s, 10 * s, 40 * s, 20 * s, 10 * s, 10 * s}},
		{"recovery to fast polls", ecs, 1, "T T N O N O N N", []time.Duration{4 * s, 2 * s, s, 2 * s}},
		// Throttles beyond those that reach the cap from MinDelay (six
		// here: 1s→64s) are not counted.
		{"long throttling", ecs, 1, strings.Repeat("T ", 20) + "N O O O O N O N O N",
			[]time.Duration{40 * s, 4 * s, 2 * s, 2 * s}},
		{"sfn throttled first retry", sfn, 1, "N T N T N T N T N T N T N T N",
			[]time.Duration{250 * ms, s, 4 * s, 16 * s, 40 * s, 40 * s, 40 * s, 40 * s}},

		// Defaults and odd options.
		{"zero options", Options{}, 1, "N N N N N", []time.Duration{2 * s, 4 * s, 8 * s, 10 * s, 10 * s}},
		{"max below min", Options{MinDelay: 3 * s, MaxDelay: s, FastPolls: 1}, 1, "N N T N",
			[]time.Duration{3 * s, 3 * s, 6 * s}},
		{"negative fast polls", Options{MinDelay: s, MaxDelay: 2 * s, FastPolls: -5}, 0, "N", []time.Duration{s}},
		{"rand out of range", ecs, 7, "N N N N T N", []time.Duration{s, s, s, 2 * s, 8 * s}},
		{"rand NaN", ecs, math.NaN(), "N N N N T N", []time.Duration{s, s, s, s, s}},
		{"rand negative", ecs, -1, "N N N N", []time.Duration{s, s, s, s}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := run(New(tc.opts, fixed(tc.rand)), tc.script)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s\n got %v\nwant %v", tc.script, got, tc.want)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct{ in, want Options }{
		{Options{}, Options{MinDelay: DefaultMinDelay, MaxDelay: DefaultMaxDelay}},
		{Options{MinDelay: -1, MaxDelay: -1, FastPolls: -1}, Options{MinDelay: DefaultMinDelay, MaxDelay: DefaultMaxDelay}},
		{Options{MinDelay: time.Minute}, Options{MinDelay: time.Minute, MaxDelay: time.Minute}},
		{Options{MinDelay: ms, MaxDelay: time.Second, FastPolls: 2}, Options{MinDelay: ms, MaxDelay: time.Second, FastPolls: 2}},
	} {
		if got := New(tc.in, nil).Options(); got != tc.want {
			t.Errorf("New(%+v).Options() = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestDefaultRand(t *testing.T) {
	b := New(Options{MinDelay: ms, MaxDelay: time.Second}, nil)
	seen := map[time.Duration]bool{}
	for range 50 {
		d := b.Next()
		if d < ms || d > time.Second {
			t.Fatalf("delay %v out of [1ms, 1s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("%d distinct delays in 50: no jitter?", len(seen))
	}
}

// FuzzBackoff: whatever the options, the jitter and the answers, every
// delay is within [MinDelay, 4×MaxDelay] of the options in effect, and a
// fast poll not throttled is MinDelay.
func FuzzBackoff(f *testing.F) {
	f.Add(int64(time.Second), int64(10*time.Second), 3, []byte("NNNNNNNTTTNONONE"))
	f.Add(int64(250*ms), int64(10*time.Second), 1, []byte{0, 255, 1, 2, 3, 128, 77})
	f.Add(int64(0), int64(0), 0, []byte{})
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), 2, []byte("TTTTTTTTNNNN"))
	f.Add(int64(1), int64(math.MaxInt64/3), 0, []byte("NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNTTTTN"))
	f.Add(int64(-5), int64(-7), -2, []byte("TN"))
	f.Fuzz(func(t *testing.T, minD, maxD int64, fast int, script []byte) {
		fast %= 100 // bounds the test's time, not the code's
		var r float64
		b := New(Options{MinDelay: time.Duration(minD), MaxDelay: time.Duration(maxD), FastPolls: fast}, func() float64 { return r })
		o := b.Options()
		if o.MinDelay <= 0 || o.MaxDelay < o.MinDelay || o.FastPolls < 0 {
			t.Fatalf("options in effect %+v", o)
		}
		hi := time.Duration(math.MaxInt64)
		if o.MaxDelay <= math.MaxInt64/4 {
			hi = 4 * o.MaxDelay
		}
		throttled := false
		for i, c := range script {
			// Each byte: the two low bits choose the step, the rest the
			// jitter of a Next (0 to 1 in 64ths, 1 included).
			switch c & 3 {
			case 0, 1:
				r = float64(c>>2) / 63
				n := b.polls
				d := b.Next()
				if d < 0 || d < o.MinDelay || d > hi {
					t.Fatalf("step %d: delay %v out of [%v, %v] (options %+v)", i, d, o.MinDelay, hi, o)
				}
				if !throttled && n < o.FastPolls && d != o.MinDelay {
					t.Fatalf("step %d: fast poll %d is %v, want MinDelay %v", i, n, d, o.MinDelay)
				}
			case 2:
				b.Observe(errThrottle)
				throttled = true
			case 3:
				b.Observe(nil)
				throttled = b.throttled > 0
			}
		}
	})
}

func TestDouble(t *testing.T) {
	if got := double(math.MaxInt64/2 + 1); got != math.MaxInt64 {
		t.Errorf("double overflowed: %v", got)
	}
	if got := double(3); got != 6 {
		t.Errorf("double(3) = %v", got)
	}
}
