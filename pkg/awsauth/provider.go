package awsauth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

// Defaults of Options.
const (
	DefaultAudience       = "sts.amazonaws.com"
	DefaultDuration       = time.Hour
	DefaultAttemptTimeout = 10 * time.Second
	DefaultMaxAttempts    = 5
	DefaultMaxBackoff     = 20 * time.Second
	DefaultExpiryWindow   = time.Minute

	MinDuration = 15 * time.Minute // STS's lower bound on DurationSeconds
	MaxDuration = 12 * time.Hour   // STS's upper bound on DurationSeconds
)

// Options configure New. Zero fields take the defaults named.
type Options struct {
	// RoleARN is the role to assume: the entity's role for the environment
	// (see ResolveRole). Required, unless UseDefaultChain is set.
	RoleARN annotations.RoleARN
	// SessionName is the role session name; it is passed through
	// SessionName(opts.SessionName, ""). Empty means SessionName(GITHUB_ACTOR,
	// GITHUB_RUN_ID-GITHUB_RUN_ATTEMPT).
	SessionName string
	// Duration of each session, 15 min to 12 h (and at most the role's
	// maximum session duration). Default DefaultDuration.
	Duration time.Duration
	// Audience requested for the GitHub OIDC token. Default DefaultAudience.
	Audience string
	// ExpectedSub is the sub the role's trust policy expects, if the caller
	// knows it; shown beside the token's sub when STS answers AccessDenied.
	ExpectedSub string

	// Region of the STS endpoint. Default AWS_REGION, then AWS_DEFAULT_REGION.
	Region string
	// Endpoint overrides the STS endpoint (a base URL).
	Endpoint string
	// STS replaces the STS client awsauth builds (Region, Endpoint,
	// HTTPClient, AttemptTimeout, MaxAttempts and MaxBackoff are then not
	// used). The fail-fast codes are refused by its retryer all the same.
	STS STSClient
	// HTTPClient sends STS requests; it is copied and its Timeout set to
	// AttemptTimeout. Default: a client over a clone of
	// http.DefaultTransport.
	HTTPClient *http.Client
	// AttemptTimeout bounds each STS attempt and each OIDC token request, so
	// a hung attempt becomes a retry. Default DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// MaxAttempts of an exchange, the first included. Default
	// DefaultMaxAttempts.
	MaxAttempts int
	// MaxBackoff caps the jittered delay between attempts. Default
	// DefaultMaxBackoff.
	MaxBackoff time.Duration
	// ExpiryWindow: credentials are renewed this long before they expire.
	// Default DefaultExpiryWindow, at most half the Duration.
	ExpiryWindow time.Duration

	// Action is the GitHub Actions environment: the token request and the
	// environment variables. Default githubactions.New() (the process
	// environment).
	Action *githubactions.Action
	// TokenFile is a web identity token file, read for every exchange.
	// Default: outside GitHub Actions, AWS_WEB_IDENTITY_TOKEN_FILE.
	TokenFile string
	// UseDefaultChain uses the SDK's default credential chain instead of a
	// web identity token (and assumes RoleARN from it with AssumeRole when
	// RoleARN is set). Never chosen unless asked for.
	UseDefaultChain bool

	// Logger receives one record per exchange (role, session, expiry, sub);
	// never a token. Default: discard.
	Logger *slog.Logger

	minDuration time.Duration // tests: lowers MinDuration against moto
}

// ResolveRole returns the role to assume: override when it is not empty (an
// action input, checked with annotations.ParseRoleARN), otherwise the
// entity's role for env.
func ResolveRole(t *annotations.Targets, env, override string) (annotations.RoleARN, error) {
	if override != "" {
		return annotations.ParseRoleARN(override)
	}
	e, err := t.ForEnvironment(env)
	if err != nil {
		return annotations.RoleARN{}, err
	}
	return e.Role, nil
}

// Config returns an aws.Config whose Credentials come from New, in the
// options' region.
func Config(ctx context.Context, opts Options) (aws.Config, error) {
	p, err := New(ctx, opts)
	if err != nil {
		return aws.Config{}, err
	}
	region := opts.Region
	if region == "" {
		region = getenvFunc(opts)("AWS_REGION")
	}
	if region == "" {
		region = getenvFunc(opts)("AWS_DEFAULT_REGION")
	}
	return aws.Config{Region: region, Credentials: p}, nil
}

