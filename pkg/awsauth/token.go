package awsauth

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// tokenSource fetches a fresh OIDC token for each exchange.
type tokenSource interface {
	token(ctx context.Context) (string, error)
	String() string
}

// actionsToken asks the GitHub Actions runtime for a token: GET
// ACTIONS_ID_TOKEN_REQUEST_URL&audience=... with the bearer
// ACTIONS_ID_TOKEN_REQUEST_TOKEN, through go-githubactions.
type actionsToken struct {
	action         *githubactions.Action
	audience       string
	attemptTimeout time.Duration
	attempts       int
	backoff        time.Duration
}

func (a actionsToken) String() string {
	return "the GitHub Actions OIDC token (audience " + a.audience + ")"
}

func (a actionsToken) token(ctx context.Context) (string, error) {
	var err error
	for attempt := 1; ; attempt++ {
		var tok string
		tok, err = a.once(ctx)
		if err == nil {
			return tok, nil
		}
		if attempt >= a.attempts || !a.retryable(err) {
			break
		}
		// Full jitter over an exponential backoff.
		d := time.Duration(rand.Int64N(int64(a.backoff<<attempt) + 1))
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("request the GitHub OIDC token: %w (after %v)", ctx.Err(), err)
		case <-time.After(d):
		}
	}
	return "", err
}

func (a actionsToken) once(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, a.attemptTimeout)
	defer cancel()
	tok, err := a.action.GetIDToken(ctx, a.audience)
	var missing *githubactions.EnvMissingError
	var failed *githubactions.RequestFailedError
	switch {
	case errors.As(err, &missing):
		return "", noPermission(missing.Name)
	case errors.As(err, &failed):
		// The status, never the body: an error page may echo the request's
		// bearer token.
		return "", &TokenRequestError{Audience: a.audience, StatusCode: failed.StatusCode}
	case err != nil:
		return "", fmt.Errorf("request the GitHub OIDC token (audience %q): %w", a.audience, err)
	case strings.TrimSpace(tok) == "":
		return "", fmt.Errorf("request the GitHub OIDC token (audience %q): the answer holds no token", a.audience)
	}
	return tok, nil
}

func (a actionsToken) retryable(err error) bool {
	if errors.Is(err, ErrNoIDTokenPermission) {
		return false
	}
	var failed *TokenRequestError
	if errors.As(err, &failed) {
		return failed.StatusCode == 429 || failed.StatusCode >= 500
	}
	return isTransient(err)
}

// noPermission is the error of a job whose environment lacks the token
// request variable name.
func noPermission(name string) error {
	return fmt.Errorf("%w: %s is not set. Add to the workflow or the job:\n"+
		"  permissions:\n    id-token: write\n    contents: read\n"+
		"(a job's permissions replace the workflow's; pull requests from forks get no OIDC token)",
		ErrNoIDTokenPermission, name)
}

// maxTokenFile bounds a web identity token file (a JWT of a few KiB).
const maxTokenFile = 64 << 10

// fileToken reads a token file (AWS_WEB_IDENTITY_TOKEN_FILE) for every
// exchange, so a rotating file is followed.
type fileToken string

func (f fileToken) String() string { return "the web identity token file " + string(f) }

func (f fileToken) token(context.Context) (string, error) {
	// A token is a few KiB; a pipe or device is refused, never waited on.
	b, err := safefile.ReadFile(string(f), maxTokenFile)
	if err != nil {
		return "", fmt.Errorf("read the web identity token: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("read the web identity token: %s is empty", string(f))
	}
	return tok, nil
}
