package report

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/stagecrew/stagecrew/pkg/result"
)

// IssueComments is the part of go-github's IssuesService the sticky comment
// calls.
type IssueComments interface {
	ListComments(ctx context.Context, owner, repo string, number int, opts *github.IssueListCommentsOptions) ([]*github.IssueComment, *github.Response, error)
	CreateComment(ctx context.Context, owner, repo string, number int, comment *github.IssueComment) (*github.IssueComment, *github.Response, error)
	EditComment(ctx context.Context, owner, repo string, commentID int64, comment *github.IssueComment) (*github.IssueComment, *github.Response, error)
}

// CheckRuns is the part of go-github's ChecksService the check run calls.
type CheckRuns interface {
	CreateCheckRun(ctx context.Context, owner, repo string, opts github.CreateCheckRunOptions) (*github.CheckRun, *github.Response, error)
}

// ActionsBot is the login GitHub Actions' GITHUB_TOKEN comments as.
const ActionsBot = "github-actions[bot]"

// Permissions a workflow's token needs for each report.
const (
	PermissionComment  = "pull-requests: write"
	PermissionCheckRun = "checks: write"
)

// PermissionError is GitHub refusing a call (403 or 404) because the token
// lacks a permission. Permission is what the job's `permissions:` must grant.
type PermissionError struct {
	Op         string // "comment on acme/payments#12"
	Status     int
	Permission string
	Message    string // GitHub's message
}

// Error names the permission the workflow needs.
func (e *PermissionError) Error() string {
	return fmt.Sprintf("github: cannot %s: GitHub answered %d %q; the job needs `permissions: %s` (pull requests from forks get a read-only token)",
		e.Op, e.Status, e.Message, e.Permission)
}

// Retry bounds how GitHub calls are retried after 5xx answers, rate limits
// and lost connections.
type Retry struct {
	Attempts int           // calls in all, at least 1 (default 4)
	MinDelay time.Duration // first backoff (default 1s), doubled each time, with jitter
	MaxDelay time.Duration // longest backoff, and the longest rate-limit wait honoured (default 60s)
}

