package awsauth

import (
	"encoding/base64"
	"errors"
	"testing"
)

func TestDecodeClaims(t *testing.T) {
	payload := `{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/payments:pull_request",` +
		`"aud":["sts.amazonaws.com","other"],"exp":1700000300.5,"iat":1700000000,"run_id":"77","environment":""}`
	raw := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
	c, err := DecodeClaims(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "repo:acme/payments:pull_request" || !c.Audience.Contains("other") || c.Expiry != 1700000300 || c.RunID != "77" {
		t.Errorf("claims %+v", c)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte(`{"aud":7}`)) + ".c",
		"a." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":"soon"}`)) + ".c"} {
		if _, err := DecodeClaims(bad); !errors.Is(err, ErrTokenVerification) {
			t.Errorf("DecodeClaims(%q) err = %v, want ErrTokenVerification", bad, err)
		}
	}
}

func FuzzDecodeClaims(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmEvYjpyZWY6cmVmcy9oZWFkcy9tYWluIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ.c2ln")
	f.Add("a.eyJleHAiOjFlMzAwfQ.b")
	f.Add("..")
	f.Add("a.bnVsbA.b")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := DecodeClaims(raw)
		if err != nil && !errors.Is(err, ErrTokenVerification) {
			t.Fatalf("error %v does not wrap ErrTokenVerification", err)
		}
		_ = c.Expiry.Time()
		_ = c.Audience.String()
	})
}
