package awsauth

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Limits of an STS role session name: [\w+=,.@-]{2,64}.
const (
	minSessionName = 2
	maxSessionName = 64
	hashSuffix     = 8 // hex digits of the hash kept when a name is truncated
)

// SessionName builds the role session name of a run from the actor and the
// run (such as "1234567890-1", the run id and attempt), joined by "@". Every
// character STS refuses (outside [A-Za-z0-9_+=,.@-]) becomes "-"; a name
// longer than 64 characters keeps its first 55 and ends with "-" and 8 hex
// digits of the SHA-256 of the inputs, so the result is deterministic and
// two long names differ when their inputs do. Empty parts are left out; a
// result shorter than 2 characters is prefixed with "stagecrew".
func SessionName(actor, run string) string {
	parts := make([]string, 0, 2)
	for _, p := range []string{actor, run} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	joined := strings.Join(parts, "@")
	var b strings.Builder
	b.Grow(len(joined))
	for _, r := range joined {
		if allowedInSessionName(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	name := b.String()
	switch {
	case len(name) == 0:
		return "stagecrew"
	case len(name) < minSessionName:
		return "stagecrew-" + name
	case len(name) <= maxSessionName:
		return name
	}
	sum := sha256.Sum256([]byte(actor + "\x00" + run))
	return name[:maxSessionName-hashSuffix-1] + "-" + hex.EncodeToString(sum[:])[:hashSuffix]
}

func allowedInSessionName(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("_+=,.@-", r)
}

// runSessionName is the session name of the current run: GITHUB_ACTOR and
// GITHUB_RUN_ID-GITHUB_RUN_ATTEMPT.
func runSessionName(getenv func(string) string) string {
	run := getenv("GITHUB_RUN_ID")
	if a := getenv("GITHUB_RUN_ATTEMPT"); run != "" && a != "" {
		run += "-" + a
	}
	return SessionName(getenv("GITHUB_ACTOR"), run)
}
