package ghrepo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/google/go-github/v60/github"
)

// Retry bounds how calls are retried after 5xx answers, rate limits and lost
// connections. The names and defaults are pkg/report's Retry.
type Retry struct {
	Attempts int           // calls in all, at least 1 (default 4)
	MinDelay time.Duration // first backoff (default 1s), doubled each time, with jitter
	MaxDelay time.Duration // longest backoff, and the longest rate-limit wait honoured (default 60s)
}

// call runs fn until it succeeds, fails for good, or runs out of attempts;
// the final error is classified (see classify).
//
// The loop is pkg/report's (GitHub.retry) with its schedule: report keeps it
// unexported, so it is repeated here rather than shared.
func (o *Options) call(ctx context.Context, fn func() (*github.Response, error)) error {
	attempts, minDelay, maxDelay := o.Retry.Attempts, o.Retry.MinDelay, o.Retry.MaxDelay
	if attempts < 1 {
		attempts = 4
	}
	if minDelay <= 0 {
		minDelay = time.Second
	}
	if maxDelay <= 0 {
		maxDelay = time.Minute
	}
	sleep := o.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	delay := minDelay
	for attempt := 1; ; attempt++ {
		_, err := fn()
		if err == nil {
			return nil
		}
		wait, retryable := retryAfter(err, delay, maxDelay)
		if !retryable || attempt >= attempts || ctx.Err() != nil {
			return classify(err)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		delay = min(2*delay, maxDelay)
	}
}

// retryAfter says whether err is worth another try, and after how long.
func retryAfter(err error, backoff, maxDelay time.Duration) (time.Duration, bool) {
	jittered := backoff/2 + rand.N(backoff/2+1)
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		if d := abuse.GetRetryAfter(); d > 0 {
			return min(d, maxDelay), d <= maxDelay
		}
		return max(jittered, time.Second), true
	}
	var limit *github.RateLimitError
	if errors.As(err, &limit) {
		d := time.Until(limit.Rate.Reset.Time)
		return max(d, 0), d <= maxDelay
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		if er.Response != nil && er.Response.StatusCode >= 500 {
			return jittered, true
		}
		return 0, false
	}
	var ne net.Error // *url.Error included: refused or dropped connections, timeouts
	if errors.As(err, &ne) {
		return jittered, true
	}
	return 0, false
}

// httpStatus is the status of GitHub's answer in err, 0 when there was none.
func httpStatus(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// classify wraps rate limits with ErrRateLimited, and other 401 and 403
// answers with ErrUnauthorized and ErrForbidden;
// other errors (404s included: what they mean depends on the call) are
// returned as they are.
func classify(err error) error {
	var limit *github.RateLimitError
	if errors.As(err, &limit) {
		return fmt.Errorf("%w (%d requests an hour; it resets at %s): %w", ErrRateLimited, limit.Rate.Limit, limit.Rate.Reset.UTC().Format(time.RFC3339), err)
	}
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		return fmt.Errorf("%w (secondary limit; retry after %v): %w", ErrRateLimited, abuse.GetRetryAfter(), err)
	}
	switch httpStatus(err) {
	case http.StatusUnauthorized:
		return fmt.Errorf("%w (401; check the token given to the GitHub client): %w", ErrUnauthorized, err)
	case http.StatusForbidden:
		return fmt.Errorf("%w (403; the job needs `permissions: contents: read`): %w", ErrForbidden, err)
	}
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
