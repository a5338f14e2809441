package annotations

import (
	"strings"

	"github.com/stagecrew/stagecrew/internal/charset"
)

// The checks of this file stand for regular expressions (each says which;
// names_test.go proves they agree). As code they cost nothing at start,
// where the compiled expressions cost milliseconds at every run of the
// binary, and they are faster on Read's path.

var (
	digits     = charset.New("0-9")
	lower      = charset.New("a-z")
	alnum      = charset.New("A-Za-z0-9")
	nameChars  = charset.New("A-Za-z0-9_-")      // state machine, ECS cluster, service and container names
	aliasChars = charset.New("A-Za-z0-9_.-")     // state machine aliases
	roleChars  = charset.New("A-Za-z0-9_+=,.@-") // IAM role names: [\w+=,.@-]
	objChars   = charset.New("A-Za-z0-9_.-")     // Backstage object names
	identChars = charset.New("A-Za-z0-9_")       // substitution names
)

// isRegion reports whether s is an AWS region code: us-east-1, cn-north-1,
// us-gov-west-1, us-isob-east-1, eusc-de-east-1.
// Regexp: ^([a-z]{2}(-gov|-iso[a-z]*)?|eusc-[a-z]{2})-[a-z]+-\d$ (PatternRegion).
func isRegion(s string) bool {
	n := len(s)
	if n < 3 || !digits.Has(s[n-1]) || s[n-2] != '-' {
		return false
	}
	// The rest is two or three non-empty runs of [a-z] joined by '-'.
	first, rest, ok := strings.Cut(s[:n-2], "-")
	if !ok || first == "" || !lower.All(first) {
		return false
	}
	mid, last, three := strings.Cut(rest, "-")
	if !three {
		return len(first) == 2 && rest != "" && lower.All(rest)
	}
	if mid == "" || last == "" || !lower.All(mid) || !lower.All(last) {
		return false
	}
	return len(first) == 2 && (mid == "gov" || strings.HasPrefix(mid, "iso")) ||
		first == "eusc" && len(mid) == 2
}

// isAccount reports whether s is a 12-digit account ID. Regexp: ^\d{12}$.
func isAccount(s string) bool { return digits.Span(s, 12, 12) }

// isStateMachineName: ^[A-Za-z0-9_-]{1,80}$.
func isStateMachineName(s string) bool { return nameChars.Span(s, 1, 80) }

// isVersion: ^[1-9][0-9]{0,18}$.
func isVersion(s string) bool { return digits.Span(s, 1, 19) && s[0] != '0' }

// isAliasQualifier: ^[A-Za-z0-9_.-]{1,80}$.
func isAliasQualifier(s string) bool { return aliasChars.Span(s, 1, 80) }

// isECSName: ^[A-Za-z0-9_-]{1,255}$.
func isECSName(s string) bool { return nameChars.Span(s, 1, 255) }

// isRoleName: ^[\w+=,.@-]{1,64}$.
func isRoleName(s string) bool { return roleChars.Span(s, 1, 64) }

// isObjectName reports whether s is a Backstage object name, not counting
// its length: ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$ (PatternObjectName).
func isObjectName(s string) bool {
	return s != "" && objChars.All(s) && alnum.Has(s[0]) && alnum.Has(s[len(s)-1])
}

// isAliasName: ^[0-9]*[A-Za-z_.-][A-Za-z0-9_.-]*$ (PatternAliasName):
// alias characters, not only digits.
func isAliasName(s string) bool { return aliasChars.All(s) && !digits.All(s) }

// isSubstitutionName: ^[A-Za-z_][A-Za-z0-9_]*$.
func isSubstitutionName(s string) bool {
	return s != "" && identChars.All(s) && !digits.Has(s[0])
}
