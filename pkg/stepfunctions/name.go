package stepfunctions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

// MaxNameLen is the longest execution name Step Functions accepts.
const MaxNameLen = 80

// hashLen is the length of the hash suffix of an execution name.
const hashLen = 8

// ExecutionName derives the execution name of one workflow job: the same
// entity, environment, run id and job always give the same name, and any
// other combination a different one. The run attempt is deliberately left
// out, so re-running a job finds the execution of its first attempt.
//
// The name is the parts with every character outside [A-Za-z0-9_-] turned
// into "-", joined by "-", cut so that the whole fits in 80 characters, and
// followed by "-" and 8 hex digits of a SHA-256 of the raw parts, which keeps
// names distinct when sanitising or cutting makes their readable parts equal.
func ExecutionName(entity, environment, runID, job string) string {
	parts := []string{entity, environment, runID, job}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	hash := hex.EncodeToString(sum[:])[:hashLen]

	var b strings.Builder
	for _, p := range parts {
		if s := sanitizeName(p); s != "" {
			if b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteString(s)
		}
	}
	readable := b.String()
	if max := MaxNameLen - hashLen - 1; len(readable) > max {
		readable = strings.TrimRight(readable[:max], "-_")
	}
	if readable == "" {
		return hash
	}
	return readable + "-" + hash
}

// sanitizeName maps s to [A-Za-z0-9_-], collapsing runs of replaced
// characters into one "-" and trimming "-" at both ends.
func sanitizeName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok || r == '-' {
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		b.WriteRune(r)
		dash = false
	}
	return strings.TrimRight(b.String(), "-")
}

// validName reports whether s is a name ExecutionName could have made (and
// Step Functions accepts): 1-80 of [A-Za-z0-9_-].
func validName(s string) bool {
	if len(s) == 0 || len(s) > MaxNameLen {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// ExecutionARN is the ARN Step Functions gives a standard execution named
// name of the state machine sm. Executions started through a version or an
// alias ARN belong to the state machine itself, so the qualifier is not part
// of it: arn:PARTITION:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME.
func ExecutionARN(sm annotations.StateMachineARN, name string) string {
	return fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:%s", sm.Partition, sm.Region, sm.Account, sm.Name, name)
}
