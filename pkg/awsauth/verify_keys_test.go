package awsauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// testKey is an RSA signing key with its kid.
type testKey struct {
	kid  string
	priv *rsa.PrivateKey
}

func newTestKey(t testing.TB, kid string, bits int) testKey {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, priv: priv}
}

// sign signs claims with RS256 (go-jose's signer: these tests are about
// key handling; test/npm/jose-sign.js gives independently signed tokens).
func (k testKey) sign(t testing.TB, claims any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.priv},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// jwksOf is the key set publishing the public halves of keys.
func jwksOf(t testing.TB, keys ...testKey) []byte {
	t.Helper()
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "RS256", Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func goodClaims(iss string) jwt.Claims {
	now := time.Now()
	return jwt.Claims{Issuer: iss, Audience: jwt.Audience{"sts.amazonaws.com"}, Subject: "repo:acme/payments:ref:refs/heads/main",
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))}
}

var (
	keyA = sync.OnceValue(func() *rsa.PrivateKey { k, _ := rsa.GenerateKey(rand.Reader, 2048); return k })
	keyB = sync.OnceValue(func() *rsa.PrivateKey { k, _ := rsa.GenerateKey(rand.Reader, 2048); return k })
)

func testKeys() (a, b testKey) { return testKey{"key-a", keyA()}, testKey{"key-b", keyB()} }

// fetches returns the discovery and key set fetches so far.
func (s *staticIssuer) fetches() (discovery, keySet int64) {
	return s.discoveries.Load(), s.keySetFetches.Load()
}

func TestVerifierCachesKeys(t *testing.T) {
	a, _ := testKeys()
	iss := startStaticIssuer(t)
	iss.setKeys(jwksOf(t, a))
	v := &Verifier{Issuer: iss.URL, Audience: "sts.amazonaws.com"}
	ctx := context.Background()
	good := a.sign(t, goodClaims(iss.URL))
	forged := good[:strings.LastIndex(good, ".")+1] + strings.Repeat("A", 342)
	for i := range 20 {
		if _, err := v.Verify(ctx, good); err != nil {
			t.Fatalf("good token %d: %v", i, err)
		}
		if _, err := v.Verify(ctx, forged); err == nil || !strings.Contains(err.Error(), "bad signature") {
			t.Fatalf("forged token %d: err = %v, want a bad signature", i, err)
		}
	}
	if d, k := iss.fetches(); d != 1 || k != 1 {
		t.Errorf("%d discovery and %d key set fetches for 40 tokens, want 1 and 1", d, k)
	}
}

func TestVerifierConcurrentFirstUseFetchesOnce(t *testing.T) {
	a, _ := testKeys()
	iss := startStaticIssuer(t)
	iss.setKeys(jwksOf(t, a))
	v := &Verifier{Issuer: iss.URL, Audience: "sts.amazonaws.com"}
	good := a.sign(t, goodClaims(iss.URL))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), good)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if _, k := iss.fetches(); k != 1 {
		t.Errorf("%d key set fetches for 8 concurrent first verifications, want 1", k)
	}
}

