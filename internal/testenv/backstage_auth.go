package testenv

// Callers of a test Backstage besides the static token: signed-in users
// (the guest auth provider) and external callers with a JWT checked against
// a JWKS (backend.auth.externalAccess type jwks, app-config.jwks.yaml), or
// GitHub Actions OIDC tokens checked by stagecrew's github-actions handler
// (app-config.ghactions.yaml).

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// BackstageJWKSAudience is the audience BackstageJWKS defaults to. It is
// not "backstage": Backstage takes any JWT whose aud is exactly "backstage"
// (without a vnd.backstage.* typ) for one of its own legacy user tokens and
// turns it away with 401 before the externalAccess handlers see it
// (backend-defaults 0.18.0, UserTokenHandler).
const BackstageJWKSAudience = "stagecrew-backstage"

// BackstageJWKS describes the external JWT issuer a server trusts.
type BackstageJWKS struct {
	// URL is the JWKS document's URL (plain http is fine).
	URL string
	// Issuer is the iss tokens must carry; empty means URL's origin.
	Issuer string
	// Audience is the aud tokens must carry; empty means
	// BackstageJWKSAudience.
	Audience string
	// SubjectPrefix names the callers: a token's sub becomes the service
	// principal external:PREFIX:SUB. Empty means "github".
	SubjectPrefix string
}

// OIDCJWKS is the BackstageJWKS of a local OIDC issuer: its JWKS and
// issuer, audience BackstageJWKSAudience, prefix "github". Tokens for the
// server are o.Mint(BackstageJWKSAudience).
func OIDCJWKS(o *OIDC) *BackstageJWKS {
	return &BackstageJWKS{URL: o.URL + "/.well-known/jwks", Issuer: o.URL, Audience: BackstageJWKSAudience, SubjectPrefix: "github"}
}

// BackstageGitHubActions configures the server's github-actions entry: the
// handler of examples/backstage/github-actions-token-handler.js, which
// verifies a token as the jwks entry does and then admits it only when its
// claims meet every restriction set here. Lists match any of their entries;
// an empty list is no restriction, except that RepositoryOwners or
// RepositoryOwnerIDs must be set (the server does not start otherwise).
type BackstageGitHubActions struct {
	// URL is the JWKS document's URL.
	URL string
	// Issuer is the iss tokens must carry; empty means URL's origin.
	Issuer string
	// Audience is the aud tokens must carry; empty means
	// BackstageJWKSAudience.
	Audience string
	// SubjectPrefix names the callers (external:PREFIX:SUB); empty means
	// "github-actions".
	SubjectPrefix string
	// RepositoryOwners are repository_owner logins; RepositoryOwnerIDs are
	// repository_owner_id values (which, unlike logins, are never reused).
	RepositoryOwners, RepositoryOwnerIDs []string
	// Repositories are OWNER/REPO names (the repository claim).
	Repositories []string
	// Environments are the job's deployment environments.
	Environments []string
	// WorkflowRefs and JobWorkflowRefs are workflow_ref and job_workflow_ref
	// values, or prefixes of them ending in "@" or "/".
	WorkflowRefs, JobWorkflowRefs []string
}

// OIDCGitHubActions is the BackstageGitHubActions of a local OIDC issuer
// (its JWKS and issuer, audience BackstageJWKSAudience) restricted to the
// repository owner of GitHubClaims by ID, "65". Tokens for the server are
// o.Mint(BackstageJWKSAudience).
func OIDCGitHubActions(o *OIDC) *BackstageGitHubActions {
	return &BackstageGitHubActions{
		URL: o.URL + "/.well-known/jwks", Issuer: o.URL, Audience: BackstageJWKSAudience,
		RepositoryOwnerIDs: []string{"65"},
	}
}

// env is node's environment for the github-actions entry (read by
// test/backstage/index.js and app-config.ghactions.yaml).
func (g *BackstageGitHubActions) env() []string {
	env := []string{"STAGECREW_GHA_URL=" + g.URL}
	for _, v := range []struct{ name, value string }{
		{"ISSUER", g.Issuer},
		{"AUDIENCE", g.Audience},
		{"SUBJECT_PREFIX", g.SubjectPrefix},
		{"REPOSITORY_OWNERS", strings.Join(g.RepositoryOwners, ",")},
		{"REPOSITORY_OWNER_IDS", strings.Join(g.RepositoryOwnerIDs, ",")},
		{"REPOSITORIES", strings.Join(g.Repositories, ",")},
		{"ENVIRONMENTS", strings.Join(g.Environments, ",")},
		{"WORKFLOW_REFS", strings.Join(g.WorkflowRefs, ",")},
		{"JOB_WORKFLOW_REFS", strings.Join(g.JobWorkflowRefs, ",")},
	} {
		// Unset, not empty: Backstage leaves an option out when its
		// ${VAR} is undefined.
		if v.value != "" {
			env = append(env, "STAGECREW_GHA_"+v.name+"="+v.value)
		}
	}
	return env
}

// authEnv is node's environment for the options' auth and GitHub settings
// (read by test/backstage/index.js).
func (o BackstageOptions) authEnv() []string {
	var env []string
	if o.GuestUser != "" {
		env = append(env, "STAGECREW_GUEST_USER="+o.GuestUser)
	}
	if o.GitHubAPIURL != "" {
		env = append(env, "STAGECREW_GITHUB_API_URL="+strings.TrimSuffix(o.GitHubAPIURL, "/"))
	}
	if o.GitHubToken != "" {
		env = append(env, "STAGECREW_GITHUB_TOKEN="+o.GitHubToken)
	}
	if j := o.JWKS; j != nil {
		env = append(env, "STAGECREW_JWKS_URL="+j.URL)
		if j.Issuer != "" {
			env = append(env, "STAGECREW_JWKS_ISSUER="+j.Issuer)
		}
		if j.Audience != "" {
			env = append(env, "STAGECREW_JWKS_AUDIENCE="+j.Audience)
		}
		if j.SubjectPrefix != "" {
			env = append(env, "STAGECREW_JWKS_SUBJECT_PREFIX="+j.SubjectPrefix)
		}
	}
	if g := o.GitHubActions; g != nil {
		env = append(env, g.env()...)
	}
	return env
}

// BackstageIdentity is who a user token speaks for.
type BackstageIdentity struct {
	UserEntityRef       string   `json:"userEntityRef"`
	OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
}

// UserToken signs in through the guest auth provider (GET
// /api/auth/guest/refresh, no credentials) and returns the Backstage user
// token of BackstageOptions.GuestUser.
func (s *BackstageServer) UserToken(t testing.TB) string {
	t.Helper()
	tok, _ := s.SignIn(t)
	return tok
}

// SignIn is UserToken that also returns the identity the token carries
// (the user and, when the catalog has the user, its groups).
func (s *BackstageServer) SignIn(t testing.TB) (string, BackstageIdentity) {
	t.Helper()
	resp, body := s.DoAs(t, "", http.MethodGet, "/api/auth/guest/refresh", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("testenv: guest sign-in: GET /api/auth/guest/refresh answers %s: %s", resp.Status, body)
	}
	var got struct {
		BackstageIdentity struct {
			Token    string            `json:"token"`
			Identity BackstageIdentity `json:"identity"`
		} `json:"backstageIdentity"`
	}
	if err := json.Unmarshal(body, &got); err != nil || got.BackstageIdentity.Token == "" {
		t.Fatalf("testenv: guest sign-in answered no token (%v): %.300s", err, body)
	}
	return got.BackstageIdentity.Token, got.BackstageIdentity.Identity
}
