package report_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/report"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// The tests below talk to testenv's GitHub stand-in, which validates every
// request go-github sends for the publisher, and every answer it gives,
// against GitHub's official OpenAPI description (@octokit/openapi); a
// violation fails the test.

const pr = 7

func publisher(t *testing.T, g *testenv.GitHubServer) *report.GitHub {
	t.Helper()
	c, err := report.NewGitHubClient(nil, g.URL, g.Token)
	if err != nil {
		t.Fatal(err)
	}
	p := report.NewGitHub(c)
	p.Retry = report.Retry{Attempts: 3, MinDelay: time.Millisecond, MaxDelay: 2 * time.Second}
	return p
}

func sample(status result.Status) *result.Result {
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	return &result.Result{
		Target:    result.Target{Kind: result.StepFunctionsExecution, Entity: "component:default/payments", Environment: "production", Name: "payments"},
		Status:    status,
		ID:        "arn:aws:states:us-east-1:123456789012:execution:payments:run-1",
		StartedAt: start, EndedAt: start.Add(90 * time.Second),
		Links: []result.Link{{Title: "Execution", URL: "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/x"}},
		Audit: result.Audit{Actor: "octocat", RunURL: "https://github.com/acme/payments/actions/runs/1"},
	}
}

// TestStickyCommentCreatesThenEdits: the first run creates the comment, the
// second edits it, found on the third page of comments; comments that do
// not start with the marker are left alone.
func TestStickyCommentCreatesThenEdits(t *testing.T) {
	g := testenv.StartGitHub(t, testenv.GitHubOptions{})
	p := publisher(t, g)
	marker := report.Marker("component:default/payments", "production")
	quoted := "I saw this in the bot's comment: " + marker + " — why?"
	for i := range 230 {
		g.AddComment(pr, fmt.Sprintf("reviewer%d", i%5), "User", fmt.Sprintf("comment %d", i))
		if i == 120 {
			g.AddComment(pr, "mallory", "User", quoted)
			g.AddComment(pr, "github-actions[bot]", "Bot", report.Marker("component:default/payments", "staging")+"\nother environment")
		}
	}
	ctx := context.Background()
	first, err := p.StickyComment(ctx, "acme", "payments", pr, marker, marker+"\nfirst run")
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.StickyComment(ctx, "acme", "payments", pr, marker, marker+"\nsecond run")
	if err != nil {
		t.Fatal(err)
	}
	if first == "" || first != second {
		t.Errorf("comment URLs %q then %q, want the same comment", first, second)
	}
	var mine []testenv.GitHubComment
	for _, c := range g.Comments(pr) {
		switch {
		case strings.HasPrefix(c.Body, marker):
			mine = append(mine, c)
		case c.Login == "mallory" && c.Body != quoted:
			t.Errorf("a comment that only quotes the marker was changed: %q", c.Body)
		case strings.HasSuffix(c.Body, "other environment") && !strings.HasPrefix(c.Body, report.Marker("component:default/payments", "staging")):
			t.Errorf("another environment's comment was changed")
		}
	}
	if len(mine) != 1 || mine[0].Body != marker+"\nsecond run" {
		t.Fatalf("marked comments = %+v, want one with the second run", mine)
	}
	if n := len(g.Comments(pr)); n != 233 {
		t.Errorf("%d comments, want 230 + 2 + 1", n)
	}
	reqs := strings.Join(g.Requests(), "\n")
	for _, want := range []string{"page=2", "page=3", "PATCH /repos/acme/payments/issues/comments/"} {
		if !strings.Contains(reqs, want) {
			t.Errorf("no request with %q:\n%s", want, reqs)
		}
	}
}

