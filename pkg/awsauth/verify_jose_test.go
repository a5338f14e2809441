package awsauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

// joseSpec is one token for test/npm/jose-sign.js to sign.
type joseSpec struct {
	Alg    string         `json:"alg,omitempty"`
	Claims map[string]any `json:"claims"`
	Header map[string]any `json:"header,omitempty"`
	Key    string         `json:"key,omitempty"`
	Secret string         `json:"secret,omitempty"`
}

// joseSign has the npm jose package (the version Backstage 0.18's backend
// uses) generate keys and sign specs; it returns the key set to publish
// and the tokens by name.
func joseSign(t *testing.T, kid string, specs map[string]joseSpec) (json.RawMessage, map[string]string) {
	t.Helper()
	dir := testenv.NPM(t, "test/npm")
	in, err := json.Marshal(map[string]any{"kid": kid, "tokens": specs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "jose-sign.js")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node jose-sign.js: %v\n%s", err, stderr.Bytes())
	}
	var res struct {
		JWKS   json.RawMessage   `json:"jwks"`
		Tokens map[string]string `json:"tokens"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("jose-sign.js output: %v", err)
	}
	if len(res.Tokens) != len(specs) {
		t.Fatalf("jose-sign.js signed %d tokens, want %d", len(res.Tokens), len(specs))
	}
	return res.JWKS, res.Tokens
}

// staticIssuer serves a discovery document naming its own URL as issuer
// and the key set jwks, counting the fetches of each. It stands in for
// GitHub's issuer: only its two documents matter to a verifier.
type staticIssuer struct {
	URL            string
	jwks           atomic.Pointer[[]byte]
	discoveries    atomic.Int64
	keySetFetches  atomic.Int64
	discoveryIssue string // when set, the issuer the discovery document names
}

func startStaticIssuer(t testing.TB) *staticIssuer {
	t.Helper()
	s := &staticIssuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		s.discoveries.Add(1)
		iss := s.URL
		if s.discoveryIssue != "" {
			iss = s.discoveryIssue
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "jwks_uri": s.URL + "/.well-known/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /.well-known/jwks", func(w http.ResponseWriter, r *http.Request) {
		s.keySetFetches.Add(1)
		b := s.jwks.Load()
		if b == nil {
			http.Error(w, "no keys yet", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*b)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *staticIssuer) setKeys(jwks []byte) { s.jwks.Store(&jwks) }

// TestVerifyJoseTokens checks the verdict on tokens signed by jose, an
// implementation independent of go-jose and of internal/testenv's issuer:
// the good ones pass, every other one is refused for the right reason, and
// one Verifier fetches the keys once for all of them.
func TestVerifyJoseTokens(t *testing.T) {
	iss := startStaticIssuer(t)
	const aud = "sts.amazonaws.com"
	now := time.Now().Truncate(time.Second)
	claims := func(change map[string]any) map[string]any {
		c := testenv.GitHubClaims()
		c["iss"], c["aud"], c["jti"] = iss.URL, aud, "jose-1"
		c["iat"], c["nbf"], c["exp"] = now.Unix(), now.Add(-5*time.Second).Unix(), now.Add(5*time.Minute).Unix()
		for k, v := range change {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	cases := []struct {
		name string
		spec joseSpec
		want string // in the error; "" means accepted
	}{
		{"valid", joseSpec{Claims: claims(nil)}, ""},
		{"valid, aud an array", joseSpec{Claims: claims(map[string]any{"aud": []string{"https://github.com/acme", aud}})}, ""},
		{"valid, no kid (one RSA key)", joseSpec{Claims: claims(nil), Header: map[string]any{"kid": nil}}, ""},
		{"expired within the leeway", joseSpec{Claims: claims(map[string]any{"exp": now.Add(-30 * time.Second).Unix()})}, ""},
		{"expired", joseSpec{Claims: claims(map[string]any{"exp": now.Add(-10 * time.Minute).Unix(), "iat": now.Add(-15 * time.Minute).Unix(), "nbf": nil})}, "expired at"},
		{"no exp", joseSpec{Claims: claims(map[string]any{"exp": nil})}, "no exp"},
		{"wrong aud", joseSpec{Claims: claims(map[string]any{"aud": "https://github.com/acme"})}, "audience"},
		{"no aud", joseSpec{Claims: claims(map[string]any{"aud": nil})}, "audience"},
		{"wrong iss", joseSpec{Claims: claims(map[string]any{"iss": GitHubIssuer})}, "issuer"},
		{"future nbf", joseSpec{Claims: claims(map[string]any{"nbf": now.Add(10 * time.Minute).Unix()})}, "not valid before"},
		{"future iat", joseSpec{Claims: claims(map[string]any{"iat": now.Add(10 * time.Minute).Unix(), "nbf": nil})}, "issued in the future"},
		{"alg none, by hand", joseSpec{Alg: "none", Claims: claims(nil)}, `algorithm "none", want RS256`},
		{"HS256 keyed with the public key's PEM", joseSpec{Alg: "HS256", Claims: claims(nil)}, `algorithm "HS256", want RS256`},
		{"HS256 keyed with the public JWK", joseSpec{Alg: "HS256", Secret: "jwk", Claims: claims(nil)}, `algorithm "HS256", want RS256`},
		{"PS256 with the published key", joseSpec{Alg: "PS256", Claims: claims(nil)}, `algorithm "PS256", want RS256`},
		{"ES256 with the published EC key", joseSpec{Alg: "ES256", Claims: claims(nil)}, `algorithm "ES256", want RS256`},
		{"unknown kid", joseSpec{Claims: claims(nil), Header: map[string]any{"kid": "rotated-away"}}, `no RS256 key "rotated-away"`},
		{"another key under the published kid", joseSpec{Key: "other", Claims: claims(nil)}, `bad signature (key "jose-rsa-1")`},
	}
	specs := map[string]joseSpec{}
	for _, c := range cases {
		specs[c.name] = c.spec
	}
	jwks, tokens := joseSign(t, "jose-rsa-1", specs)
	iss.setKeys(jwks)

	v := &Verifier{Issuer: iss.URL, Audience: aud, Now: func() time.Time { return now }}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := tokens[tc.name]
			c, err := v.Verify(ctx, tok)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if c.Issuer != iss.URL || !c.Audience.Contains(aud) || c.Subject != "repo:acme/payments:environment:production" ||
					c.Actor != "octocat" || c.RunID != "1234567890" || c.ID != "jose-1" {
					t.Errorf("claims %+v", c)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrTokenVerification) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Verify err = %v, want ErrTokenVerification mentioning %q", err, tc.want)
			}
			sig := tok[strings.LastIndex(tok, ".")+1:]
			if strings.Contains(err.Error(), tok) || (len(sig) > 8 && strings.Contains(err.Error(), sig)) {
				t.Errorf("the error echoes the token: %v", err)
			}
		})
	}
	// The unknown kid came within the cooldown: no second fetch.
	if d, k := iss.discoveries.Load(), iss.keySetFetches.Load(); d != 1 || k != 1 {
		t.Errorf("%d discovery and %d key set fetches for %d tokens, want 1 and 1", d, k, len(cases))
	}

	// VerifyToken (a Verifier per call) accepts jose's token too.
	if _, err := VerifyToken(ctx, tokens["valid"], iss.URL, aud, nil); err != nil {
		t.Errorf("VerifyToken: %v", err)
	}
}
