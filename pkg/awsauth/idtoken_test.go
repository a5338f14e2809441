package awsauth

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

func TestIDTokenSource(t *testing.T) {
	iss := testenv.StartOIDC(t)
	var log bytes.Buffer
	a := githubactions.New(githubactions.WithGetenv(iss.Env().Get), githubactions.WithWriter(&log))
	src := IDTokenSource(a, "backstage")
	ctx := context.Background()

	first, err := src(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := DecodeClaims(first)
	if !c.Audience.Contains("backstage") {
		t.Errorf("token audience %v, want backstage", c.Audience)
	}
	again, _ := src(ctx)
	if again != first || iss.Minted() != 1 {
		t.Errorf("second call minted again (%d minted): the token should be cached until shortly before it expires", iss.Minted())
	}
	if !strings.Contains(log.String(), "::add-mask::"+first) {
		t.Error("the token was not masked in the job log")
	}

	// A token that expires within the refresh window is replaced.
	iss.SetLifetime(IDTokenRefreshWindow / 2)
	short := IDTokenSource(a, "backstage")
	one, _ := short(ctx)
	time.Sleep(1100 * time.Millisecond) // jti and iat differ by the clock
	two, _ := short(ctx)
	if one == two || iss.Minted() != 3 {
		t.Errorf("a token about to expire was reused (%d minted)", iss.Minted())
	}

	// No id-token permission: a clear error, nothing cached.
	none := IDTokenSource(githubactions.New(githubactions.WithGetenv(func(string) string { return "" })), "backstage")
	if _, err := none(ctx); err == nil || !strings.Contains(err.Error(), "id-token: write") {
		t.Errorf("without ACTIONS_ID_TOKEN_REQUEST_URL: %v", err)
	}
}
