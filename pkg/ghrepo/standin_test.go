package ghrepo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/ghrepo"
	"github.com/stagecrew/stagecrew/pkg/report"
)

// startGitHub starts the GitHub stand-in (every request and answer checked
// against GitHub's OpenAPI description) and a client of it with its token.
func startGitHub(t *testing.T) (*testenv.GitHubServer, *github.Client) {
	t.Helper()
	gh := testenv.StartGitHub(t, testenv.GitHubOptions{PathPrefix: "/api/v3"})
	c, err := report.NewGitHubClient(nil, gh.URL, gh.Token)
	if err != nil {
		t.Fatal(err)
	}
	return gh, c
}

// noSleep makes retries immediate.
func noSleep(o *ghrepo.Options) {
	o.Sleep = func(context.Context, time.Duration) error { return nil }
}

func open(t *testing.T, c *github.Client, owner, repo string, optFns ...func(*ghrepo.Options)) *ghrepo.Snapshot {
	t.Helper()
	s, err := ghrepo.Open(context.Background(), c, owner, repo, append([]func(*ghrepo.Options){noSleep}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
