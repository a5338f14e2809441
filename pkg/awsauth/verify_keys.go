package awsauth

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultCooldown is the least time between two fetches of an issuer's key
// set that tokens with unknown kids can cause (the npm jose package's
// createRemoteJWKSet, which Backstage uses, waits as long).
const DefaultCooldown = 30 * time.Second

// DefaultFetchTimeout bounds each fetch of a discovery document or key set.
const DefaultFetchTimeout = 10 * time.Second

// keyMaxAge is how long fetched keys are used before they are fetched again.
const keyMaxAge = 10 * time.Minute

// maxDocument bounds what is read of a discovery document or key set.
const maxDocument = 1 << 20

// minRSABits is the smallest RSA modulus accepted in a key set.
const minRSABits = 2048

// keyCache holds the RS256 keys of one issuer, fetched through one client.
type keyCache struct {
	mu      sync.Mutex
	issuer  string       // without a trailing slash
	client  *http.Client // as configured (nil for the default)
	keys    []issuerKey
	skipped int       // keys of the last set that cannot verify RS256
	fetched time.Time // zero until the first successful fetch
}

// issuerKey is one usable key of a key set.
type issuerKey struct {
	kid string
	key *rsa.PublicKey
}

// match returns the keys that may have signed a token with key id kid: the
// keys with that id, or the only key when kid is empty.
func (c *keyCache) match(kid string) ([]*rsa.PublicKey, error) {
	if kid == "" {
		if len(c.keys) == 1 {
			return []*rsa.PublicKey{c.keys[0].key}, nil
		}
		return nil, fmt.Errorf("%w: token has no kid and the issuer has %d RS256 keys", ErrTokenVerification, len(c.keys))
	}
	var out []*rsa.PublicKey
	for _, k := range c.keys {
		if k.kid == kid {
			out = append(out, k.key)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: issuer has no RS256 key %q (%d usable keys, %d skipped, fetched %s ago)", ErrTokenVerification,
			truncate(kid, 64), len(c.keys), c.skipped, time.Since(c.fetched).Round(time.Second))
	}
	return out, nil
}

// refresh fetches the issuer's discovery document and key set and replaces
// the cached keys; on failure the cache keeps what it had.
func (c *keyCache) refresh(ctx context.Context, f fetcher) error {
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := f.getJSON(ctx, c.issuer+"/.well-known/openid-configuration", &disc); err != nil {
		return err
	}
	if strings.TrimSuffix(disc.Issuer, "/") != c.issuer {
		return fmt.Errorf("%w: discovery document names issuer %q, want %q", ErrTokenVerification, truncate(disc.Issuer, 128), c.issuer)
	}
	if disc.JWKSURI == "" {
		return fmt.Errorf("%w: discovery document has no jwks_uri", ErrTokenVerification)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := f.getJSON(ctx, disc.JWKSURI, &set); err != nil {
		return err
	}
	keys, skipped := rs256Keys(set.Keys)
	if len(keys) == 0 {
		return fmt.Errorf("%w: key set %s has no usable RS256 key (%d keys)", ErrTokenVerification, truncate(disc.JWKSURI, 128), len(set.Keys))
	}
	c.keys, c.skipped, c.fetched = keys, skipped, time.Now()
	return nil
}

// rs256Keys keeps the public RSA signing keys of at least minRSABits that
// may be used with RS256, decoded by go-jose, and counts the others.
// Keys with private parameters are skipped before go-jose sees them (its
// JWK decoder is not meant for untrusted private keys).
func rs256Keys(raw []json.RawMessage) (keys []issuerKey, skipped int) {
	for _, r := range raw {
		var meta struct {
			Kty, Use, Alg string
			D, P, Q, K    json.RawMessage
		}
		if json.Unmarshal(r, &meta) != nil || meta.Kty != "RSA" || (meta.Use != "" && meta.Use != "sig") ||
			(meta.Alg != "" && meta.Alg != string(jose.RS256)) || meta.D != nil || meta.P != nil || meta.Q != nil || meta.K != nil {
			skipped++
			continue
		}
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil {
			skipped++
			continue
		}
		pub, ok := k.Key.(*rsa.PublicKey)
		if !ok || pub.N.BitLen() < minRSABits || pub.E < 3 || pub.E%2 == 0 {
			skipped++
			continue
		}
		keys = append(keys, issuerKey{kid: k.KeyID, key: pub})
	}
	return keys, skipped
}

// fetcher GETs the issuer's documents with a timeout and a size bound.
type fetcher struct {
	client  *http.Client
	timeout time.Duration
}

func (f fetcher) getJSON(ctx context.Context, url string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: fetch %s: %v", ErrTokenVerification, truncate(url, 128), err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: fetch %s: %v", ErrTokenVerification, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return fmt.Errorf("%w: fetch %s: %v", ErrTokenVerification, url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: fetch %s: %s", ErrTokenVerification, url, resp.Status)
	}
	if len(b) > maxDocument {
		return fmt.Errorf("%w: fetch %s: larger than %d bytes", ErrTokenVerification, url, maxDocument)
	}
	if err := json.Unmarshal(bytes.TrimSpace(b), out); err != nil {
		return fmt.Errorf("%w: %s is not the expected JSON: %v", ErrTokenVerification, url, err)
	}
	return nil
}
