package iam

import (
	"strings"

	"github.com/stagecrew/stagecrew/internal/charset"
)

// The checks of this file stand for regular expressions (each says which;
// names_test.go proves they agree). Compiled at package init, the
// expressions with counted repeats ({1,512}) cost milliseconds at every
// start of the binary; as code they cost nothing.

var (
	digits        = charset.New("0-9")
	alnum         = charset.New("A-Za-z0-9")
	lowerAlnum    = charset.New("a-z0-9")
	lower         = charset.New("a-z")
	hex           = charset.New("0-9a-f")
	familyChars   = charset.New("A-Za-z0-9_-")
	codeDeployCh  = charset.New("A-Za-z0-9_.+@-")
	logGroupChars = charset.New("A-Za-z0-9_/.#-") // [\w\-/.#]
	secretChars   = charset.New("A-Za-z0-9/_+=.@-")
	paramChars    = charset.New("A-Za-z0-9/_.-")
	ownerChars    = charset.New("A-Za-z0-9-")
	repoChars     = charset.New("A-Za-z0-9._-")
	keyChars      = charset.New("A-Za-z0-9._-")
	serviceChars  = charset.New("a-z0-9.-")
	actionChars   = charset.New("A-Za-z0-9*?")
	actionSvc     = charset.New("a-z0-9-")
)

// isCodeDeployName: ^[A-Za-z0-9_.+@-]{1,100}$.
func isCodeDeployName(s string) bool { return codeDeployCh.Span(s, 1, 100) }

// isLogGroup: ^[\w\-/.#]{1,512}$.
func isLogGroup(s string) bool { return logGroupChars.Span(s, 1, 512) }

// isFamily is a task definition family: ^[A-Za-z0-9_-]{1,255}$.
func isFamily(s string) bool { return familyChars.Span(s, 1, 255) }

// isSecretName: ^[A-Za-z0-9/_+=.@-]{1,512}$.
func isSecretName(s string) bool { return secretChars.Span(s, 1, 512) }

// hasSecretSuffix reports whether a secret name ends in the six random
// characters Secrets Manager appends: -[A-Za-z0-9]{6}$.
func hasSecretSuffix(s string) bool {
	n := len(s)
	return n >= 7 && s[n-7] == '-' && alnum.All(s[n-6:])
}

// isParamName: ^[A-Za-z0-9/_.-]+$.
func isParamName(s string) bool { return s != "" && paramChars.All(s) }

// isRegionValue: ^[a-z]{2}(-[a-z]+)+-[0-9]+$.
func isRegionValue(s string) bool {
	first, rest, ok := strings.Cut(s, "-")
	if !ok || len(first) != 2 || !lower.All(first) {
		return false
	}
	i := strings.LastIndexByte(rest, '-')
	if i < 0 || !digits.Span(rest[i+1:], 1, len(rest)) {
		return false
	}
	for seg := range strings.SplitSeq(rest[:i], "-") {
		if seg == "" || !lower.All(seg) {
			return false
		}
	}
	return true
}

// isOwner is a GitHub owner: ^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$.
func isOwner(s string) bool { return ownerChars.Span(s, 1, 39) && alnum.Has(s[0]) }

// isRepo is a GitHub repository name: ^[A-Za-z0-9._-]{1,100}$.
func isRepo(s string) bool { return repoChars.Span(s, 1, 100) }

// isID is a GitHub numeric ID: ^[1-9][0-9]{0,19}$.
func isID(s string) bool { return digits.Span(s, 1, 20) && s[0] != '0' }

// isAccount is an AWS account ID: ^[0-9]{12}$.
func isAccount(s string) bool { return digits.Span(s, 12, 12) }

// isEnvName is a GitHub environment name without a wildcard or claim
// separator: ^[^:*?\s][^:*?]{0,254}$, 1-255 characters (runes, an invalid
// UTF-8 byte counting as one, as the expression counts them).
func isEnvName(s string) bool {
	if s == "" || strings.ContainsAny(s, ":*?") || isSpace(s[0]) {
		return false
	}
	n := 0
	for range s {
		if n++; n > 255 {
			return false
		}
	}
	return true
}

// isSpace is \s of Go's regular expressions: [\t\n\f\r ].
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// isBranch: ^[^:*?\s~^\\\[]+$.
func isBranch(s string) bool {
	return s != "" && !strings.ContainsAny(s, ":*?\t\n\f\r ~^\\[")
}

// isSid is a statement ID: ^[A-Za-z0-9]*$.
func isSid(s string) bool { return alnum.All(s) }

// isAction is SERVICE:ACTION: ^[a-z0-9][a-z0-9-]*:[A-Za-z0-9*?]+$.
func isAction(s string) bool {
	svc, name, ok := strings.Cut(s, ":")
	return ok && svc != "" && lowerAlnum.Has(svc[0]) && actionSvc.All(svc) &&
		name != "" && actionChars.All(name)
}

// isCondKey is a condition key: ^[A-Za-z0-9][A-Za-z0-9._-]*:[^\s]+$.
func isCondKey(s string) bool {
	prefix, rest, ok := strings.Cut(s, ":")
	if !ok || prefix == "" || !alnum.Has(prefix[0]) || !keyChars.All(prefix) || rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if isSpace(rest[i]) {
			return false
		}
	}
	return true
}

// isService is an AWS service principal:
// ^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$.
func isService(s string) bool {
	host, ok := strings.CutSuffix(s, ".amazonaws.com")
	if !ok {
		host, ok = strings.CutSuffix(s, ".amazonaws.com.cn")
	}
	return ok && host != "" && lowerAlnum.Has(host[0]) && serviceChars.All(host)
}

// isCanonical is a canonical user ID: ^[0-9a-f]{64}$.
func isCanonical(s string) bool { return hex.Span(s, 64, 64) }
