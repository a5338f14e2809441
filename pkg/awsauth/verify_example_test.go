package awsauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stagecrew/stagecrew/pkg/awsauth"
)

// A long-lived Verifier fetches GitHub's keys once and keeps them; build it
// once and share it. (Not run: it needs GitHub's issuer.)
func ExampleVerifier() {
	v := &awsauth.Verifier{
		Issuer:     awsauth.GitHubIssuer,
		Audience:   "sts.amazonaws.com",
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
	}
	verify := func(ctx context.Context, token string) {
		claims, err := v.Verify(ctx, token)
		if errors.Is(err, awsauth.ErrTokenVerification) {
			fmt.Println("refused:", err) // says which check failed, never holds the token
			return
		}
		fmt.Println(claims.Repository, claims.Actor, claims.RunID)
	}
	_ = verify
}
