package awsauth

// Token verification is built on go-jose v4 (github.com/go-jose/go-jose/v4):
// it parses the compact JWS (allowing RS256 only), decodes the issuer's
// JWKs, checks the signature and validates exp, nbf and iat with our leeway
// (jwt.Claims.ValidateWithLeeway). What is left here is policy: which keys
// to trust, when to fetch them again, and errors that say which check failed.
//
// go-oidc (github.com/coreos/go-oidc/v3 v3.21.0, on top of the same go-jose)
// was tried first and measured against the local issuer of
// internal/testenv; it is not used because
//   - its RemoteKeySet fetches the key set again for every token whose
//     signature does not verify, even with a known kid: 100 forged tokens
//     cost 100 JWKS fetches (here: none, and unknown kids at most one fetch
//     per Cooldown);
//   - an unknown kid and a bad signature give the same unwrapped message
//     ("failed to verify signature: failed to verify id token signature"),
//     so callers can tell neither apart nor match the cause;
//   - it reads discovery and key set bodies without a bound and puts the
//     key set's body in its errors;
//   - its time checks (exp without leeway, nbf with a fixed 5 minutes, iat
//     not at all) had to be switched off to honour Leeway anyway.

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// GitHubIssuer is the issuer of GitHub Actions OIDC tokens on github.com.
const GitHubIssuer = "https://token.actions.githubusercontent.com"

// DefaultLeeway is the clock skew a Verifier tolerates on exp, nbf and iat.
const DefaultLeeway = time.Minute

// rs256 is the only signature algorithm accepted: GitHub signs with RS256.
var rs256 = []jose.SignatureAlgorithm{jose.RS256}

// VerifyToken verifies an RS256 GitHub OIDC token against the keys its
// issuer publishes (issuerURL + "/.well-known/openid-configuration", then
// its jwks_uri), checks iss, aud, exp, nbf and iat (with DefaultLeeway), and
// returns its claims. httpClient nil means a client with
// DefaultFetchTimeout. Every failure wraps ErrTokenVerification.
//
// VerifyToken fetches the keys on every call; a caller that verifies many
// tokens keeps one *Verifier, which caches them.
func VerifyToken(ctx context.Context, raw, issuerURL, audience string, httpClient *http.Client) (Claims, error) {
	v := &Verifier{Issuer: issuerURL, Audience: audience, HTTPClient: httpClient}
	return v.Verify(ctx, raw)
}

// Verifier verifies GitHub OIDC tokens (RS256 only). It fetches the
// issuer's discovery document and key set on first use and keeps the keys:
// a token with a kid it does not know makes it fetch them again (a key
// rotation), at most once per Cooldown, and keys older than ten minutes
// are fetched again before use, so a key the issuer withdrew stops
// working. A Verifier is safe for concurrent use; set its fields before
// the first Verify and do not copy it afterwards.
type Verifier struct {
	Issuer     string           // such as GitHubIssuer; required
	Audience   string           // required: a token must name it in aud
	HTTPClient *http.Client     // nil means a client with a DefaultFetchTimeout timeout
	Leeway     time.Duration    // clock skew allowed on exp, nbf, iat; 0 means DefaultLeeway, negative means none
	Now        func() time.Time // the time tokens are checked at; nil means time.Now

	// Cooldown is the least time between two fetches of the key set that
	// tokens with unknown kids can cause; 0 means DefaultCooldown,
	// negative means no limit.
	Cooldown time.Duration
	// FetchTimeout bounds each fetch of the discovery document or key set,
	// whatever HTTPClient's own timeout; 0 means DefaultFetchTimeout.
	FetchTimeout time.Duration

	keys keyCache
}

