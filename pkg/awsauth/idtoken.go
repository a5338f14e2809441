package awsauth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sethvargo/go-githubactions"
)

// IDTokenRefreshWindow is how long before its expiry an IDTokenSource
// replaces a cached token.
const IDTokenRefreshWindow = time.Minute

// IDTokenSource returns a function that gives the job's GitHub OIDC token
// for audience, such as the token Backstage verifies through an
// externalAccess jwks entry. A token is fetched (with the same retries as
// the role exchange), masked in the job log with ::add-mask:: before
// anything else can print it, and cached until IDTokenRefreshWindow before
// its exp claim; then the next call fetches a fresh one. It is safe for
// concurrent use. A job without `permissions: id-token: write` gets an error
// wrapping ErrNoIDTokenPermission.
func IDTokenSource(a *githubactions.Action, audience string) func(ctx context.Context) (string, error) {
	src := actionsToken{action: a, audience: audience, attemptTimeout: 30 * time.Second, attempts: 3, backoff: 200 * time.Millisecond}
	var (
		mu      sync.Mutex
		token   string
		expires time.Time
	)
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if token != "" && time.Until(expires) > IDTokenRefreshWindow {
			return token, nil
		}
		tok, err := src.token(ctx)
		if err != nil {
			return "", err
		}
		a.AddMask(tok)
		c, err := DecodeClaims(tok)
		if err != nil {
			return "", fmt.Errorf("the GitHub OIDC token (audience %q): %w", audience, err)
		}
		token, expires = tok, c.Expiry.Time()
		return token, nil
	}
}
