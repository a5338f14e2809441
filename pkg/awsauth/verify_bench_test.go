package awsauth

import (
	"context"
	"testing"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

// BenchmarkVerifier measures one long-lived Verifier verifying a token
// again and again: with cached keys, the cost of the signature and claim
// checks alone.
func BenchmarkVerifier(b *testing.B) {
	o := testenv.StartOIDC(b)
	tok := o.Mint("sts.amazonaws.com")
	ctx := context.Background()
	v := Verifier{Issuer: o.URL, Audience: "sts.amazonaws.com"}
	if _, err := v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyToken measures VerifyToken, which builds a Verifier per
// call and so fetches the discovery document and key set (from a loopback
// issuer) every time.
func BenchmarkVerifyToken(b *testing.B) {
	o := testenv.StartOIDC(b)
	tok := o.Mint("sts.amazonaws.com")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyToken(ctx, tok, o.URL, "sts.amazonaws.com", nil); err != nil {
			b.Fatal(err)
		}
	}
}
