package awsauth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrNoIDTokenPermission: the job cannot request an OIDC token, because
	// the workflow or job lacks `permissions: id-token: write`.
	ErrNoIDTokenPermission = errors.New("the job cannot request a GitHub OIDC token: it needs `permissions: id-token: write`")
	// ErrNoTokenSource: neither GitHub Actions nor AWS_WEB_IDENTITY_TOKEN_FILE
	// offers a token, and the default credential chain was not asked for.
	ErrNoTokenSource = errors.New("no web identity token source")
	// ErrTrustMismatch: STS answered AccessDenied: the role's trust policy
	// does not accept this token (sub, aud or provider).
	ErrTrustMismatch = errors.New("the role's trust policy does not accept this token")
	// ErrTokenRejected: STS refused the token itself (InvalidIdentityToken,
	// IDPRejectedClaim, ExpiredToken).
	ErrTokenRejected = errors.New("STS rejected the web identity token")
	// ErrInvalidRequest: STS refused the request (ValidationError,
	// MalformedPolicyDocument, PackedPolicyTooLarge): a wrong role ARN,
	// session name or duration.
	ErrInvalidRequest = errors.New("STS refused the request")
	// ErrRegionDisabled: STS is not activated in the region.
	ErrRegionDisabled = errors.New("STS is not activated in this region")
	// ErrInvalidOptions: Options are incomplete or out of range.
	ErrInvalidOptions = errors.New("invalid awsauth options")
	// ErrTokenRequest: the runner's token endpoint refused the request
	// (see TokenRequestError).
	ErrTokenRequest = errors.New("the GitHub Actions token endpoint refused the request")
	// ErrTokenVerification: VerifyToken or DecodeClaims refused a token.
	ErrTokenVerification = errors.New("OIDC token verification failed")
)

// failFast maps the STS error codes that retrying cannot fix to their
// sentinel.
var failFast = map[string]error{
	"AccessDenied":            ErrTrustMismatch,
	"InvalidIdentityToken":    ErrTokenRejected,
	"IDPRejectedClaim":        ErrTokenRejected,
	"ExpiredTokenException":   ErrTokenRejected,
	"ExpiredToken":            ErrTokenRejected,
	"ValidationError":         ErrInvalidRequest,
	"MalformedPolicyDocument": ErrInvalidRequest,
	"PackedPolicyTooLarge":    ErrInvalidRequest,
	"RegionDisabledException": ErrRegionDisabled,
}

// classify returns the STS error code of err and the sentinel of a code
// that must not be retried (nil for other errors).
func classify(err error) (code string, kind error) {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return "", nil
	}
	code = apiErr.ErrorCode()
	return code, failFast[code]
}

// ExchangeError is the error of an AssumeRoleWithWebIdentity exchange that
// failed. It wraps the sentinel of its kind (ErrTrustMismatch, ...; nil for
// errors that were retried until the attempts ran out) and the STS error.
// It never holds the token, only claims decoded from it.
type ExchangeError struct {
	Role        string  // the role ARN
	SessionName string  // the role session name
	Code        string  // the STS error code, "" for transport errors
	Kind        error   // a sentinel, or nil
	Claims      *Claims // the token's claims, decoded unverified; nil when unknown
	Audience    string  // the audience requested for the token
	ExpectedSub string  // what the caller says the trust policy expects, if known
	Err         error   // the underlying error
}

// Unwrap returns the sentinel and the underlying error.
func (e *ExchangeError) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// RetryableError reports false: the exchange already retried what could be
// retried, so an SDK call that needed these credentials must not retry it
// again.
func (e *ExchangeError) RetryableError() bool { return false }

// Error says what failed and, for a trust mismatch, shows the token's
// claims beside what the role expects.
func (e *ExchangeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "assume role %s with a web identity (session %s): ", e.Role, e.SessionName)
	if e.Kind != nil {
		fmt.Fprintf(&b, "%v: ", e.Kind)
	}
	b.WriteString(e.Err.Error())
	switch e.Kind {
	case ErrTrustMismatch:
		b.WriteString(e.trustHint())
	case ErrTokenRejected:
		b.WriteString("\nthe token is malformed, expired, or its issuer is not the account's IAM OIDC provider for " + GitHubIssuer + " (or that provider's audience list lacks " + quote(e.Audience) + ")")
	case ErrInvalidRequest:
		b.WriteString("\ncheck the role ARN, the session name ([\\w+=,.@-]{2,64}) and the duration (900-43200 s, at most the role's maximum session duration)")
	case ErrRegionDisabled:
		b.WriteString("\nactivate STS for this region in IAM (Account settings), or use another region")
	}
	return b.String()
}