// TestStickyCommentPrefersTheBot: when a person's comment also starts with
// the marker, the bot's own comment is the one edited.
func TestStickyCommentPrefersTheBot(t *testing.T) {
	g := testenv.StartGitHub(t, testenv.GitHubOptions{})
	p := publisher(t, g)
	marker := report.Marker("component:default/payments", "production")
	human := g.AddComment(pr, "octocat", "User", marker+"\ncopied by hand")
	bot := g.AddComment(pr, "github-actions[bot]", "Bot", marker+"\nold")
	if _, err := p.StickyComment(context.Background(), "acme", "payments", pr, marker, marker+"\nnew"); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Comments(pr) {
		if c.ID == human && c.Body != marker+"\ncopied by hand" || c.ID == bot && c.Body != marker+"\nnew" {
			t.Errorf("comment %d by %s = %q", c.ID, c.Login, c.Body)
		}
	}
}

// TestStickyCommentCutsLongBody: a report longer than GitHub takes (a huge
// cause in a code block, multi-byte text) is cut to the limit, on a
// character boundary, with its code fence closed; GitHub's description and
// its 65536-character limit both accept it.
func TestStickyCommentCutsLongBody(t *testing.T) {
	g := testenv.StartGitHub(t, testenv.GitHubOptions{})
	p := publisher(t, g)
	r := sample(result.Failed)
	r.Failure = &result.Failure{Where: "Charge", Error: "States.TaskFailed", Cause: strings.Repeat("Zahlung abgelehnt — ü ``` 💳\n", 4000)}
	md := report.Markdown(r, r.EndedAt)
	if utf8.RuneCountInString(md) <= report.MaxCommentBody {
		t.Fatalf("the report is only %d characters; the test needs a longer one", utf8.RuneCountInString(md))
	}
	marker := report.Marker(r.Target.Entity, r.Target.Environment)
	if _, err := p.StickyComment(context.Background(), "acme", "payments", pr, marker, md); err != nil {
		t.Fatal(err)
	}
	cs := g.Comments(pr)
	if len(cs) != 1 {
		t.Fatalf("%d comments", len(cs))
	}
	body := cs[0].Body
	if n := utf8.RuneCountInString(body); n > report.MaxCommentBody || n < report.MaxCommentBody-4200 {
		t.Errorf("body of %d characters, want a little under %d", n, report.MaxCommentBody)
	}
	if !utf8.ValidString(body) || !strings.HasPrefix(body, marker) || !strings.Contains(body, "(cut") {
		t.Errorf("cut body: valid UTF-8 %v, marker first %v, note %v", utf8.ValidString(body), strings.HasPrefix(body, marker), strings.Contains(body, "(cut"))
	}
	// The cause's fence is four backticks (the cause holds three): the cut
	// must close it before the note.
	if !strings.Contains(body, "\n````\n\n(cut") {
		t.Errorf("the code fence is not closed before the note: %q", body[len(body)-200:])
	}
}

// TestCheckRunConclusions: every status maps to a conclusion GitHub
// accepts (the oracle checks the enum), in a completed check run named for
// the entity and environment, linked to the console.
func TestCheckRunConclusions(t *testing.T) {
	g := testenv.StartGitHub(t, testenv.GitHubOptions{})
	p := publisher(t, g)
	want := map[result.Status]string{
		result.Succeeded: "success", result.Failed: "failure", result.TimedOut: "failure", result.Aborted: "failure",
		result.Cancelled: "cancelled", result.WaitTimeout: "timed_out", result.Denied: "failure", result.Running: "neutral",
	}
	sha := "d6e7c3f1f1b0c2f5c3f1f7b0c2f5c3f1f7b0c2f5"
	for status, conclusion := range want {
		r := sample(status)
		link, err := p.CheckRun(context.Background(), "acme", "payments", sha, r, report.Markdown(r, r.EndedAt))
		if err != nil {
			t.Fatalf("%s: %v", status, err)
		}
		runs := g.CheckRuns()
		cr := runs[len(runs)-1]
		if cr["conclusion"] != conclusion || cr["status"] != "completed" || cr["head_sha"] != sha || link != cr["html_url"] {
			t.Errorf("%s: conclusion %v status %v sha %v url %q", status, cr["conclusion"], cr["status"], cr["head_sha"], link)
		}
		if cr["name"] != "stagecrew: component:default/payments → production" || cr["details_url"] != r.Links[0].URL || cr["external_id"] != r.ID {
			t.Errorf("%s: name %v details %v external id %v", status, cr["name"], cr["details_url"], cr["external_id"])
		}
		out := cr["output"].(map[string]any)
		if out["title"] != report.Title(r) || !strings.HasPrefix(out["summary"].(string), "<!-- stagecrew:") {
			t.Errorf("%s: output %v", status, out)
		}
	}
	if len(want) != 8 {
		t.Error("a status is missing from the table")
	}
}

