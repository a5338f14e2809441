package awsauth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// FuzzVerify feeds arbitrary strings to one Verifier whose issuer publishes
// a fixed key: nothing panics, every refusal wraps ErrTokenVerification and
// does not echo the token, and whatever is accepted carries the expected
// iss and aud and is within its validity at the Verifier's clock.
func FuzzVerify(f *testing.F) {
	a, b := testKeys()
	iss := startStaticIssuer(f)
	iss.setKeys(jwksOf(f, a))
	const aud = "sts.amazonaws.com"
	now := time.Now().Truncate(time.Second)
	v := &Verifier{Issuer: iss.URL, Audience: aud, Now: func() time.Time { return now }}

	good := goodClaims(iss.URL)
	f.Add(a.sign(f, good))
	f.Add(b.sign(f, good)) // unknown kid
	wrongAud := good
	wrongAud.Audience = jwt.Audience{"someone-else", aud + " "}
	f.Add(a.sign(f, wrongAud))
	expired := good
	expired.Expiry = jwt.NewNumericDate(now.Add(-time.Hour))
	f.Add(a.sign(f, expired))
	f.Add(a.sign(f, map[string]any{"iss": iss.URL, "aud": []any{aud, 7}, "exp": 1e12}))
	f.Add(a.sign(f, map[string]any{"iss": iss.URL, "aud": aud, "exp": "9999999999"}))
	tok := a.sign(f, good)
	parts := strings.Split(tok, ".")
	enc := base64.RawURLEncoding.EncodeToString
	f.Add(enc([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".")
	f.Add(enc([]byte(`{"alg":"RS256","kid":"key-a","crit":["exp"]}`)) + "." + parts[1] + "." + parts[2])
	f.Add(enc([]byte(`{"alg":"RS256","kid":"key-a","b64":false,"crit":["b64"]}`)) + "." + parts[1] + "." + parts[2])
	f.Add(parts[0] + "." + enc([]byte(`{"iss":"`+iss.URL+`","aud":"`+aud+`","exp":9999999999}`)) + "." + parts[2])
	f.Add(`{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`)
	f.Add(" " + tok + "\n")
	f.Add("..")
	f.Add("")

	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(ctx, raw)
		if err != nil {
			if !errors.Is(err, ErrTokenVerification) {
				t.Fatalf("error %v does not wrap ErrTokenVerification", err)
			}
			if len(raw) >= 16 && strings.Contains(err.Error(), raw) {
				t.Fatalf("the error echoes the token: %v", err)
			}
			return
		}
		if c.Issuer != iss.URL || !c.Audience.Contains(aud) {
			t.Fatalf("accepted a token with iss %q, aud %q", c.Issuer, c.Audience)
		}
		if c.Expiry == 0 || !now.Before(c.Expiry.Time().Add(DefaultLeeway+time.Second)) ||
			now.Add(DefaultLeeway).Before(c.NotBefore.Time()) || now.Add(DefaultLeeway).Before(c.IssuedAt.Time()) {
			t.Fatalf("accepted a token outside its validity: exp %d nbf %d iat %d, now %d", c.Expiry, c.NotBefore, c.IssuedAt, now.Unix())
		}
	})
}