func TestVerifierKeyRotation(t *testing.T) {
	a, b := testKeys()
	ctx := context.Background()

	t.Run("refetch on an unknown kid", func(t *testing.T) {
		iss := startStaticIssuer(t)
		iss.setKeys(jwksOf(t, a))
		v := &Verifier{Issuer: iss.URL, Audience: "sts.amazonaws.com", Cooldown: -1}
		if _, err := v.Verify(ctx, a.sign(t, goodClaims(iss.URL))); err != nil {
			t.Fatal(err)
		}
		iss.setKeys(jwksOf(t, b)) // the issuer rotates: a is gone, b signs
		if _, err := v.Verify(ctx, b.sign(t, goodClaims(iss.URL))); err != nil {
			t.Fatalf("token of the new key: %v", err)
		}
		if _, k := iss.fetches(); k != 2 {
			t.Errorf("%d key set fetches, want 2", k)
		}
		_, err := v.Verify(ctx, a.sign(t, goodClaims(iss.URL)))
		if !errors.Is(err, ErrTokenVerification) || !strings.Contains(err.Error(), `no RS256 key "key-a"`) {
			t.Errorf("token of the withdrawn key: err = %v", err)
		}
	})

	t.Run("within the cooldown", func(t *testing.T) {
		iss := startStaticIssuer(t)
		iss.setKeys(jwksOf(t, a))
		v := &Verifier{Issuer: iss.URL, Audience: "sts.amazonaws.com"} // DefaultCooldown
		if _, err := v.Verify(ctx, a.sign(t, goodClaims(iss.URL))); err != nil {
			t.Fatal(err)
		}
		iss.setKeys(jwksOf(t, a, b))
		tokB := b.sign(t, goodClaims(iss.URL))
		for range 5 {
			if _, err := v.Verify(ctx, tokB); err == nil || !strings.Contains(err.Error(), `no RS256 key "key-b"`) {
				t.Fatalf("unknown kid within the cooldown: err = %v", err)
			}
		}
		if _, k := iss.fetches(); k != 1 {
			t.Errorf("%d key set fetches within the cooldown, want 1", k)
		}
		v.keys.mu.Lock()
		v.keys.fetched = v.keys.fetched.Add(-DefaultCooldown - time.Second) // the cooldown has passed
		v.keys.mu.Unlock()
		if _, err := v.Verify(ctx, tokB); err != nil {
			t.Fatalf("unknown kid after the cooldown: %v", err)
		}
		if _, k := iss.fetches(); k != 2 {
			t.Errorf("%d key set fetches, want 2", k)
		}
	})

	t.Run("stale keys are fetched again and fail closed", func(t *testing.T) {
		iss := startStaticIssuer(t)
		iss.setKeys(jwksOf(t, a))
		v := &Verifier{Issuer: iss.URL, Audience: "sts.amazonaws.com"}
		tok := a.sign(t, goodClaims(iss.URL))
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		v.keys.mu.Lock()
		v.keys.fetched = v.keys.fetched.Add(-keyMaxAge - time.Second)
		v.keys.mu.Unlock()
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, k := iss.fetches(); k != 2 {
			t.Errorf("%d key set fetches, want 2 (the keys had expired)", k)
		}
		v.keys.mu.Lock()
		v.keys.fetched = v.keys.fetched.Add(-keyMaxAge - time.Second)
		v.keys.mu.Unlock()
		iss.jwks.Store(nil) // the key set endpoint now fails
		if _, err := v.Verify(ctx, tok); !errors.Is(err, ErrTokenVerification) || !strings.Contains(err.Error(), "503") {
			t.Errorf("stale keys and a failing key set: err = %v, want a refusal naming the 503", err)
		}
	})
}