// TestCheckRunDetailsURLOnlyHTTP: a link that is not http(s) is never the
// details URL; the workflow run's is used instead.
func TestCheckRunDetailsURLOnlyHTTP(t *testing.T) {
	g := testenv.StartGitHub(t, testenv.GitHubOptions{})
	r := sample(result.Failed)
	r.Links = []result.Link{{Title: "x", URL: "javascript:alert(1)"}}
	if _, err := publisher(t, g).CheckRun(context.Background(), "acme", "payments", "abc", r, "s"); err != nil {
		t.Fatal(err)
	}
	if got := g.CheckRuns()[0]["details_url"]; got != r.Audit.RunURL {
		t.Errorf("details_url = %v", got)
	}
}

// TestPermissionErrors: a token without the permission gets an error that
// names it, and the token never appears in it.
func TestPermissionErrors(t *testing.T) {
	g := testenv.StartGitHub(t, testenv.GitHubOptions{})
	g.Deny("comments")
	g.Deny("checks")
	p := publisher(t, g)
	marker := report.Marker("component:default/payments", "production")
	_, err := p.StickyComment(context.Background(), "acme", "payments", pr, marker, marker+"\nx")
	var pe *report.PermissionError
	if !errors.As(err, &pe) || pe.Status != 403 || !strings.Contains(err.Error(), "pull-requests: write") {
		t.Errorf("comment: %v", err)
	}
	_, err = p.CheckRun(context.Background(), "acme", "payments", "abc", sample(result.Succeeded), "s")
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "checks: write") {
		t.Errorf("check run: %v", err)
	}
	if strings.Contains(fmt.Sprint(err), g.Token) {
		t.Error("the error holds the token")
	}
	if n := len(g.Requests()); n != 2 {
		t.Errorf("%d requests; a refusal must not be retried", n)
	}
}

// TestRetries: 5xx answers and a secondary rate limit (403 with
// Retry-After, which go-github also remembers and enforces on its side)
// are waited out; the comment is written once.
func TestRetries(t *testing.T) {
	g := testenv.StartGitHub(t, testenv.GitHubOptions{})
	p := publisher(t, g)
	marker := report.Marker("component:default/payments", "production")
	g.FailNext(http.StatusBadGateway, nil, "Server Error", "")
	g.FailNext(http.StatusForbidden, http.Header{"Retry-After": {"1"}}, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
		"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
	start := time.Now()
	if _, err := p.StickyComment(context.Background(), "acme", "payments", pr, marker, marker+"\nx"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("Retry-After: 1 was not honoured (done in %v)", d)
	}
	if n := len(g.Comments(pr)); n != 1 {
		t.Errorf("%d comments", n)
	}

	// More failures than attempts: the last error comes back.
	for range 3 {
		g.FailNext(http.StatusServiceUnavailable, nil, "Service Unavailable", "")
	}
	_, err := p.CheckRun(context.Background(), "acme", "payments", "abc", sample(result.Succeeded), "s")
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v, want the 503", err)
	}
}

