package awsauth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// GitHubIssuer is the issuer of GitHub Actions OIDC tokens on github.com.
const GitHubIssuer = "https://token.actions.githubusercontent.com"

// DefaultLeeway is the clock skew VerifyToken tolerates on exp, nbf and iat.
const DefaultLeeway = time.Minute

// maxDocument bounds what is read of a discovery document or key set.
const maxDocument = 1 << 20

// VerifyToken verifies an RS256 GitHub OIDC token against the keys its
// issuer publishes (issuerURL + "/.well-known/openid-configuration", then
// its jwks_uri), checks iss, aud, exp, nbf and iat (with DefaultLeeway), and
// returns its claims. httpClient nil means http.DefaultClient. Every
// failure wraps ErrTokenVerification.
func VerifyToken(ctx context.Context, raw, issuerURL, audience string, httpClient *http.Client) (Claims, error) {
	v := Verifier{Issuer: issuerURL, Audience: audience, HTTPClient: httpClient}
	return v.Verify(ctx, raw)
}

// Verifier verifies GitHub OIDC tokens; VerifyToken is a Verifier with
// default settings. The keys are fetched for every call.
type Verifier struct {
	Issuer     string           // such as GitHubIssuer; required
	Audience   string           // required: a token must name it in aud
	HTTPClient *http.Client     // nil means http.DefaultClient
	Leeway     time.Duration    // 0 means DefaultLeeway
	Now        func() time.Time // nil means time.Now
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// Verify verifies raw and returns its claims.
func (v Verifier) Verify(ctx context.Context, raw string) (Claims, error) {
	if v.Issuer == "" || v.Audience == "" {
		return Claims{}, fmt.Errorf("%w: the expected issuer and audience are required", ErrTokenVerification)
	}
	h64, p64, s64, err := jwtParts(raw)
	if err != nil {
		return Claims{}, err
	}
	var h jwtHeader
	if err := decodeSegment(h64, &h); err != nil {
		return Claims{}, fmt.Errorf("%w: header: %v", ErrTokenVerification, err)
	}
	if h.Alg != "RS256" {
		return Claims{}, fmt.Errorf("%w: algorithm %q, want RS256", ErrTokenVerification, truncate(h.Alg, 16))
	}
	sig, err := base64.RawURLEncoding.DecodeString(s64)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: signature is not base64url", ErrTokenVerification)
	}
	key, err := v.key(ctx, h.Kid)
	if err != nil {
		return Claims{}, err
	}
	digest := sha256.Sum256([]byte(h64 + "." + p64))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return Claims{}, fmt.Errorf("%w: bad signature (key %q)", ErrTokenVerification, h.Kid)
	}
	c, err := DecodeClaims(raw)
	if err != nil {
		return Claims{}, err
	}
	return c, v.check(c)
}

// check checks the registered claims of a token whose signature is good.
func (v Verifier) check(c Claims) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	leeway := v.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	switch {
	case c.Issuer != strings.TrimSuffix(v.Issuer, "/") && c.Issuer != v.Issuer:
		return fmt.Errorf("%w: issuer %q, want %q", ErrTokenVerification, c.Issuer, v.Issuer)
	case !c.Audience.Contains(v.Audience):
		return fmt.Errorf("%w: audience %q does not include %q", ErrTokenVerification, c.Audience.String(), v.Audience)
	case c.Expiry == 0:
		return fmt.Errorf("%w: no exp claim", ErrTokenVerification)
	case !now.Before(c.Expiry.Time().Add(leeway)):
		return fmt.Errorf("%w: expired at %s (now %s)", ErrTokenVerification, c.Expiry.Time().UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case c.NotBefore != 0 && now.Add(leeway).Before(c.NotBefore.Time()):
		return fmt.Errorf("%w: not valid before %s (now %s)", ErrTokenVerification, c.NotBefore.Time().UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case c.IssuedAt != 0 && now.Add(leeway).Before(c.IssuedAt.Time()):
		return fmt.Errorf("%w: issued in the future, at %s (now %s)", ErrTokenVerification, c.IssuedAt.Time().UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// key fetches the issuer's discovery document and key set and returns the
// RSA key with the id kid (or the only RSA key when kid is empty).
func (v Verifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	issuer := strings.TrimSuffix(v.Issuer, "/")
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, issuer+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, err
	}
	if strings.TrimSuffix(disc.Issuer, "/") != issuer {
		return nil, fmt.Errorf("%w: discovery document names issuer %q, want %q", ErrTokenVerification, disc.Issuer, issuer)
	}
	if disc.JWKSURI == "" {
		return nil, fmt.Errorf("%w: discovery document has no jwks_uri", ErrTokenVerification)
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			Alg string `json:"alg"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := v.getJSON(ctx, disc.JWKSURI, &set); err != nil {
		return nil, err
	}
	var rsaKeys int
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") {
			continue
		}
		rsaKeys++
		if k.Kid != kid && kid != "" {
			continue
		}
		if kid == "" && rsaKeys > 1 {
			return nil, fmt.Errorf("%w: token has no kid and the issuer has several keys", ErrTokenVerification)
		}
		return rsaKey(k.N, k.E)
	}
	return nil, fmt.Errorf("%w: issuer has no RS256 key %q", ErrTokenVerification, truncate(kid, 64))
}

func rsaKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err1 := base64.RawURLEncoding.DecodeString(n64)
	eb, err2 := base64.RawURLEncoding.DecodeString(e64)
	if err1 != nil || err2 != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, fmt.Errorf("%w: malformed RSA key in the key set", ErrTokenVerification)
	}
	n := new(big.Int).SetBytes(nb)
	if n.BitLen() < 2048 {
		return nil, fmt.Errorf("%w: RSA key of %d bits, want at least 2048", ErrTokenVerification, n.BitLen())
	}
	e := int(new(big.Int).SetBytes(eb).Int64())
	if e < 3 || e%2 == 0 {
		return nil, fmt.Errorf("%w: RSA key exponent %d", ErrTokenVerification, e)
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

func (v Verifier) getJSON(ctx context.Context, url string, out any) error {
	client := v.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrTokenVerification, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: fetch %s: %v", ErrTokenVerification, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
	if err != nil {
		return fmt.Errorf("%w: fetch %s: %v", ErrTokenVerification, url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: fetch %s: %s", ErrTokenVerification, url, resp.Status)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%w: %s is not the expected JSON: %v", ErrTokenVerification, url, err)
	}
	return nil
}

func decodeSegment(s string, out any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("not base64url")
	}
	return json.Unmarshal(b, out)
}