// New returns credentials for opts.RoleARN from a web identity token: the
// GitHub Actions OIDC token when ACTIONS_ID_TOKEN_REQUEST_URL is set,
// otherwise opts.TokenFile or AWS_WEB_IDENTITY_TOKEN_FILE. Each exchange
// fetches a fresh token and calls STS AssumeRoleWithWebIdentity; the result
// is an aws.CredentialsCache, which exchanges again ExpiryWindow before the
// session ends. New makes no request; the first Retrieve does.
//
// A GitHub Actions job without `permissions: id-token: write` gets an error
// wrapping ErrNoIDTokenPermission; no token source at all, ErrNoTokenSource.
// Exchange errors are *ExchangeError.
func New(ctx context.Context, opts Options) (aws.CredentialsProvider, error) {
	o, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	getenv := getenvFunc(o)
	if o.UseDefaultChain {
		return defaultChain(ctx, o)
	}
	var src tokenSource
	switch {
	case o.TokenFile != "":
		src = fileToken(o.TokenFile)
	case getenv("ACTIONS_ID_TOKEN_REQUEST_URL") != "":
		src = actionsToken{action: o.Action, audience: o.Audience, attemptTimeout: o.AttemptTimeout, attempts: 3, backoff: 200 * time.Millisecond}
	case getenv("AWS_WEB_IDENTITY_TOKEN_FILE") != "":
		src = fileToken(getenv("AWS_WEB_IDENTITY_TOKEN_FILE"))
	case getenv("GITHUB_ACTIONS") == "true":
		return nil, noPermission("ACTIONS_ID_TOKEN_REQUEST_URL")
	default:
		return nil, fmt.Errorf("%w: not in GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL is not set) and AWS_WEB_IDENTITY_TOKEN_FILE is not set; "+
			"in a workflow, grant `permissions: id-token: write`; elsewhere set AWS_WEB_IDENTITY_TOKEN_FILE, or ask for the default credential chain explicitly", ErrNoTokenSource)
	}
	if o.RoleARN.IsZero() {
		return nil, fmt.Errorf("%w: no role to assume (RoleARN)", ErrInvalidOptions)
	}
	session := SessionName(o.SessionName, "")
	if o.SessionName == "" {
		session = runSessionName(getenv)
	}
	client := o.STS
	if client == nil {
		if client, err = newSTSClient(o); err != nil {
			return nil, err
		}
	}
	w := &webIdentity{
		client:      failFastClient{client},
		role:        o.RoleARN.String(),
		session:     session,
		duration:    o.Duration,
		source:      src,
		audience:    o.Audience,
		expectedSub: o.ExpectedSub,
		log:         o.Logger,
	}
	return aws.NewCredentialsCache(w, func(c *aws.CredentialsCacheOptions) {
		c.ExpiryWindow = o.ExpiryWindow
		c.ExpiryWindowJitterFrac = 0
	}), nil
}

