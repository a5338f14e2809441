package poll_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/smithy-go"

	"github.com/stagecrew/stagecrew/pkg/poll"
)

// The schedule with the jitter at its top: three fast polls, the ceiling
// doubling up to MaxDelay, then four times MaxDelay after two throttled
// answers in a row, and back one step per answer.
func ExampleBackoff() {
	b := poll.New(poll.Options{MinDelay: time.Second, MaxDelay: 10 * time.Second, FastPolls: 3}, func() float64 { return 1 })
	var ds []time.Duration
	for range 8 {
		ds = append(ds, b.Next())
	}
	fmt.Println(ds)
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	b.Observe(throttled)
	b.Observe(throttled)
	fmt.Print(b.Next(), " ")
	b.Observe(nil)
	fmt.Print(b.Next(), " ")
	b.Observe(nil)
	fmt.Println(b.Next())
	// Output:
	// [1s 1s 1s 2s 4s 8s 10s 10s]
	// 40s 20s 10s
}

// simClock is a simulated clock: Sleep moves it on at once.
type simClock struct{ now time.Time }

func (c *simClock) Now() time.Time { return c.now }
func (c *simClock) Sleep(ctx context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return ctx.Err()
}

// A polling loop: call, observe the answer, give up on an error that is
// not transient, sleep the next delay. The loop sleeps on a Clock, here a
// simulated one (poll.RealClock{} in production).
func Example() {
	var clock poll.Clock = &simClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	start := clock.Now()
	done := start.Add(time.Minute) // when the awaited thing ends
	calls := 0
	describe := func() (bool, error) { // stands for a Describe… call
		calls++
		if calls == 3 {
			return false, &smithy.GenericAPIError{Code: "ThrottlingException"}
		}
		return !clock.Now().Before(done), nil
	}

	half := func() float64 { return 0.5 } // the jitter; nil draws it from math/rand/v2
	b := poll.New(poll.Options{MinDelay: time.Second, MaxDelay: 10 * time.Second, FastPolls: 3}, half)
	ctx := context.Background()
	for {
		ok, err := describe()
		b.Observe(err)
		if err != nil && !poll.IsTransient(err) {
			fmt.Println("failed:", err)
			return
		}
		if ok {
			break
		}
		if err := clock.Sleep(ctx, b.Next()); err != nil {
			fmt.Println("cancelled")
			return
		}
	}
	fmt.Printf("seen %v after its end, in %d calls\n", clock.Now().Sub(done), calls)
	// Output: seen 1.5s after its end, in 16 calls
}