func TestVerifierLeewayAndClock(t *testing.T) {
	a, _ := testKeys()
	iss := startStaticIssuer(t)
	iss.setKeys(jwksOf(t, a))
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := jwt.Claims{Issuer: iss.URL, Audience: jwt.Audience{"sts.amazonaws.com"},
		IssuedAt: jwt.NewNumericDate(base), NotBefore: jwt.NewNumericDate(base), Expiry: jwt.NewNumericDate(base.Add(5 * time.Minute))}
	tok := a.sign(t, c)
	tests := []struct {
		name   string
		now    time.Time
		leeway time.Duration
		want   string
	}{
		{"inside", base.Add(time.Minute), 0, ""},
		{"30s after exp, default leeway", base.Add(5*time.Minute + 30*time.Second), 0, ""},
		{"90s after exp, default leeway", base.Add(5*time.Minute + 90*time.Second), 0, "expired at 2026-03-01T12:05:00Z"},
		{"90s after exp, 2m leeway", base.Add(5*time.Minute + 90*time.Second), 2 * time.Minute, ""},
		{"1s after exp, no leeway", base.Add(5*time.Minute + time.Second), -1, "expired"},
		{"30s before nbf and iat, default leeway", base.Add(-30 * time.Second), 0, ""},
		{"30s before nbf, no leeway", base.Add(-30 * time.Second), -1, "not valid before 2026-03-01T12:00:00Z"},
		{"5m before nbf, 10m leeway", base.Add(-5 * time.Minute), 10 * time.Minute, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &Verifier{Issuer: iss.URL, Audience: "sts.amazonaws.com", Leeway: tt.leeway, Now: func() time.Time { return tt.now }}
			_, err := v.Verify(context.Background(), tok)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Verify: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Verify err = %v, want %q", err, tt.want)
			}
		})
	}

	iatOnly := a.sign(t, jwt.Claims{Issuer: iss.URL, Audience: jwt.Audience{"sts.amazonaws.com"},
		IssuedAt: jwt.NewNumericDate(base), Expiry: jwt.NewNumericDate(base.Add(5 * time.Minute))})
	v := &Verifier{Issuer: iss.URL, Audience: "sts.amazonaws.com", Leeway: -1, Now: func() time.Time { return base.Add(-time.Second) }}
	if _, err := v.Verify(context.Background(), iatOnly); err == nil || !strings.Contains(err.Error(), "issued in the future") {
		t.Errorf("iat 1s ahead, no leeway: err = %v", err)
	}
}

func TestVerifierIssuerDocuments(t *testing.T) {
	a, _ := testKeys()
	ctx := context.Background()
	big := make([]byte, maxDocument+10)
	for i := range big {
		big[i] = ' '
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	small := newTestKey(t, "small", 1024)
	unusable, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &ecKey.PublicKey, KeyID: "ec", Algorithm: "ES256", Use: "sig"},
		{Key: &small.priv.PublicKey, KeyID: "small", Algorithm: "RS256", Use: "sig"},
		{Key: a.priv, KeyID: a.kid, Algorithm: "RS256", Use: "sig"}, // a private key: refused
		{Key: &a.priv.PublicKey, KeyID: a.kid, Algorithm: "RS256", Use: "enc"},
		{Key: &a.priv.PublicKey, KeyID: a.kid, Algorithm: "PS256", Use: "sig"},
	}})

	tests := []struct {
		name    string
		jwks    []byte
		discIss string // issuer named by the discovery document, "" for the right one
		want    string
	}{
		{"key set larger than 1 MiB", append(append([]byte{}, jwksOf(t, a)...), big...), "", "larger than 1048576 bytes"},
		{"discovery names another issuer", jwksOf(t, a), GitHubIssuer, "discovery document names issuer"},
		{"no usable key", unusable, "", "no usable RS256 key (5 keys)"},
		{"key set not JSON", []byte("<html>"), "", "is not the expected JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := startStaticIssuer(t)
			iss.discoveryIssue = tt.discIss
			iss.setKeys(tt.jwks)
			v := &Verifier{Issuer: iss.URL, Audience: "sts.amazonaws.com"}
			_, err := v.Verify(ctx, a.sign(t, goodClaims(iss.URL)))
			if !errors.Is(err, ErrTokenVerification) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrTokenVerification mentioning %q", err, tt.want)
			}
		})
	}
}

func TestVerifierFetchTimeout(t *testing.T) {
	a, _ := testKeys()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	for _, client := range []*http.Client{nil, {}} { // the default client, and one without a timeout of its own
		v := &Verifier{Issuer: hang.URL, Audience: "sts.amazonaws.com", HTTPClient: client, FetchTimeout: 200 * time.Millisecond}
		start := time.Now()
		_, err := v.Verify(context.Background(), a.sign(t, goodClaims(hang.URL)))
		if !errors.Is(err, ErrTokenVerification) || !strings.Contains(err.Error(), "fetch") {
			t.Errorf("client %v: err = %v, want a failed fetch", client, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("client %v: a hanging issuer held Verify for %v", client, d)
		}
	}
}
