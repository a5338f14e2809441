package awsauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Claims are the claims of a GitHub Actions OIDC token that stagecrew reads.
// GitHub sends ids and run numbers as strings; they are kept as strings.
type Claims struct {
	Issuer               string   `json:"iss"`
	Subject              string   `json:"sub"`
	Audience             Audience `json:"aud"`
	Expiry               UnixTime `json:"exp"`
	NotBefore            UnixTime `json:"nbf"`
	IssuedAt             UnixTime `json:"iat"`
	ID                   string   `json:"jti"`
	Repository           string   `json:"repository"`
	RepositoryID         string   `json:"repository_id"`
	RepositoryOwner      string   `json:"repository_owner"`
	RepositoryOwnerID    string   `json:"repository_owner_id"`
	RepositoryVisibility string   `json:"repository_visibility"`
	Environment          string   `json:"environment"`
	Ref                  string   `json:"ref"`
	RefType              string   `json:"ref_type"`
	SHA                  string   `json:"sha"`
	HeadRef              string   `json:"head_ref"`
	BaseRef              string   `json:"base_ref"`
	Actor                string   `json:"actor"`
	ActorID              string   `json:"actor_id"`
	EventName            string   `json:"event_name"`
	RunID                string   `json:"run_id"`
	RunNumber            string   `json:"run_number"`
	RunAttempt           string   `json:"run_attempt"`
	Workflow             string   `json:"workflow"`
	WorkflowRef          string   `json:"workflow_ref"`
	JobWorkflowRef       string   `json:"job_workflow_ref"`
	RunnerEnvironment    string   `json:"runner_environment"`
}

// Audience is the aud claim: a JSON string or an array of strings.
type Audience []string

// UnmarshalJSON reads a string or an array of strings.
func (a *Audience) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*a = nil
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = Audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}

// Contains reports whether aud holds s.
func (a Audience) Contains(s string) bool {
	for _, v := range a {
		if v == s {
			return true
		}
	}
	return false
}

// String joins the audiences with ", ".
func (a Audience) String() string { return strings.Join(a, ", ") }

// UnixTime is a JWT NumericDate: seconds since the epoch. Zero means absent.
type UnixTime int64

// UnmarshalJSON reads a JSON number (fractions are dropped).
func (t *UnixTime) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*t = 0
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e13 {
		return fmt.Errorf("%s is not a date in seconds since 1970", truncate(s, 32))
	}
	*t = UnixTime(int64(f))
	return nil
}

// Time returns t as a time.Time; the zero time when t is zero.
func (t UnixTime) Time() time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(int64(t), 0)
}

// jwtParts splits a compact JWS into its three parts.
func jwtParts(raw string) (header, payload, sig string, err error) {
	raw = strings.TrimSpace(raw)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", "", "", fmt.Errorf("%w: not a JWT (want 3 dot-separated parts, got %d)", ErrTokenVerification, len(parts))
	}
	return parts[0], parts[1], parts[2], nil
}

// DecodeClaims decodes the payload of a JWT WITHOUT verifying its signature:
// for messages only (showing what a token says when STS refuses it), never
// for decisions; use VerifyToken for those.
func DecodeClaims(raw string) (Claims, error) {
	_, payload, _, err := jwtParts(raw)
	if err != nil {
		return Claims{}, err
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: payload is not base64url: %v", ErrTokenVerification, err)
	}
	var c Claims
	if err := json.Unmarshal(b, &c); err != nil {
		return Claims{}, fmt.Errorf("%w: payload is not a JSON claim set: %v", ErrTokenVerification, err)
	}
	return c, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