func withDefaults(o Options) (Options, error) {
	if o.Audience == "" {
		o.Audience = DefaultAudience
	}
	if o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	lo := MinDuration
	if o.minDuration != 0 {
		lo = o.minDuration
	}
	if o.Duration < lo || o.Duration > MaxDuration || o.Duration%time.Second != 0 {
		return o, fmt.Errorf("%w: session duration %v is not whole seconds from %v to %v", ErrInvalidOptions, o.Duration, lo, MaxDuration)
	}
	if o.AttemptTimeout == 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.ExpiryWindow == 0 {
		o.ExpiryWindow = DefaultExpiryWindow
	}
	o.ExpiryWindow = min(o.ExpiryWindow, o.Duration/2)
	if o.AttemptTimeout < 0 || o.MaxAttempts < 0 || o.MaxBackoff < 0 || o.ExpiryWindow < 0 {
		return o, fmt.Errorf("%w: negative timeout, attempts, backoff or expiry window", ErrInvalidOptions)
	}
	if o.Action == nil {
		o.Action = githubactions.New()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Region == "" {
		o.Region = o.Action.Getenv("AWS_REGION")
	}
	if o.Region == "" {
		o.Region = o.Action.Getenv("AWS_DEFAULT_REGION")
	}
	return o, nil
}

func getenvFunc(o Options) func(string) string {
	if o.Action == nil {
		return githubactions.New().Getenv
	}
	return o.Action.Getenv
}

// newSTSClient builds the STS client of o: regional endpoint (or
// o.Endpoint), a per-attempt timeout, the standard retryer with o's
// attempts and backoff. AssumeRoleWithWebIdentity is an unsigned call.
func newSTSClient(o Options) (*sts.Client, error) {
	if o.Region == "" {
		return nil, fmt.Errorf("%w: no AWS region for STS: set Region, AWS_REGION or AWS_DEFAULT_REGION", ErrInvalidOptions)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	} else {
		c := *hc
		hc = &c
	}
	hc.Timeout = o.AttemptTimeout
	so := sts.Options{
		Region:      o.Region,
		HTTPClient:  hc,
		Retryer:     newRetryer(o.MaxAttempts, o.MaxBackoff),
		Credentials: aws.AnonymousCredentials{},
	}
	if o.Endpoint != "" {
		so.BaseEndpoint = aws.String(o.Endpoint)
	}
	return sts.New(so), nil
}

// defaultChain is the SDK's default credential chain, asked for explicitly,
// and AssumeRole into o.RoleARN when set.
func defaultChain(ctx context.Context, o Options) (aws.CredentialsProvider, error) {
	loadOpts := []func(*config.LoadOptions) error{}
	if o.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("load the default AWS credential chain: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%w: the default AWS credential chain found no credentials", ErrNoTokenSource)
	}
	o.Logger.Info("awsauth: using the default AWS credential chain, as asked", "role", o.RoleARN.String())
	if o.RoleARN.IsZero() {
		return cfg.Credentials, nil
	}
	session := SessionName(o.SessionName, "")
	if o.SessionName == "" {
		session = runSessionName(getenvFunc(o))
	}
	client := sts.NewFromConfig(cfg, func(so *sts.Options) {
		so.Retryer = newRetryer(o.MaxAttempts, o.MaxBackoff)
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
	})
	p := stscreds.NewAssumeRoleProvider(client, o.RoleARN.String(), func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = session
		ao.Duration = o.Duration
	})
	return aws.NewCredentialsCache(p, func(c *aws.CredentialsCacheOptions) { c.ExpiryWindow = o.ExpiryWindow }), nil
}

// webIdentity is one role's web identity exchange: a fresh token, then
// stscreds' WebIdentityRoleProvider, with errors explained.
type webIdentity struct {
	client      STSClient
	role        string
	session     string
	duration    time.Duration
	source      tokenSource
	audience    string
	expectedSub string
	log         *slog.Logger
}

// tokenFunc adapts a context-bound token fetch to stscreds'
// IdentityTokenRetriever, which takes no context.
type tokenFunc func() ([]byte, error)

func (f tokenFunc) GetIdentityToken() ([]byte, error) { return f() }

// Retrieve exchanges a fresh token for credentials.
func (w *webIdentity) Retrieve(ctx context.Context) (aws.Credentials, error) {
	var raw string
	var tokenErr error
	fetch := tokenFunc(func() ([]byte, error) {
		raw, tokenErr = w.source.token(ctx)
		return []byte(raw), tokenErr
	})
	p := stscreds.NewWebIdentityRoleProvider(w.client, w.role, fetch, func(o *stscreds.WebIdentityRoleOptions) {
		o.RoleSessionName = w.session
		o.Duration = w.duration
	})
	start := time.Now()
	creds, err := p.Retrieve(ctx)
	if tokenErr != nil {
		return aws.Credentials{}, tokenErr
	}
	if err != nil {
		e := &ExchangeError{Role: w.role, SessionName: w.session, Audience: w.audience, ExpectedSub: w.expectedSub, Err: err}
		e.Code, e.Kind = classify(err)
		if c, derr := DecodeClaims(raw); derr == nil {
			e.Claims = &c
		}
		w.log.Error("awsauth: exchange failed", "role", w.role, "session", w.session, "code", e.Code, "elapsed", time.Since(start))
		return aws.Credentials{}, e
	}
	sub := ""
	if c, derr := DecodeClaims(raw); derr == nil {
		sub = c.Subject
	}
	w.log.Info("awsauth: assumed role", "role", w.role, "session", w.session, "sub", sub,
		"source", w.source.String(), "expires", creds.Expires, "elapsed", time.Since(start))
	return creds, nil
}