// GitHub publishes results to a pull request: a sticky comment and a check
// run. Build it with NewGitHub, or fill the interfaces with fakes.
type GitHub struct {
	Issues IssueComments
	Checks CheckRuns
	// Author is the login whose marked comments are preferred when several
	// start with the same marker (default ActionsBot).
	Author string
	Retry  Retry
	// Sleep waits between attempts (default: a timer that ends early with ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// NewGitHub publishes through c.
func NewGitHub(c *github.Client) *GitHub {
	return &GitHub{Issues: c.Issues, Checks: c.Checks}
}

// NewGitHubClient returns a client of the REST API at apiURL (GITHUB_API_URL:
// https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise
// Server) that authenticates with token. The URL is used as given: unlike
// go-github's WithEnterpriseURLs, no /api/v3/ is added.
func NewGitHubClient(hc *http.Client, apiURL, token string) (*github.Client, error) {
	if apiURL == "" {
		apiURL = "https://api.github.com/"
	}
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("github: API URL %q is not an http(s) URL", apiURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c := github.NewClient(hc)
	c.BaseURL = u
	c.UserAgent = "stagecrew"
	if token != "" {
		c = c.WithAuthToken(token)
	}
	return c, nil
}

// StickyComment writes body as the pull request's comment that starts with
// marker: it edits the earlier one, or creates one when there is none. Only
// comments whose body starts with marker count; among them, Author's are
// preferred. A body longer than GitHub takes is cut (see Cut). The whole
// find-then-write is retried, so a create whose answer was lost is found,
// not repeated.
func (g *GitHub) StickyComment(ctx context.Context, owner, repo string, pr int, marker, body string) (string, error) {
	if marker == "" || !strings.HasPrefix(body, marker) {
		return "", fmt.Errorf("github: the comment body must start with its marker %q", marker)
	}
	body = Cut(body, MaxCommentBody)
	op := fmt.Sprintf("comment on %s/%s#%d", owner, repo, pr)
	var link string
	err := g.retry(ctx, op, PermissionComment, func() (*github.Response, error) {
		id, resp, err := g.findComment(ctx, owner, repo, pr, marker)
		if err != nil {
			return resp, err
		}
		var c *github.IssueComment
		if id != 0 {
			c, resp, err = g.Issues.EditComment(ctx, owner, repo, id, &github.IssueComment{Body: &body})
		} else {
			c, resp, err = g.Issues.CreateComment(ctx, owner, repo, pr, &github.IssueComment{Body: &body})
		}
		if err == nil {
			link = c.GetHTMLURL()
		}
		return resp, err
	})
	return link, err
}

// findComment returns the id of the comment to edit, or 0.
func (g *GitHub) findComment(ctx context.Context, owner, repo string, pr int, marker string) (int64, *github.Response, error) {
	author := g.Author
	if author == "" {
		author = ActionsBot
	}
	var other int64 // a marked comment by someone else, when Author has none
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := g.Issues.ListComments(ctx, owner, repo, pr, opts)
		if err != nil {
			return 0, resp, err
		}
		for _, c := range cs {
			if !strings.HasPrefix(c.GetBody(), marker) {
				continue
			}
			if c.GetUser().GetLogin() == author {
				return c.GetID(), resp, nil
			}
			if other == 0 {
				other = c.GetID()
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return other, resp, nil
		}
		opts.Page = resp.NextPage
	}
}

// Conclusion is the check run conclusion of a status: success only for
// succeeded; cancelled for a cancelled workflow; timed_out when stagecrew
// stopped waiting; neutral for a run started without waiting; failure for
// the rest (failed, timed out, aborted, denied).
func Conclusion(s result.Status) string {
	switch s {
	case result.Succeeded:
		return "success"
	case result.Cancelled:
		return "cancelled"
	case result.WaitTimeout:
		return "timed_out"
	case result.Running:
		return "neutral"
	}
	return "failure"
}

// CheckRunName names the check run of a result: "stagecrew: ENTITY → ENV".
func CheckRunName(r *result.Result) string {
	return fmt.Sprintf("stagecrew: %s → %s", r.Target.Entity, r.Target.Environment)
}

// CheckRun creates a completed check run on sha for r, with summary
// (Markdown, cut to GitHub's limit) as its output and the first http(s)
// link of r (else the workflow run) as its details URL.
func (g *GitHub) CheckRun(ctx context.Context, owner, repo, sha string, r *result.Result, summary string) (string, error) {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	completed := r.EndedAt
	if completed.IsZero() {
		completed = now()
	}
	opts := github.CreateCheckRunOptions{
		Name:        CheckRunName(r),
		HeadSHA:     sha,
		Status:      github.String("completed"),
		Conclusion:  github.String(Conclusion(r.Status)),
		CompletedAt: &github.Timestamp{Time: completed.UTC()},
		Output:      &github.CheckRunOutput{Title: github.String(Title(r)), Summary: github.String(Cut(summary, MaxCheckRunSummary))},
	}
	if !r.StartedAt.IsZero() {
		opts.StartedAt = &github.Timestamp{Time: r.StartedAt.UTC()}
	}
	if r.ID != "" {
		opts.ExternalID = github.String(r.ID)
	}
	for _, l := range append(append([]result.Link(nil), r.Links...), result.Link{URL: r.Audit.RunURL}) {
		if safeURL(l.URL) != "" {
			opts.DetailsURL = github.String(l.URL)
			break
		}
	}
	var link string
	err := g.retry(ctx, fmt.Sprintf("create a check run on %s/%s@%s", owner, repo, sha), PermissionCheckRun, func() (*github.Response, error) {
		c, resp, err := g.Checks.CreateCheckRun(ctx, owner, repo, opts)
		if err == nil {
			link = c.GetHTMLURL()
		}
		return resp, err
	})
	return link, err
}

// retry calls fn until it succeeds, fails for good, or runs out of
// attempts. 5xx answers, secondary rate limits, primary rate limits that
// reset within MaxDelay and network errors are retried; 403 and 404 become
// a *PermissionError naming permission.
func (g *GitHub) retry(ctx context.Context, op, permission string, fn func() (*github.Response, error)) error {
	attempts, minDelay, maxDelay := g.Retry.Attempts, g.Retry.MinDelay, g.Retry.MaxDelay
	if attempts < 1 {
		attempts = 4
	}
	if minDelay <= 0 {
		minDelay = time.Second
	}
	if maxDelay <= 0 {
		maxDelay = time.Minute
	}
	sleep := g.Sleep
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
			return explain(op, permission, err)
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("github: %s: %w", op, err)
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

// explain turns a refused call into a *PermissionError and leaves other
// errors as they are, wrapped with what was being done.
func explain(op, permission string, err error) error {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		if s := er.Response.StatusCode; s == http.StatusForbidden || s == http.StatusNotFound {
			return &PermissionError{Op: op, Status: s, Permission: permission, Message: er.Message}
		}
	}
	return fmt.Errorf("github: %s: %w", op, err)
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