// TestEnterpriseServerPath: GITHUB_API_URL of GitHub Enterprise Server ends
// in /api/v3; the client uses it as given.
func TestEnterpriseServerPath(t *testing.T) {
	g := testenv.StartGitHub(t, testenv.GitHubOptions{PathPrefix: "/api/v3"})
	c, err := report.NewGitHubClient(nil, strings.TrimSuffix(g.URL, "/"), g.Token)
	if err != nil {
		t.Fatal(err)
	}
	marker := report.Marker("component:default/payments", "production")
	if _, err := report.NewGitHub(c).StickyComment(context.Background(), "acme", "payments", pr, marker, marker); err != nil {
		t.Fatal(err)
	}
	if reqs := g.Requests(); len(reqs) != 2 || !strings.HasPrefix(reqs[0], "GET /api/v3/repos/acme/payments/issues/7/comments") {
		t.Errorf("requests = %q", reqs)
	}
}

// TestPostedMarkdownStaysEscaped: the comment GitHub receives is
// report.Markdown's text as is, so what it escaped stays escaped.
func TestPostedMarkdownStaysEscaped(t *testing.T) {
	g := testenv.StartGitHub(t, testenv.GitHubOptions{})
	r := sample(result.Failed)
	r.Target.Name = "payments [x](https://evil.example) @everyone"
	r.Failure = &result.Failure{Where: "<img src=x onerror=alert(1)>", Error: "@acme/security", Cause: "```\n# injected heading\n```"}
	md := report.Markdown(r, r.EndedAt)
	marker := report.Marker(r.Target.Entity, r.Target.Environment)
	if _, err := publisher(t, g).StickyComment(context.Background(), "acme", "payments", pr, marker, md); err != nil {
		t.Fatal(err)
	}
	body := g.Comments(pr)[0].Body
	if body != md {
		t.Fatalf("the posted body differs from report.Markdown's")
	}
	for _, bad := range []string{"[x](https://evil", "<img", "@everyone", "@acme/security", "\n# injected heading\n```\n\n"} {
		if strings.Contains(body, bad) {
			t.Errorf("posted comment holds %q unescaped", bad)
		}
	}
}

// TestOracleCatchesBadRequests: the oracle is not a rubber stamp: requests
// GitHub would refuse fail validation.
func TestOracleCatchesBadRequests(t *testing.T) {
	o := testenv.GitHubOpenAPI(t)
	t.Logf("description loaded in %v", o.LoadTime)
	for _, tc := range []struct{ name, method, path, body string }{
		{"unknown conclusion", "POST", "/repos/acme/payments/check-runs", `{"name":"n","head_sha":"abc","conclusion":"wait_timeout"}`},
		{"summary over 65535 characters", "POST", "/repos/acme/payments/check-runs", `{"name":"n","head_sha":"abc","output":{"title":"t","summary":"` + strings.Repeat("é", 65536) + `"}}`},
		{"check run without head_sha", "POST", "/repos/acme/payments/check-runs", `{"name":"n"}`},
		{"comment without body", "POST", "/repos/acme/payments/issues/7/comments", `{"text":"hi"}`},
		{"issue number not a number", "GET", "/repos/acme/payments/issues/seven/comments", ``},
		{"no such operation", "PUT", "/repos/acme/payments/issues/7/comments", `{"body":"x"}`},
	} {
		req := httptest.NewRequest(tc.method, "http://127.0.0.1"+tc.path, bytes.NewBufferString(tc.body))
		req.Header.Set("Content-Type", "application/json")
		if _, err := o.ValidateRequest(req, ""); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	ok := httptest.NewRequest("POST", "http://127.0.0.1/repos/acme/payments/check-runs", bytes.NewBufferString(`{"name":"n","head_sha":"abc","output":{"title":"t","summary":"`+strings.Repeat("é", 65535)+`"}}`))
	ok.Header.Set("Content-Type", "application/json")
	if _, err := o.ValidateRequest(ok, ""); err != nil {
		t.Errorf("a summary of exactly 65535 characters: %v", err)
	}
}
