package actions_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/cli"
	"github.com/stagecrew/stagecrew/internal/testenv"
)

// TestTrustPolicyEvaluated decides the trust policies `stagecrew iam
// trust-policy` prints with IAM's evaluation logic (iam-simulate), for the
// claim sets of real GitHub Actions jobs: only the entity's own repository
// and environment (or branch), with the audience stagecrew asks for, may
// assume the role.
//
// moto cannot be the judge here: its STS answers AssumeRoleWithWebIdentity
// for any token and any role without reading the token or the trust policy
// (moto 5.2.1 moto/sts/responses.py:95-108 never reads WebIdentityToken;
// moto/sts/models.py:116-117 hands the call to assume_role, which checks
// nothing), and under enforced IAM the unsigned call fails with a 500
// (moto/iam/access_control.py:233 reads the Authorization header).
// TestEnforcedLeastPrivilege's moto subtest shows moto issuing credentials
// for the token "not.a.token". So every run there assumes its role without
// a trust check, and the trust policy is proven here instead.
//
// The claim sets are GitHub's: the sub forms of its OpenID Connect
// reference (environment, branch, tag, pull request), the aud GitHub puts
// in a token when the job asks for none (the owner's URL), and the token
// testenv's issuer mints (modelled on a real job's token).
func TestTrustPolicyEvaluated(t *testing.T) {
	sim := testenv.StartIAMSimulator(t)
	if t.Skipped() {
		return
	}
	dir := t.TempDir()
	entity := filepath.Join(dir, "catalog-info.yaml")
	if err := os.WriteFile(entity, []byte(enforcedCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	trustPolicy := func(extra func(*cli.IAMOptions)) json.RawMessage {
		var out bytes.Buffer
		opts := &cli.IAMOptions{IO: &cli.IOStreams{Out: &out, ErrOut: io.Discard}, EntityFile: entity, Name: "storefront",
			Environment: "production", Subject: "environment", Branch: "main", Audience: "sts.amazonaws.com"}
		if extra != nil {
			extra(opts)
		}
		if err := cli.IAMTrustPolicyRun(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	const (
		provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
		role     = "arn:aws:iam::123456789012:role/stagecrew-storefront"
		host     = "token.actions.githubusercontent.com"
	)
	// A token as a job asking for stagecrew's audience gets it (claims of
	// GitHub's documented example), read back from its payload.
	token := strings.Split(testenv.StartOIDC(t).Mint("sts.amazonaws.com"), ".")
	payload, err := base64.RawURLEncoding.DecodeString(token[1])
	if err != nil {
		t.Fatal(err)
	}
	var minted struct{ Sub, Aud string }
	if err := json.Unmarshal(payload, &minted); err != nil {
		t.Fatal(err)
	}
	mintedSub, mintedAud := minted.Sub, minted.Aud

	for _, c := range []struct {
		name      string
		policy    json.RawMessage
		principal string
		sub, aud  string
		allowed   bool
	}{
		{"the entity's job in its environment", trustPolicy(nil), provider, "repo:acme/payments:environment:production", "sts.amazonaws.com", true},
		{"testenv's minted token", trustPolicy(nil), provider, mintedSub, mintedAud, true},
		{"GitHub's default audience", trustPolicy(nil), provider, "repo:acme/payments:environment:production", "https://github.com/acme", false},
		{"another environment", trustPolicy(nil), provider, "repo:acme/payments:environment:staging", "sts.amazonaws.com", false},
		{"the default branch, no environment", trustPolicy(nil), provider, "repo:acme/payments:ref:refs/heads/main", "sts.amazonaws.com", false},
		{"a pull request", trustPolicy(nil), provider, "repo:acme/payments:pull_request", "sts.amazonaws.com", false},
		{"another repository", trustPolicy(nil), provider, "repo:acme/payments-fork:environment:production", "sts.amazonaws.com", false},
		{"another owner's repository of that name", trustPolicy(nil), provider, "repo:evil/payments:environment:production", "sts.amazonaws.com", false},
		{"an environment whose name extends it", trustPolicy(nil), provider, "repo:acme/payments:environment:production-2", "sts.amazonaws.com", false},
		{"another OIDC provider", trustPolicy(nil), "arn:aws:iam::123456789012:oidc-provider/gitlab.com", "repo:acme/payments:environment:production", "sts.amazonaws.com", false},

		{"branch form: the branch", trustPolicy(func(o *cli.IAMOptions) { o.Subject = "branch" }), provider, "repo:acme/payments:ref:refs/heads/main", "sts.amazonaws.com", true},
		{"branch form: a branch whose name extends it", trustPolicy(func(o *cli.IAMOptions) { o.Subject = "branch" }), provider, "repo:acme/payments:ref:refs/heads/main-hotfix", "sts.amazonaws.com", false},
		{"branch form: a tag of that name", trustPolicy(func(o *cli.IAMOptions) { o.Subject = "branch" }), provider, "repo:acme/payments:ref:refs/tags/main", "sts.amazonaws.com", false},
		{"branch form: an environment job", trustPolicy(func(o *cli.IAMOptions) { o.Subject = "branch" }), provider, "repo:acme/payments:environment:production", "sts.amazonaws.com", false},

		{"immutable IDs: the pinned repository", trustPolicy(func(o *cli.IAMOptions) { o.ImmutableIDs = "65/74" }), provider, "repo:acme@65/payments@74:environment:production", "sts.amazonaws.com", true},
		{"immutable IDs: a re-created repository", trustPolicy(func(o *cli.IAMOptions) { o.ImmutableIDs = "65/74" }), provider, "repo:acme@65/payments@99:environment:production", "sts.amazonaws.com", false},
		{"immutable IDs: the mutable form", trustPolicy(func(o *cli.IAMOptions) { o.ImmutableIDs = "65/74" }), provider, "repo:acme/payments:environment:production", "sts.amazonaws.com", false},
	} {
		d, err := sim.DecideTrust(testenv.IAMRequest{Principal: c.principal, Action: "sts:AssumeRoleWithWebIdentity", Resource: role, Account: "123456789012",
			Context: map[string]string{host + ":sub": c.sub, host + ":aud": c.aud}}, c.policy)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d.Allowed() != c.allowed {
			t.Errorf("%s (sub %s, aud %s): %s, want allowed=%v\npolicy:\n%s", c.name, c.sub, c.aud, d.Result, c.allowed, c.policy)
		}
		if c.allowed && (len(d.AllowedBy) != 1 || d.AllowedBy[0] != "GitHubActionsOIDC") {
			t.Errorf("%s: allowed by %v, want the GitHubActionsOIDC statement", c.name, d.AllowedBy)
		}
	}
}
