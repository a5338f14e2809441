package testenv

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// OIDC is a local OIDC issuer that stands in for GitHub Actions': an RS256
// key, /.well-known/openid-configuration, a JWKS endpoint, and the token
// request endpoint the Actions runtime serves at
// ACTIONS_ID_TOKEN_REQUEST_URL (bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN,
// ?audience=...), answering {"value": TOKEN} with GitHub's claim set.
type OIDC struct {
	URL          string // the issuer, such as http://127.0.0.1:41234 (also the iss claim)
	KeyID        string // kid of the signing key
	RequestToken string // the bearer the token endpoint wants

	key    *rsa.PrivateKey
	srv    *httptest.Server
	minted atomic.Int64

	mu       sync.Mutex
	claims   map[string]any // claims of minted tokens, beyond iss/aud/iat/nbf/exp/jti
	lifetime time.Duration
	last     string
}

// oidcKey is one RSA key per test binary: generating 2048-bit keys is slow.
var oidcKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// GitHubClaims returns the claims GitHub puts in an Actions OIDC token
// (their documented example), for a job in environment "production" of
// acme/payments on refs/heads/main, by octocat, run 1234567890 attempt 1.
func GitHubClaims() map[string]any {
	return map[string]any{
		"sub":                   "repo:acme/payments:environment:production",
		"environment":           "production",
		"ref":                   "refs/heads/main",
		"ref_type":              "branch",
		"sha":                   "d6e7c3f1f1b0c2f5c3f1f7b0c2f5c3f1f7b0c2f5",
		"repository":            "acme/payments",
		"repository_id":         "74",
		"repository_owner":      "acme",
		"repository_owner_id":   "65",
		"repository_visibility": "private",
		"actor":                 "octocat",
		"actor_id":              "12",
		"run_id":                "1234567890",
		"run_number":            "10",
		"run_attempt":           "1",
		"runner_environment":    "github-hosted",
		"event_name":            "workflow_dispatch",
		"head_ref":              "",
		"base_ref":              "",
		"workflow":              "deploy",
		"workflow_ref":          "acme/payments/.github/workflows/deploy.yml@refs/heads/main",
		"job_workflow_ref":      "acme/payments/.github/workflows/deploy.yml@refs/heads/main",
	}
}

// StartOIDC starts the issuer on a loopback port for the test; tokens carry
// GitHubClaims and live 5 minutes (as GitHub's do) until SetClaims or
// SetLifetime change them.
func StartOIDC(t testing.TB) *OIDC {
	t.Helper()
	key, err := oidcKey()
	if err != nil {
		t.Fatalf("testenv: RSA key: %v", err)
	}
	kid := sha256.Sum256(key.PublicKey.N.Bytes())
	o := &OIDC{
		KeyID:        base64.RawURLEncoding.EncodeToString(kid[:8]),
		RequestToken: "request-token-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		key:          key,
		claims:       GitHubClaims(),
		lifetime:     5 * time.Minute,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", o.discovery)
	mux.HandleFunc("GET /.well-known/jwks", o.jwks)
	mux.HandleFunc("GET /_apis/idtoken", o.idToken)
	o.srv = httptest.NewServer(mux)
	t.Cleanup(o.srv.Close)
	o.URL = o.srv.URL
	return o
}

// Env is the environment of a GitHub Actions job whose token requests go
// to this issuer: ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN, GITHUB_ACTIONS,
// GITHUB_ACTOR, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_REPOSITORY, taken
// from the current claims. Pass its Get to githubactions.WithGetenv.
func (o *OIDC) Env() Env {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := func(k string) string { v, _ := o.claims[k].(string); return v }
	return Env{
		"ACTIONS_ID_TOKEN_REQUEST_URL":   o.URL + "/_apis/idtoken?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": o.RequestToken,
		"GITHUB_ACTIONS":                 "true",
		"GITHUB_ACTOR":                   s("actor"),
		"GITHUB_RUN_ID":                  s("run_id"),
		"GITHUB_RUN_ATTEMPT":             s("run_attempt"),
		"GITHUB_REPOSITORY":              s("repository"),
		"GITHUB_REF":                     s("ref"),
		"GITHUB_EVENT_NAME":              s("event_name"),
	}
}

// Env is a job's environment, a map; Get reads it (a githubactions.GetenvFunc).
type Env map[string]string

// Get returns the value of key, "" when unset.
func (e Env) Get(key string) string { return e[key] }

// SetClaims changes the claims of tokens minted from now on: each key is
// set, or deleted when its value is nil.
func (o *OIDC) SetClaims(c map[string]any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k, v := range c {
		if v == nil {
			delete(o.claims, k)
		} else {
			o.claims[k] = v
		}
	}
}

// SetLifetime changes how long tokens minted from now on live.
func (o *OIDC) SetLifetime(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lifetime = d
}

// Minted counts the tokens the token endpoint handed out.
func (o *OIDC) Minted() int { return int(o.minted.Load()) }

// LastToken is the last token the token endpoint handed out, so a test can
// check that it shows up nowhere.
func (o *OIDC) LastToken() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// Mint signs a token for audience with the current claims, as the token
// endpoint would (without counting it).
func (o *OIDC) Mint(audience string) string {
	now := time.Now()
	o.mu.Lock()
	c := maps.Clone(o.claims)
	life := o.lifetime
	o.mu.Unlock()
	c["iss"] = o.URL
	c["aud"] = audience
	c["iat"] = now.Unix()
	c["nbf"] = now.Add(-5 * time.Second).Unix()
	c["exp"] = now.Add(life).Unix()
	c["jti"] = fmt.Sprintf("jti-%d", now.UnixNano())
	return o.Sign(map[string]any{"alg": "RS256", "typ": "JWT", "kid": o.KeyID}, c)
}

// Sign signs any header and claims with the issuer's key (RS256 whatever
// the header says), for tests of malformed or forged tokens.
func (o *OIDC) Sign(header, claims map[string]any) string {
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, o.key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (o *OIDC) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"issuer":                                o.URL,
		"jwks_uri":                              o.URL + "/.well-known/jwks",
		"subject_types_supported":               []string{"public", "pairwise"},
		"response_types_supported":              []string{"id_token"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid"},
		"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "environment", "actor", "run_id"},
	})
}

func (o *OIDC) jwks(w http.ResponseWriter, r *http.Request) {
	pub := o.key.PublicKey
	writeJSON(w, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": o.KeyID,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func (o *OIDC) idToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+o.RequestToken {
		http.Error(w, `{"message":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	aud := r.URL.Query().Get("audience")
	if aud == "" {
		o.mu.Lock()
		owner, _ := o.claims["repository_owner"].(string)
		o.mu.Unlock()
		aud = "https://github.com/" + owner // GitHub's default audience
	}
	tok := o.Mint(aud)
	o.mu.Lock()
	o.last = tok
	o.mu.Unlock()
	o.minted.Add(1)
	writeJSON(w, map[string]any{"count": 1, "value": tok})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
