package testenv

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"
)

func TestOIDCIssuesVerifiableGitHubTokens(t *testing.T) {
	o := StartOIDC(t)
	o.SetClaims(map[string]any{"environment": "staging", "sub": "repo:acme/payments:environment:staging"})
	a := githubactions.New(githubactions.WithGetenv(o.Env().Get))

	tok, err := a.GetIDToken(context.Background(), "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetIDToken(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if got := o.Minted(); got != 2 {
		t.Errorf("Minted() = %d, want 2", got)
	}
	if o.LastToken() == tok {
		t.Error("two token requests gave the same token")
	}

	// Discovery, then JWKS, then the signature, with nothing but the
	// standard library: what a verifier does.
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, o.URL+"/.well-known/openid-configuration", &disc)
	if disc.Issuer != o.URL {
		t.Errorf("issuer %q, want %q", disc.Issuer, o.URL)
	}
	var set struct {
		Keys []struct{ Kid, N, E string }
	}
	getJSON(t, disc.JWKSURI, &set)
	if len(set.Keys) != 1 || set.Keys[0].Kid != o.KeyID {
		t.Fatalf("keys %+v, want one with kid %q", set.Keys, o.KeyID)
	}
	n, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	e, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	parts := strings.Split(tok, ".")
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("signature does not verify against the JWKS: %v", err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"iss": o.URL, "aud": "sts.amazonaws.com", "environment": "staging",
		"sub": "repo:acme/payments:environment:staging", "repository": "acme/payments",
		"actor": "octocat", "run_id": "1234567890", "ref": "refs/heads/main",
	} {
		if claims[k] != want {
			t.Errorf("claim %s = %v, want %v", k, claims[k], want)
		}
	}
	for _, k := range []string{"iat", "nbf", "exp", "jti", "job_workflow_ref", "repository_owner_id"} {
		if _, ok := claims[k]; !ok {
			t.Errorf("claim %s missing", k)
		}
	}
}

func TestOIDCTokenEndpointWantsTheBearer(t *testing.T) {
	o := StartOIDC(t)
	env := o.Env()
	env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "wrong"
	_, err := githubactions.New(githubactions.WithGetenv(env.Get)).GetIDToken(context.Background(), "x")
	if err == nil || o.Minted() != 0 {
		t.Fatalf("wrong bearer: err %v, minted %d; want an error and none minted", err, o.Minted())
	}
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
