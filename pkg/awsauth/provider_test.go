package awsauth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
)

var role = annotations.RoleARN{Partition: "aws", Account: "123456789012", Path: "/", Name: "payments-deployer"}

// fixture is moto for STS, a local OIDC issuer for the token, and options
// pointing at both.
type fixture struct {
	moto *testenv.Moto
	oidc *testenv.OIDC
	opts Options
	logs *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{moto: testenv.StartMoto(t), oidc: testenv.StartOIDC(t), logs: &bytes.Buffer{}}
	f.opts = Options{
		RoleARN:    role,
		Region:     "us-east-1",
		Endpoint:   f.moto.URL,
		Action:     githubactions.New(githubactions.WithGetenv(f.oidc.Env().Get)),
		MaxBackoff: 20 * time.Millisecond,
		Logger:     slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	return f
}

// whoAmI calls GetCallerIdentity on moto with the credentials.
func (f *fixture) whoAmI(t *testing.T, creds aws.CredentialsProvider) string {
	t.Helper()
	cfg := f.moto.Config()
	cfg.Credentials = creds
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Arn)
}

func TestExchangeWithMoto(t *testing.T) {
	f := newFixture(t)
	creds, err := New(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := creds.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The cache reports the expiry less the expiry window: 1h - 1min.
	if d := time.Until(c.Expires); !c.CanExpire || d < 58*time.Minute || d > 59*time.Minute || c.SessionToken == "" {
		t.Errorf("credentials expire in %v: want session credentials of an hour (the default duration) less the 1-minute window", d)
	}
	want := "arn:aws:sts::123456789012:assumed-role/payments-deployer/octocat@1234567890-1"
	if got := f.whoAmI(t, creds); got != want {
		t.Errorf("caller %q, want %q", got, want)
	}
	if f.oidc.Minted() != 1 {
		t.Errorf("minted %d tokens, want 1 (the cached credentials serve the second call)", f.oidc.Minted())
	}
	if tok := f.oidc.LastToken(); strings.Contains(f.logs.String(), tok) || !strings.Contains(f.logs.String(), "repo:acme/payments:environment:production") {
		t.Errorf("log must name the sub and never hold the token:\n%s", f.logs)
	}
}

// TestCredentialsRefreshDuringALongWait: moto honours DurationSeconds, so
// 2-second sessions (below STS's 900, allowed here through minDuration)
// expire during a 5-second wait; the cache exchanges again a second before
// expiry (the expiry window is capped at half the duration), each time with
// a freshly minted OIDC token.
func TestCredentialsRefreshDuringALongWait(t *testing.T) {
	f := newFixture(t)
	f.opts.Duration, f.opts.minDuration = 2*time.Second, time.Second
	creds, err := New(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]time.Time{}
	var calls int
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		c, err := creds.Retrieve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, seen := keys[c.AccessKeyID]; !seen {
			keys[c.AccessKeyID] = c.Expires
			// moto's expiry is DurationSeconds (2s) from now; the cache
			// reports it less the window (1s).
			if d := time.Until(c.Expires); d > time.Second || d < 500*time.Millisecond {
				t.Errorf("fresh credentials expire in %v, want about 1s (2s session less the 1s window)", d)
			}
		}
		if !strings.HasSuffix(f.whoAmI(t, creds), "/octocat@1234567890-1") {
			t.Error("session name lost on refresh")
		}
		calls++
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := time.Since(start)
	t.Logf("refresh: %d exchanges, %d OIDC tokens minted, %d calls over %v with 2s sessions", len(keys), f.oidc.Minted(), calls, elapsed.Round(time.Millisecond))
	if len(keys) < 3 {
		t.Errorf("%d exchanges over %v, want at least 3 with 2s sessions", len(keys), elapsed)
	}
	if f.oidc.Minted() != len(keys) {
		t.Errorf("minted %d tokens for %d exchanges, want a fresh token per exchange", f.oidc.Minted(), len(keys))
	}
}

func TestTransientFaultsAreRetried(t *testing.T) {
	tests := []struct {
		name   string
		script []testenv.Fault
	}{
		{"throttling", []testenv.Fault{testenv.Throttle, testenv.Throttle}},
		{"5xx", []testenv.Fault{testenv.Internal500, testenv.Unavailable503}},
		{"connection resets", []testenv.Fault{testenv.Reset, testenv.Reset}},
		{"all of them", []testenv.Fault{testenv.Throttle, testenv.Internal500, testenv.Reset, testenv.Unavailable503}},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := testenv.StartFaultProxy(t, f.moto.URL, tt.script...)
			opts := f.opts
			opts.Endpoint = proxy.URL
			creds, err := New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			before := f.oidc.Minted()
			start := time.Now()
			if _, err := creds.Retrieve(context.Background()); err != nil {
				t.Fatalf("Retrieve after %v: %v", proxy.Log(), err)
			}
			t.Logf("%s: %d attempts %v in %v", tt.name, proxy.Requests(), proxy.Log(), time.Since(start).Round(time.Millisecond))
			if want := len(tt.script) + 1; proxy.Requests() != want {
				t.Errorf("%d attempts, want %d", proxy.Requests(), want)
			}
			if got := f.oidc.Minted() - before; got != 1 {
				t.Errorf("minted %d tokens for one exchange, want 1", got)
			}
		})
	}
}

