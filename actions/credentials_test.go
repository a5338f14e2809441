package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

// credentials runs the credentials action in the harness, with the
// workflow-command stream in a buffer.
func (h *harness) credentials(t *testing.T) (*Exported, string, error) {
	t.Helper()
	for _, f := range []string{"env.txt", "output.txt"} {
		if err := os.WriteFile(filepath.Join(h.dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h.env["GITHUB_ENV"] = filepath.Join(h.dir, "env.txt")
	var log bytes.Buffer
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return h.env[k] }), githubactions.WithWriter(&log))
	ex, err := Credentials(context.Background(), Deps{Action: a, Issuer: h.oidc.URL, AWSEndpoint: h.moto.URL, Log: &log})
	return ex, log.String(), err
}

// fileCommands parses a GITHUB_ENV or GITHUB_OUTPUT file (heredocs only).
func fileCommands(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	re := regexp.MustCompile(`(?s)([A-Za-z0-9_-]+)<<(ghadelimiter_[0-9a-f]{32})\n(.*?)\n(ghadelimiter_[0-9a-f]{32})\n`)
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		if m[2] != m[4] {
			t.Fatalf("heredoc %s closed by another delimiter", m[1])
		}
		out[m[1]] = m[3]
	}
	return out
}

// TestCredentialsExportsMaskedEnv: after the same verification, decision
// and audit as Run, the role's credentials reach later steps through
// GITHUB_ENV, each masked before it is written, each heredoc with its own
// random delimiter; they are the credentials of the entity's role (moto's
// GetCallerIdentity says so), and the audit record names aws:credentials.
func TestCredentialsExportsMaskedEnv(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	h.env["INPUT_ROLE-SESSION-DURATION"] = "900"
	ex, log, err := h.credentials(t)
	if err != nil {
		t.Fatalf("Credentials: %v\n%s", err, log)
	}
	env := fileCommands(t, h.read(t, "env.txt"))
	key, secret, token := env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]
	if key == "" || secret == "" || token == "" || env["AWS_REGION"] != "us-east-1" || env["AWS_DEFAULT_REGION"] != "us-east-1" {
		t.Fatalf("GITHUB_ENV = %v", env)
	}
	for _, s := range []string{key, secret, token} {
		mask := "::add-mask::" + s + "\n"
		if !strings.Contains(log, mask) {
			t.Errorf("%.4s... is not masked", s)
		}
		if strings.Count(log, s) != 1 {
			t.Errorf("%.4s... appears in the log outside its mask", s)
		}
	}
	if ex.Export != "env" || ex.Expires.IsZero() {
		t.Errorf("exported = %+v", ex)
	}

	c := sts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(h.moto.URL),
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, token)})
	id, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(id.Arn); !strings.HasPrefix(arn, "arn:aws:sts::123456789012:assumed-role/stagecrew-payments-production/octocat") {
		t.Errorf("the exported credentials are %s", arn)
	}

	out := fileCommands(t, h.read(t, "output.txt"))
	if out["status"] != "allowed" || out["role-arn"] != "arn:aws:iam::123456789012:role/stagecrew-payments-production" ||
		out["aws-account-id"] != "123456789012" || !strings.HasPrefix(out["expiration"], "20") {
		t.Errorf("outputs = %v", out)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(h.read(t, "audit.jsonl"))), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["decision"] != "allow" || rec["action"] != "aws:credentials" {
		t.Errorf("audit record = %v", rec)
	}
	if s := h.read(t, "summary.md"); !strings.Contains(s, "AWS credentials") || strings.Contains(s, secret) {
		t.Errorf("summary:\n%s", s)
	}
}

// TestCredentialsProfile: export: profile writes the named profile into
// the AWS files (mode 0600), keeping the other profiles, and nothing into
// GITHUB_ENV.
func TestCredentialsProfile(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	cfg, creds := filepath.Join(h.dir, "aws", "config"), filepath.Join(h.dir, "aws", "credentials")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = KEEP\n[deploy]\naws_access_key_id = OLD\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env["AWS_CONFIG_FILE"], h.env["AWS_SHARED_CREDENTIALS_FILE"] = cfg, creds
	h.env["INPUT_EXPORT"], h.env["INPUT_PROFILE"] = "profile", "deploy"
	ex, log, err := h.credentials(t)
	if err != nil {
		t.Fatalf("Credentials: %v\n%s", err, log)
	}
	b, _ := os.ReadFile(creds)
	if !strings.HasPrefix(string(b), "[default]\naws_access_key_id = KEEP\n[deploy]\naws_access_key_id = ASIA") || strings.Contains(string(b), "OLD") {
		t.Errorf("credentials file:\n%s", b)
	}
	if c, _ := os.ReadFile(cfg); string(c) != "[profile deploy]\nregion = us-east-1\n" {
		t.Errorf("config file:\n%s", c)
	}
	for _, f := range []string{cfg, creds} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi.Mode(), err)
		}
	}
	if env := h.read(t, "env.txt"); env != "" {
		t.Errorf("GITHUB_ENV written with export: profile:\n%s", env)
	}
	if ex.Profile != "deploy" || fileCommands(t, h.read(t, "output.txt"))["profile"] != "deploy" {
		t.Errorf("profile output missing: %+v", ex)
	}
}

// TestCredentialsDenied: a policy that allows starting executions but not
// handing out credentials denies the credentials action: audited, nothing
// exported, status denied. An actor outside the owner group is denied too,
// and bad inputs stop it before any token is asked for.
func TestCredentialsDenied(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	h.gh.SetRepository("acme", "payments", "main", map[string]string{"catalog-info.yaml": workspaceCatalog,
		".stagecrew/policy.yaml": "version: 1\nenvironments:\n  \"*\":\n    allow:\n      - principals: [owner]\n        actions: [\"stepfunctions:start\"]\n"})
	_, log, err := h.credentials(t)
	if !errors.Is(err, ErrDenied) {
		t.Fatalf("err = %v\n%s", err, log)
	}
	if env := h.read(t, "env.txt"); env != "" {
		t.Errorf("denied, yet GITHUB_ENV holds:\n%s", env)
	}
	if out := fileCommands(t, h.read(t, "output.txt")); out["status"] != "denied" || out["role-arn"] != "" {
		t.Errorf("outputs = %v", out)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(h.read(t, "audit.jsonl"))), &rec); err != nil || rec["decision"] != "deny" || rec["action"] != "aws:credentials" {
		t.Errorf("audit record = %v (%v)", rec, err)
	}

	claims := testenv.GitHubClaims()
	claims["actor"] = "mallory"
	h.oidc.SetClaims(claims)
	h.gh.SetRepository("acme", "payments", "main", map[string]string{"catalog-info.yaml": workspaceCatalog})
	if _, _, err := h.credentials(t); !errors.Is(err, ErrDenied) {
		t.Errorf("mallory: err = %v", err)
	}

	// export and profile are checked before anything else happens.
	minted := h.oidc.Minted()
	h.env["INPUT_EXPORT"] = "file"
	if _, _, err := h.credentials(t); !errors.Is(err, ErrBadInputs) {
		t.Errorf("export file: err = %v", err)
	}
	if n := h.oidc.Minted(); n != minted {
		t.Errorf("%d OIDC tokens minted for bad inputs", n-minted)
	}
}