func (e *ExchangeError) trustHint() string {
	var b strings.Builder
	if e.Claims == nil {
		b.WriteString("\nthe token's claims could not be decoded")
	} else {
		c := e.Claims
		b.WriteString("\nthe token says (decoded, not verified):")
		row(&b, "sub", c.Subject)
		row(&b, "aud", c.Audience.String())
		row(&b, "repository", c.Repository)
		row(&b, "environment", c.Environment)
		row(&b, "ref", c.Ref)
	}
	b.WriteString("\nthe role expects:")
	if e.ExpectedSub != "" {
		row(&b, "sub", e.ExpectedSub)
	} else {
		row(&b, "sub", "(unknown: compare with token.actions.githubusercontent.com:sub in the trust policy)")
	}
	row(&b, "aud", e.Audience)
	b.WriteString("\nthe trust policy must allow sts:AssumeRoleWithWebIdentity for the account's OIDC provider " +
		"token.actions.githubusercontent.com, with token.actions.githubusercontent.com:aud = " + quote(e.Audience) +
		" and token.actions.githubusercontent.com:sub matching the token's sub. GitHub's sub forms:" +
		" repo:ORG/REPO:environment:ENV (a job with `environment:`)," +
		" repo:ORG/REPO:ref:refs/heads/BRANCH (no environment)," +
		" repo:ORG/REPO:pull_request (pull_request events)," +
		" and, for repositories using immutable ids, repo:OWNER@OWNER_ID/REPO@REPO_ID:... in the same three forms")
	if e.Claims != nil && e.ExpectedSub != "" && e.Claims.Subject != e.ExpectedSub {
		b.WriteString("\n" + subDiff(e.Claims.Subject, e.ExpectedSub))
	}
	return b.String()
}

// subDiff names the part of the sub that differs, when the forms allow it.
func subDiff(got, want string) string {
	g, w := strings.SplitN(got, ":", 3), strings.SplitN(want, ":", 3)
	if len(g) < 3 || len(w) < 3 {
		return "the sub differs"
	}
	switch {
	case g[1] != w[1]:
		return fmt.Sprintf("the repository differs: token %q, role %q", g[1], w[1])
	case strings.SplitN(g[2], ":", 2)[0] != strings.SplitN(w[2], ":", 2)[0]:
		return fmt.Sprintf("the sub's form differs: token %q, role %q (a job with `environment:` gets the environment form)", g[2], w[2])
	default:
		return fmt.Sprintf("the sub's last part differs: token %q, role %q", g[2], w[2])
	}
}

func row(b *strings.Builder, k, v string) {
	if v == "" {
		v = "(none)"
	}
	fmt.Fprintf(b, "\n  %-12s %s", k+":", v)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// TokenRequestError is the runner's token endpoint answering with an HTTP
// error. It holds the status only: the body of an error page may echo the
// request token, so it is never kept or printed.
type TokenRequestError struct {
	Audience   string
	StatusCode int
}

func (e *TokenRequestError) Error() string {
	hint := ""
	switch {
	case e.StatusCode == 401 || e.StatusCode == 403:
		hint = ": the job's token request was refused (an expired run, or a request token that is not this job's)"
	case e.StatusCode == 429 || e.StatusCode >= 500:
		hint = ": GitHub's token service failed; re-run the job"
	}
	return fmt.Sprintf("request the GitHub OIDC token (audience %q): the token endpoint answered HTTP %d %s%s",
		e.Audience, e.StatusCode, http.StatusText(e.StatusCode), hint)
}

// Unwrap makes the error match ErrTokenRequest.
func (e *TokenRequestError) Unwrap() error { return ErrTokenRequest }
