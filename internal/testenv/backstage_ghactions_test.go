package testenv

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// ghToken signs a GitHub Actions token of the local issuer for audience:
// GitHubClaims with the changes in set (nil deletes a claim), valid now for
// five minutes unless set says otherwise.
func ghToken(o *OIDC, audience string, set map[string]any) string {
	now := time.Now()
	c := GitHubClaims()
	c["iss"], c["aud"] = o.URL, audience
	c["iat"], c["nbf"], c["exp"] = now.Unix(), now.Add(-5*time.Second).Unix(), now.Add(5*time.Minute).Unix()
	c["jti"] = fmt.Sprintf("jti-%d", now.UnixNano())
	for k, v := range set {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return o.Sign(map[string]any{"alg": "RS256", "typ": "JWT", "kid": o.KeyID}, c)
}

// tokenCase is one bearer token and the status GET /api/catalog/entities
// must answer it with.
type tokenCase struct {
	name  string
	token string
	want  int
}

func checkTokens(t *testing.T, bs *BackstageServer, cases []tokenCase) {
	t.Helper()
	for _, c := range cases {
		resp, body := bs.DoAs(t, c.token, http.MethodGet, "/api/catalog/entities?filter=kind=component", nil)
		if resp.StatusCode != c.want {
			t.Errorf("%s: GET /api/catalog/entities answers %s %.300s, want %d", c.name, resp.Status, body, c.want)
		}
	}
}

// TestBackstageGitHubActionsHandler runs the github-actions external token
// handler of examples/backstage/github-actions-token-handler.js in a real
// Backstage, against tokens of the local issuer standing in for GitHub's:
// every token verifies (right key, issuer), so what refuses the foreign ones
// is the handler's claim checks.
func TestBackstageGitHubActionsHandler(t *testing.T) {
	oidc := StartOIDC(t)
	aud := BackstageJWKSAudience

	t.Run("by owner ID", func(t *testing.T) {
		gha := OIDCGitHubActions(oidc) // repositoryOwnerIds: 65 (acme)
		gha.Repositories = []string{"acme/payments", "acme/orders"}
		gha.Environments = []string{"production", "staging"}
		gha.JobWorkflowRefs = []string{"acme/payments/.github/workflows/deploy.yml@", "acme/orders/.github/workflows/"}
		bs := NewBackstage(t, BackstageOptions{GitHubActions: gha})
		if bs == nil {
			return
		}
		t.Logf("Backstage with the github-actions entry ready in %v", bs.Startup.Round(time.Millisecond))
		good := ghToken(oidc, aud, nil)
		expired := ghToken(oidc, aud, map[string]any{
			"iat": time.Now().Add(-10 * time.Minute).Unix(), "nbf": time.Now().Add(-10 * time.Minute).Unix(),
			"exp": time.Now().Add(-5 * time.Minute).Unix(),
		})
		evil := map[string]any{
			"sub": "repo:evil/payments:environment:production", "repository": "evil/payments",
			"repository_owner": "evil", "repository_owner_id": "66",
			"workflow_ref":     "evil/payments/.github/workflows/deploy.yml@refs/heads/main",
			"job_workflow_ref": "evil/payments/.github/workflows/deploy.yml@refs/heads/main",
		}
		cases := []tokenCase{
			{"acme/payments in production", good, http.StatusOK},
			{"o.Mint, the issuer's own token", oidc.Mint(aud), http.StatusOK},
			{"acme/orders in staging, a reusable workflow of its own", ghToken(oidc, aud, map[string]any{
				"repository": "acme/orders", "environment": "staging",
				"job_workflow_ref": "acme/orders/.github/workflows/reusable/deploy.yml@refs/tags/v1",
			}), http.StatusOK},
			{"repository and environment in other case", ghToken(oidc, aud, map[string]any{"repository": "ACME/Payments", "environment": "Production"}), http.StatusOK},
			{"another owner's workflow", ghToken(oidc, aud, evil), http.StatusUnauthorized},
			{"login acme, owner ID 66 (acme re-registered)", ghToken(oidc, aud, map[string]any{"repository_owner_id": "66"}), http.StatusUnauthorized},
			{"owner ID as a number", ghToken(oidc, aud, map[string]any{"repository_owner_id": 65}), http.StatusUnauthorized},
			{"no owner ID", ghToken(oidc, aud, map[string]any{"repository_owner_id": nil}), http.StatusUnauthorized},
			{"repository outside repositories", ghToken(oidc, aud, map[string]any{"repository": "acme/website", "sub": "repo:acme/website:environment:production"}), http.StatusUnauthorized},
			{"environment outside environments", ghToken(oidc, aud, map[string]any{"environment": "dev"}), http.StatusUnauthorized},
			{"job without an environment", ghToken(oidc, aud, map[string]any{"environment": nil, "sub": "repo:acme/payments:ref:refs/heads/main"}), http.StatusUnauthorized},
			{"job workflow of another repository", ghToken(oidc, aud, map[string]any{"job_workflow_ref": "acme/website/.github/workflows/deploy.yml@refs/heads/main"}), http.StatusUnauthorized},
			{"job workflow whose name only starts like an allowed one", ghToken(oidc, aud, map[string]any{"job_workflow_ref": "acme/payments/.github/workflows/deploy.yml.evil.yml@refs/heads/main"}), http.StatusUnauthorized},
			{"no sub", ghToken(oidc, aud, map[string]any{"sub": nil}), http.StatusUnauthorized},
			{"wrong audience", ghToken(oidc, aud+"-other", nil), http.StatusUnauthorized},
			{"GitHub's default audience", oidc.Mint("https://github.com/acme"), http.StatusUnauthorized},
			{"expired", expired, http.StatusUnauthorized},
			{"another issuer", ghToken(oidc, aud, map[string]any{"iss": "https://token.actions.githubusercontent.com"}), http.StatusUnauthorized},
			{"tampered payload", tamper(good), http.StatusUnauthorized},
			{"static token still works", bs.Token, http.StatusOK},
		}
		checkTokens(t, bs, cases)

		// The entry's other listed plugins take the token too.
		if resp, body := bs.DoAs(t, good, http.MethodGet, "/api/scaffolder/v2/actions", nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /api/scaffolder/v2/actions: %s %.300s, want 200", resp.Status, body)
		}
		// accessRestrictions hold: the auth plugin is not listed.
		if resp, body := bs.DoAs(t, good, http.MethodGet, "/api/auth/v1/userinfo", nil); resp.StatusCode != http.StatusForbidden ||
			!strings.Contains(string(body), "restricted to plugin(s) 'catalog', 'scaffolder', 'notifications', 'events'") {
			t.Errorf("token on the auth plugin: %s %.300s, want 403 for the entry's access restrictions", resp.Status, body)
		}

		// Refusals of verified tokens are logged with their reason, never
		// with a token; tokens that do not verify are passed over quietly.
		log, err := os.ReadFile(bs.LogPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			`repository "evil/payments" (owner "evil", id "66"): repository_owner_id "66" is not in repositoryOwnerIds`,
			`repository "acme/payments" (owner "acme", id "66"): repository_owner_id "66" is not in repositoryOwnerIds`,
			`repository "acme/website" (owner "acme", id "65"): its repository is not in repositories`,
			`environment "dev" is not in environments`,
			`environment null is not in environments`,
			`job_workflow_ref "acme/website/.github/workflows/deploy.yml@refs/heads/main" is not in jobWorkflowRefs`,
			`job_workflow_ref "acme/payments/.github/workflows/deploy.yml.evil.yml@refs/heads/main" is not in jobWorkflowRefs`,
		} {
			if !strings.Contains(string(log), want) {
				t.Errorf("server log lacks the refusal %q", want)
			}
		}
		// Ten of the refused tokens verify (the other five do not); each
		// is logged once, by the catalog's auth service.
		if n := strings.Count(string(log), "Refused a GitHub Actions token"); n != 10 {
			t.Errorf("server log has %d refusals, want one per refused token that verifies (10)", n)
		}
		for _, c := range cases {
			if strings.Contains(string(log), c.token) {
				t.Errorf("server log holds the token of %q", c.name)
			}
		}
	})

	t.Run("by owner login", func(t *testing.T) {
		gha := OIDCGitHubActions(oidc)
		gha.RepositoryOwnerIDs = nil
		gha.RepositoryOwners = []string{"acme"}
		bs := NewBackstage(t, BackstageOptions{GitHubActions: gha})
		if bs == nil {
			return
		}
		t.Logf("Backstage with the github-actions entry ready in %v", bs.Startup.Round(time.Millisecond))
		checkTokens(t, bs, []tokenCase{
			{"acme/payments", ghToken(oidc, aud, nil), http.StatusOK},
			{"any acme repository (no repositories option)", ghToken(oidc, aud, map[string]any{"repository": "acme/website", "environment": nil}), http.StatusOK},
			{"login in other case", ghToken(oidc, aud, map[string]any{"repository_owner": "ACME"}), http.StatusOK},
			{"another owner's workflow", ghToken(oidc, aud, map[string]any{"repository": "evil/payments", "repository_owner": "evil", "repository_owner_id": "66"}), http.StatusUnauthorized},
			{"wrong audience", ghToken(oidc, "https://github.com/acme", nil), http.StatusUnauthorized},
			// Why owner IDs are safer: a login names whoever holds it now.
			// If acme renamed itself, its own workflows are refused; whoever
			// registered the freed login "acme" (a new ID) is let in.
			{"acme renamed to acme-corp (ID 65)", ghToken(oidc, aud, map[string]any{"repository": "acme-corp/payments", "repository_owner": "acme-corp"}), http.StatusUnauthorized},
			{"a new owner of the login acme (ID 66)", ghToken(oidc, aud, map[string]any{"repository_owner_id": "66"}), http.StatusOK},
		})
	})

	t.Run("refuses to start open", func(t *testing.T) {
		dir := NPM(t, "test/backstage")
		if t.Skipped() || t.Failed() {
			return
		}
		for _, c := range []struct {
			name string
			opts BackstageOptions
			want string
		}{
			{"no owner restriction", BackstageOptions{GitHubActions: &BackstageGitHubActions{URL: oidc.URL + "/.well-known/jwks", Repositories: []string{"acme/payments"}}},
				"option 'repositoryOwnerIds' or 'repositoryOwners' is required"},
			{"a login among the owner IDs", BackstageOptions{GitHubActions: &BackstageGitHubActions{URL: oidc.URL + "/.well-known/jwks", RepositoryOwnerIDs: []string{"acme"}}},
				"'acme' in 'repositoryOwnerIds' is not a numeric owner ID"},
			{"with the jwks entry", BackstageOptions{JWKS: OIDCJWKS(oidc), GitHubActions: OIDCGitHubActions(oidc)},
				"set STAGECREW_JWKS_URL or STAGECREW_GHA_URL, not both"},
		} {
			start := time.Now()
			srv, err := StartBackstage(dir, c.opts)
			if err == nil {
				srv.Close()
				t.Errorf("%s: the server started; want it to refuse", c.name)
				continue
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v\nwant it to say %q", c.name, err, c.want)
			}
			t.Logf("%s: refused in %v", c.name, time.Since(start).Round(time.Millisecond))
		}
	})
}

// tamper changes one character of a JWT's payload, so that its signature no
// longer matches.
func tamper(jwt string) string {
	parts := strings.Split(jwt, ".")
	p := []byte(parts[1])
	if p[10] == 'A' {
		p[10] = 'B'
	} else {
		p[10] = 'A'
	}
	parts[1] = string(p)
	return strings.Join(parts, ".")
}
