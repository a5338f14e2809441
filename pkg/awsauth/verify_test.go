package awsauth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

func TestVerifyToken(t *testing.T) {
	o := testenv.StartOIDC(t)
	ctx := context.Background()
	good := o.Mint("sts.amazonaws.com")

	c, err := VerifyToken(ctx, good, o.URL, "sts.amazonaws.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Claims{
		Issuer: o.URL, Subject: "repo:acme/payments:environment:production", Audience: Audience{"sts.amazonaws.com"},
		Repository: "acme/payments", RepositoryOwner: "acme", RepositoryID: "74", RepositoryOwnerID: "65",
		Environment: "production", Ref: "refs/heads/main", RefType: "branch", Actor: "octocat", ActorID: "12",
		EventName: "workflow_dispatch", RunID: "1234567890", RunAttempt: "1",
		JobWorkflowRef: "acme/payments/.github/workflows/deploy.yml@refs/heads/main",
	}
	if c.Subject != want.Subject || c.Audience.String() != want.Audience.String() || c.Repository != want.Repository ||
		c.RepositoryOwner != want.RepositoryOwner || c.RepositoryID != want.RepositoryID || c.RepositoryOwnerID != want.RepositoryOwnerID ||
		c.Environment != want.Environment || c.Ref != want.Ref || c.RefType != want.RefType || c.Actor != want.Actor ||
		c.ActorID != want.ActorID || c.EventName != want.EventName || c.RunID != want.RunID || c.RunAttempt != want.RunAttempt ||
		c.JobWorkflowRef != want.JobWorkflowRef || c.WorkflowRef == "" || c.SHA == "" || c.Issuer != o.URL {
		t.Errorf("claims\n got %+v\nwant %+v", c, want)
	}
	if d := time.Until(c.Expiry.Time()); d < 4*time.Minute || d > 5*time.Minute {
		t.Errorf("exp in %v, want about 5 minutes", d)
	}

	parts := strings.Split(good, ".")
	forgedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"` + o.URL + `","aud":"sts.amazonaws.com","sub":"repo:evil/x:ref:refs/heads/main","exp":9999999999}`))
	expired := func() string {
		o.SetLifetime(-2 * time.Minute)
		defer o.SetLifetime(5 * time.Minute)
		return o.Mint("sts.amazonaws.com")
	}()
	barelyExpired := func() string {
		o.SetLifetime(-30 * time.Second) // within the leeway
		defer o.SetLifetime(5 * time.Minute)
		return o.Mint("sts.amazonaws.com")
	}()
	now := time.Now()
	tests := []struct {
		name     string
		raw      string
		issuer   string
		audience string
		now      time.Time
		want     string // in the error; "" means valid
	}{
		{"good", good, o.URL, "sts.amazonaws.com", now, ""},
		{"issuer with a trailing slash", good, o.URL + "/", "sts.amazonaws.com", now, ""},
		{"expired within the leeway", barelyExpired, o.URL, "sts.amazonaws.com", now, ""},
		{"other audience", good, o.URL, "https://github.com/acme", now, "audience"},
		{"expired", expired, o.URL, "sts.amazonaws.com", now, "expired"},
		{"not yet valid", good, o.URL, "sts.amazonaws.com", now.Add(-10 * time.Minute), "not valid before"},
		{"forged payload", parts[0] + "." + forgedPayload + "." + parts[2], o.URL, "sts.amazonaws.com", now, "bad signature"},
		{"alg none", o.Sign(map[string]any{"alg": "none", "kid": o.KeyID}, map[string]any{"aud": "sts.amazonaws.com"}), o.URL, "sts.amazonaws.com", now, `algorithm "none"`},
		{"HS256", o.Sign(map[string]any{"alg": "HS256", "kid": o.KeyID}, map[string]any{}), o.URL, "sts.amazonaws.com", now, "HS256"},
		{"unknown kid", o.Sign(map[string]any{"alg": "RS256", "kid": "nope"}, map[string]any{}), o.URL, "sts.amazonaws.com", now, `no RS256 key "nope"`},
		{"wrong iss claim", o.Sign(map[string]any{"alg": "RS256", "kid": o.KeyID}, map[string]any{"iss": GitHubIssuer, "aud": "sts.amazonaws.com", "exp": 9999999999}), o.URL, "sts.amazonaws.com", now, "issuer"},
		{"no exp", o.Sign(map[string]any{"alg": "RS256", "kid": o.KeyID}, map[string]any{"iss": o.URL, "aud": "sts.amazonaws.com"}), o.URL, "sts.amazonaws.com", now, "no exp"},
		{"issuer unreachable", good, "http://127.0.0.1:1", "sts.amazonaws.com", now, "fetch"},
		{"not a JWT", "abc", o.URL, "sts.amazonaws.com", now, "not a JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Verifier{Issuer: tt.issuer, Audience: tt.audience, Now: func() time.Time { return tt.now }}
			_, err := v.Verify(ctx, tt.raw)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Verify: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrTokenVerification)):
				t.Fatalf("Verify err = %v, want ErrTokenVerification mentioning %q", err, tt.want)
			}
		})
	}
}