func TestRetriesRunOut(t *testing.T) {
	f := newFixture(t)
	proxy := testenv.StartFaultProxy(t, f.moto.URL, testenv.Unavailable503, testenv.Unavailable503, testenv.Unavailable503, testenv.Unavailable503)
	f.opts.Endpoint, f.opts.MaxAttempts = proxy.URL, 3
	creds, _ := New(context.Background(), f.opts)
	_, err := creds.Retrieve(context.Background())
	var xe *ExchangeError
	if !errors.As(err, &xe) || xe.Kind != nil || xe.Code != "ServiceUnavailable" || proxy.Requests() != 3 {
		t.Fatalf("err %v (%d attempts), want an ExchangeError with ServiceUnavailable after 3", err, proxy.Requests())
	}
}

func TestHungAttemptTimesOutAndIsRetried(t *testing.T) {
	f := newFixture(t)
	// moto loads its STS backend on the first call, which can take longer
	// than the attempt timeout on a busy machine: warm it up first.
	if _, err := mustNew(t, f.opts).Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	const timeout = time.Second
	proxy := testenv.StartFaultProxy(t, f.moto.URL, testenv.Hang)
	f.opts.Endpoint, f.opts.AttemptTimeout = proxy.URL, timeout
	creds := mustNew(t, f.opts)
	start := time.Now()
	if _, err := creds.Retrieve(context.Background()); err != nil {
		t.Fatalf("Retrieve after %v: %v", proxy.Log(), err)
	}
	elapsed := time.Since(start)
	t.Logf("hung attempt: %d attempts %v in %v", proxy.Requests(), proxy.Log(), elapsed.Round(time.Millisecond))
	if proxy.Requests() != 2 || elapsed < timeout || elapsed > 10*time.Second {
		t.Errorf("%d attempts in %v, want 2 (the first cut at %v)", proxy.Requests(), elapsed, timeout)
	}
}