// Verify verifies raw and returns its claims. Every failure wraps
// ErrTokenVerification and says which check failed; no error holds the
// token.
func (v *Verifier) Verify(ctx context.Context, raw string) (Claims, error) {
	if v.Issuer == "" || v.Audience == "" {
		return Claims{}, fmt.Errorf("%w: the expected issuer and audience are required", ErrTokenVerification)
	}
	raw = strings.TrimSpace(raw)
	if _, _, _, err := jwtParts(raw); err != nil {
		return Claims{}, err
	}
	jws, err := jose.ParseSignedCompact(raw, rs256)
	if err != nil {
		var alg *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &alg) {
			return Claims{}, fmt.Errorf("%w: algorithm %q, want RS256", ErrTokenVerification, truncate(string(alg.Got), 16))
		}
		return Claims{}, fmt.Errorf("%w: malformed JWS: %s", ErrTokenVerification, truncate(err.Error(), 160))
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := v.keysFor(ctx, kid)
	if err != nil {
		return Claims{}, err
	}
	var payload []byte
	for _, k := range keys {
		if payload, err = jws.Verify(k); err == nil {
			break
		}
	}
	if err != nil {
		return Claims{}, fmt.Errorf("%w: bad signature (key %q)", ErrTokenVerification, truncate(kid, 64))
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, fmt.Errorf("%w: payload is not a JSON claim set: %v", ErrTokenVerification, err)
	}
	var registered jwt.Claims
	if err := json.Unmarshal(payload, &registered); err != nil {
		return Claims{}, fmt.Errorf("%w: payload's registered claims: %v", ErrTokenVerification, err)
	}
	return c, v.check(c, registered)
}

// check checks the claims of a token whose signature is good: iss here
// (a configured issuer may end in a slash), the rest with go-jose's
// validator, with our clock and leeway.
func (v *Verifier) check(c Claims, registered jwt.Claims) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	leeway := v.Leeway
	switch {
	case leeway == 0:
		leeway = DefaultLeeway
	case leeway < 0:
		leeway = 0
	}
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	if c.Issuer != strings.TrimSuffix(v.Issuer, "/") && c.Issuer != v.Issuer {
		return fmt.Errorf("%w: issuer %q, want %q", ErrTokenVerification, truncate(c.Issuer, 128), v.Issuer)
	}
	if c.Expiry == 0 || registered.Expiry == nil {
		return fmt.Errorf("%w: no exp claim", ErrTokenVerification)
	}
	err := registered.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{v.Audience}, Time: now}, leeway)
	switch {
	case errors.Is(err, jwt.ErrInvalidAudience):
		return fmt.Errorf("%w: audience %q does not include %q", ErrTokenVerification, truncate(c.Audience.String(), 128), v.Audience)
	case errors.Is(err, jwt.ErrExpired):
		return fmt.Errorf("%w: expired at %s (now %s, leeway %v)", ErrTokenVerification, at(registered.Expiry.Time()), at(now), leeway)
	case errors.Is(err, jwt.ErrNotValidYet):
		return fmt.Errorf("%w: not valid before %s (now %s, leeway %v)", ErrTokenVerification, at(registered.NotBefore.Time()), at(now), leeway)
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return fmt.Errorf("%w: issued in the future, at %s (now %s, leeway %v)", ErrTokenVerification, at(registered.IssuedAt.Time()), at(now), leeway)
	case err != nil:
		return fmt.Errorf("%w: %v", ErrTokenVerification, err)
	}
	// Both decodings of the payload must agree on what was checked.
	if !c.Audience.Contains(v.Audience) || int64(c.Expiry) != int64(*registered.Expiry) {
		return fmt.Errorf("%w: the payload's aud or exp claims are ambiguous", ErrTokenVerification)
	}
	return nil
}

// keysFor returns the issuer's RS256 keys that may have signed a token
// with key id kid: the cached keys, fetched again when kid is unknown (at
// most once per Cooldown) or the keys are older than keyMaxAge.
func (v *Verifier) keysFor(ctx context.Context, kid string) ([]*rsa.PublicKey, error) {
	c := &v.keys
	c.mu.Lock()
	defer c.mu.Unlock()
	issuer := strings.TrimSuffix(v.Issuer, "/")
	if c.issuer != issuer || c.client != v.HTTPClient {
		c.issuer, c.client, c.keys, c.skipped, c.fetched = issuer, v.HTTPClient, nil, 0, time.Time{}
	}
	cooldown := v.Cooldown
	if cooldown == 0 {
		cooldown = DefaultCooldown
	}
	age := time.Since(c.fetched)
	if !c.fetched.IsZero() && age < keyMaxAge {
		keys, err := c.match(kid)
		if err == nil || (cooldown > 0 && age < cooldown) {
			return keys, err
		}
	}
	if err := c.refresh(ctx, v.fetcher()); err != nil {
		return nil, err
	}
	return c.match(kid)
}

func (v *Verifier) fetcher() fetcher {
	f := fetcher{client: v.HTTPClient, timeout: v.FetchTimeout}
	if f.timeout <= 0 {
		f.timeout = DefaultFetchTimeout
	}
	if f.client == nil {
		f.client = &http.Client{Timeout: f.timeout}
	}
	return f
}
