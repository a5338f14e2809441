package ghrepo_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/stagecrew/stagecrew/pkg/ghrepo"
)

func rateLimited(reset time.Time) http.Header {
	return http.Header{
		"X-Ratelimit-Limit": {"1000"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Used": {"1000"},
		"X-Ratelimit-Reset": {strconv.FormatInt(reset.Unix(), 10)}, "X-Ratelimit-Resource": {"core"},
	}
}

// TestRateLimits waits for real (a second or two) where GitHub says to.
func TestRateLimits(t *testing.T) {
	gh, c := startGitHub(t)
	gh.SetRepository("acme", "orders", "main", map[string]string{"a.yaml": "a: 1\n"})
	ctx := context.Background()

	// A primary limit that resets within MaxDelay is waited out.
	gh.FailNext(http.StatusForbidden, rateLimited(time.Now().Add(time.Second)), "API rate limit exceeded for installation ID 1.", "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting")
	start := time.Now()
	if _, err := ghrepo.Open(ctx, c, "acme", "orders"); err != nil {
		t.Fatalf("after a limit that resets in a second: %v", err)
	}
	t.Logf("waited %v for the primary limit", time.Since(start).Round(time.Millisecond))

	// A secondary limit is waited out for its Retry-After.
	gh.FailNext(http.StatusForbidden, http.Header{"Retry-After": {"1"}}, "You have exceeded a secondary rate limit.", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
	start = time.Now()
	if _, err := ghrepo.Open(ctx, c, "acme", "orders"); err != nil {
		t.Fatalf("after a secondary limit: %v", err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After", d)
	}

	// One that resets later than MaxDelay fails at once, matchably.
	gh.FailNext(http.StatusForbidden, rateLimited(time.Now().Add(time.Hour)), "API rate limit exceeded for installation ID 1.", "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting")
	start = time.Now()
	_, err := ghrepo.Open(ctx, c, "acme", "orders", func(o *ghrepo.Options) { o.Retry.MaxDelay = 5 * time.Second })
	var limit *github.RateLimitError
	if !errors.Is(err, ghrepo.ErrRateLimited) || !errors.As(err, &limit) || !strings.Contains(err.Error(), "acme/orders") {
		t.Errorf("limit for an hour: %v, want ErrRateLimited naming acme/orders", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("gave up after %v", d)
	}
}