func TestAccessDeniedFailsFastShowingTheClaims(t *testing.T) {
	f := newFixture(t)
	f.oidc.SetClaims(map[string]any{"sub": "repo:acme/payments:ref:refs/heads/feature", "environment": nil, "ref": "refs/heads/feature"})
	f.opts.Action = githubactions.New(githubactions.WithGetenv(f.oidc.Env().Get))
	proxy := testenv.StartFaultProxy(t, f.moto.URL, testenv.AccessDenied)
	f.opts.Endpoint = proxy.URL
	f.opts.ExpectedSub = "repo:acme/payments:environment:production"
	creds, _ := New(context.Background(), f.opts)
	_, err := creds.Retrieve(context.Background())
	if !errors.Is(err, ErrTrustMismatch) {
		t.Fatalf("err = %v, want ErrTrustMismatch", err)
	}
	if proxy.Requests() != 1 {
		t.Errorf("%d attempts, want exactly 1", proxy.Requests())
	}
	msg := err.Error()
	t.Logf("message:\n%s", msg)
	for _, want := range []string{
		"AccessDenied", role.String(),
		"sub:         repo:acme/payments:ref:refs/heads/feature",
		"aud:         sts.amazonaws.com",
		"repository:  acme/payments",
		"environment: (none)",
		"ref:         refs/heads/feature",
		"sub:         repo:acme/payments:environment:production",
		"repo:ORG/REPO:environment:ENV", "repo:ORG/REPO:ref:refs/heads/BRANCH", "repo:ORG/REPO:pull_request", "repo:OWNER@OWNER_ID/REPO@REPO_ID",
		`the sub's form differs: token "ref:refs/heads/feature", role "environment:production"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q", want)
		}
	}
	tok := f.oidc.LastToken()
	if tok == "" || strings.Contains(msg, tok) || strings.Contains(msg, strings.Split(tok, ".")[2]) || strings.Contains(f.logs.String(), tok) {
		t.Error("the token (or its signature) shows in the message or the log")
	}
	var xe *ExchangeError
	if !errors.As(err, &xe) || xe.Claims == nil || xe.Claims.Subject != "repo:acme/payments:ref:refs/heads/feature" {
		t.Errorf("ExchangeError.Claims = %+v", xe)
	}
	// An SDK call that needed the credentials does not retry either.
	cfg := f.moto.Config()
	cfg.Credentials = creds
	before := proxy.Requests()
	proxy.SetScript(testenv.AccessDenied, testenv.AccessDenied, testenv.AccessDenied)
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if !errors.Is(err, ErrTrustMismatch) || proxy.Requests()-before != 1 {
		t.Errorf("SDK call: err %v after %d exchanges, want ErrTrustMismatch after 1", err, proxy.Requests()-before)
	}
}

func TestInvalidIdentityTokenFailsFast(t *testing.T) {
	f := newFixture(t)
	proxy := testenv.StartFaultProxy(t, f.moto.URL, testenv.InvalidIdentityToken, testenv.InvalidIdentityToken)
	f.opts.Endpoint = proxy.URL
	creds, _ := New(context.Background(), f.opts)
	_, err := creds.Retrieve(context.Background())
	if !errors.Is(err, ErrTokenRejected) || proxy.Requests() != 1 {
		t.Fatalf("err %v after %d attempts, want ErrTokenRejected after 1 (stscreds alone would retry it)", err, proxy.Requests())
	}
}

func TestMissingIDTokenPermission(t *testing.T) {
	f := newFixture(t)
	env := f.oidc.Env()
	delete(env, "ACTIONS_ID_TOKEN_REQUEST_URL")
	delete(env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	f.opts.Action = githubactions.New(githubactions.WithGetenv(env.Get))
	_, err := New(context.Background(), f.opts)
	if !errors.Is(err, ErrNoIDTokenPermission) || !strings.Contains(err.Error(), "permissions: id-token: write") ||
		!strings.Contains(err.Error(), "ACTIONS_ID_TOKEN_REQUEST_URL") {
		t.Fatalf("New err = %v, want ErrNoIDTokenPermission naming `permissions: id-token: write`", err)
	}

	// The URL without the request token: found when the token is requested.
	env = f.oidc.Env()
	delete(env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	f.opts.Action = githubactions.New(githubactions.WithGetenv(env.Get))
	creds, err := New(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = creds.Retrieve(context.Background())
	if !errors.Is(err, ErrNoIDTokenPermission) || !strings.Contains(err.Error(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN") {
		t.Fatalf("Retrieve err = %v, want ErrNoIDTokenPermission naming ACTIONS_ID_TOKEN_REQUEST_TOKEN", err)
	}
}

func TestOutsideActions(t *testing.T) {
	f := newFixture(t)
	// No Actions, no token file: an error, not a silent fallback to the
	// default chain (even with keys in the environment).
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	f.opts.Action = githubactions.New(githubactions.WithGetenv(testenv.Env{}.Get))
	if _, err := New(context.Background(), f.opts); !errors.Is(err, ErrNoTokenSource) || !strings.Contains(err.Error(), "default credential chain") {
		t.Fatalf("err = %v, want ErrNoTokenSource", err)
	}

	// AWS_WEB_IDENTITY_TOKEN_FILE, read for every exchange.
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(f.oidc.Mint("sts.amazonaws.com")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.opts.Action = githubactions.New(githubactions.WithGetenv(testenv.Env{"AWS_WEB_IDENTITY_TOKEN_FILE": file, "GITHUB_ACTOR": "dev", "GITHUB_RUN_ID": "1"}.Get))
	creds, err := New(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.whoAmI(t, creds); !strings.HasSuffix(got, "/dev@1") {
		t.Errorf("caller %q, want session dev@1", got)
	}
	os.Remove(file)
	creds.(*aws.CredentialsCache).Invalidate()
	if _, err := creds.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "read the web identity token") {
		t.Errorf("after removing the file: err = %v, want it read again", err)
	}

	// The default chain, when asked for.
	f.opts.UseDefaultChain, f.opts.RoleARN = true, annotations.RoleARN{}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	creds, err = New(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := creds.Retrieve(context.Background()); err != nil || c.AccessKeyID != "AKIDEXAMPLE" {
		t.Errorf("default chain: %+v, %v", c, err)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	f := newFixture(t)
	for name, mod := range map[string]func(*Options){
		"duration too short": func(o *Options) { o.Duration = 10 * time.Minute },
		"duration too long":  func(o *Options) { o.Duration = 13 * time.Hour },
		"no role":            func(o *Options) { o.RoleARN = annotations.RoleARN{} },
		"no region":          func(o *Options) { o.Region = "" },
	} {
		o := f.opts
		mod(&o)
		if _, err := New(context.Background(), o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: err = %v, want ErrInvalidOptions", name, err)
		}
	}
}

func TestResolveRole(t *testing.T) {
	targets := &annotations.Targets{Default: annotations.Environment{Role: role}}
	if got, err := ResolveRole(targets, "production", ""); err != nil || got != role {
		t.Errorf("from the entity: %v, %v", got, err)
	}
	got, err := ResolveRole(targets, "production", "arn:aws:iam::123456789012:role/other")
	if err != nil || got.Name != "other" {
		t.Errorf("override: %v, %v", got, err)
	}
	if _, err := ResolveRole(&annotations.Targets{}, "production", ""); !errors.Is(err, annotations.ErrNoRole) {
		t.Errorf("no role: %v", err)
	}
	if _, err := ResolveRole(targets, "production", "arn:aws:iam::123456789012:user/x"); err == nil {
		t.Error("a user ARN was accepted as a role")
	}
}

func mustNew(t *testing.T, o Options) aws.CredentialsProvider {
	t.Helper()
	p, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
