package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/awsauth"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// runLogged runs the action with its log captured.
func (h *harness) runLogged(t *testing.T) (*result.Result, error, string) {
	t.Helper()
	var log bytes.Buffer
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return h.env[k] }), githubactions.WithWriter(&log))
	res, err := Run(context.Background(), Deps{Action: a, Issuer: h.oidc.URL, AWSEndpoint: h.moto.URL, Log: &log})
	return res, err, log.String()
}

// TestRunOutputsSurviveHostileOutput: an execution's output (written by
// whatever the state machine called) holding go-githubactions' fixed
// delimiter and lines shaped like other outputs neither drops nor forges an
// output: the runner reads every output, the status included, and the
// execution's output whole.
func TestRunOutputsSurviveHostileOutput(t *testing.T) {
	hostile := "x\n_GitHubActionsFileCommandDelimeter_\nstatus<<EOF\nsucceeded\nEOF\n::set-output name=status::forged"
	def, _ := json.Marshal(map[string]any{"StartAt": "P", "States": map[string]any{"P": map[string]any{
		"Type": "Pass", "Result": map[string]string{"note": hostile}, "End": true}}})
	h := newHarness(t, string(def))
	h.env["INPUT_ENVIRONMENT"] = "staging"
	res, err, log := h.runLogged(t)
	if err != nil || res.Status != result.Succeeded {
		t.Fatalf("Run: %v %+v\n%s", err, res, log)
	}
	outs := testenv.ReadRunnerFile(t, h.env["GITHUB_OUTPUT"])
	if v, _ := testenv.RunnerValue(outs, "status"); v != "succeeded" {
		t.Errorf("status output %q, want succeeded; outputs %q", v, outs)
	}
	var got map[string]string
	v, _ := testenv.RunnerValue(outs, "output")
	if err := json.Unmarshal([]byte(v), &got); err != nil || got["note"] != hostile {
		t.Errorf("output %q (%v), want the execution's output whole", v, err)
	}
	for _, want := range []string{"execution-arn", "console-url", "audit-record"} {
		if _, ok := testenv.RunnerValue(outs, want); !ok {
			t.Errorf("output %s missing: %q", want, outs)
		}
	}
	// The audit record output carries the record's time (it was empty
	// when marshalled before the writer stamped it).
	var rec map[string]any
	a, _ := testenv.RunnerValue(outs, "audit-record")
	if json.Unmarshal([]byte(a), &rec) != nil || rec["time"] == "" || rec["time"] == nil {
		t.Errorf("audit-record output has no time: %s", a)
	}
}

// TestRunUnwritableRunnerFiles: a GITHUB_OUTPUT or GITHUB_STEP_SUMMARY that
// cannot be written is a warning; the run's outcome stands and nothing
// panics.
func TestRunUnwritableRunnerFiles(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	h.env["INPUT_ENVIRONMENT"] = "staging"
	h.env["GITHUB_OUTPUT"] = h.dir                                   // a folder
	h.env["GITHUB_STEP_SUMMARY"] = filepath.Join(h.dir, "no", "dir") // a missing folder
	res, err, log := h.runLogged(t)
	if err != nil || res.Status != result.Succeeded || h.executions(t) != 1 {
		t.Fatalf("Run: %v %+v\n%s", err, res, log)
	}
	if !strings.Contains(log, "::warning::stagecrew: writing outputs:") || !strings.Contains(log, "::warning::stagecrew: writing the job summary:") {
		t.Errorf("no warnings for the runner files:\n%s", log)
	}
}

// TestRunWorkspacePaths: audit-log and input-file stay in the workspace
// (the audit log also in the runner's temporary folder); a committed link,
// "..", or an absolute path elsewhere is refused before anything starts,
// and the audit log is 0600 whatever it was.
func TestRunWorkspacePaths(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	h.env["INPUT_ENVIRONMENT"] = "staging"
	outside := t.TempDir()
	secret := filepath.Join(outside, "s.json")
	if err := os.WriteFile(secret, []byte(`{"secret": "from outside"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"link.jsonl": victim, "secret-link.json": secret} {
		if err := os.Symlink(target, filepath.Join(h.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	rel, err := filepath.Rel(h.dir, secret)
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ input, value string }{
		{"INPUT_AUDIT-LOG", "link.jsonl"},
		{"INPUT_AUDIT-LOG", "../audit.jsonl"},
		{"INPUT_AUDIT-LOG", filepath.Join(outside, "audit.jsonl")},
		{"INPUT_INPUT-FILE", rel},
		{"INPUT_INPUT-FILE", secret},
		{"INPUT_INPUT-FILE", "secret-link.json"},
	} {
		h.env["INPUT_AUDIT-LOG"], h.env["INPUT_INPUT-FILE"] = "audit.jsonl", ""
		h.env[c.input] = c.value
		res, err, log := h.runLogged(t)
		if err == nil || (res != nil && res.Status == result.Succeeded) {
			t.Errorf("%s=%s: err %v, result %+v\n%s", c.input, c.value, err, res, log)
		}
		if strings.Contains(log, "from outside") || (err != nil && strings.Contains(err.Error(), "from outside")) {
			t.Errorf("%s=%s: the outside file's content was read", c.input, c.value)
		}
	}
	if n := h.executions(t); n != 0 {
		t.Fatalf("%d executions started by refused runs", n)
	}
	if b, _ := os.ReadFile(victim); len(b) != 0 {
		t.Errorf("the audit record went through the link: %q", b)
	}
	for _, p := range []string{filepath.Join(outside, "audit.jsonl"), filepath.Join(filepath.Dir(h.dir), "audit.jsonl")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}

	// Allowed: an existing audit log with a loose mode is brought to 0600;
	// the runner's temporary folder by absolute path.
	if err := os.WriteFile(filepath.Join(h.dir, "audit.jsonl"), nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(h.dir, "audit.jsonl"), 0o666); err != nil {
		t.Fatal(err)
	}
	h.env["INPUT_AUDIT-LOG"], h.env["INPUT_INPUT-FILE"] = "audit.jsonl", ""
	if res, err, log := h.runLogged(t); err != nil || res.Status != result.Succeeded {
		t.Fatalf("Run: %v\n%s", err, log)
	}
	if fi, err := os.Stat(filepath.Join(h.dir, "audit.jsonl")); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
		t.Errorf("audit log %v %v, want 0600 with a record", fi.Mode(), err)
	}
	temp := t.TempDir()
	h.env["RUNNER_TEMP"], h.env["INPUT_AUDIT-LOG"] = temp, filepath.Join(temp, "audit.jsonl")
	h.env["GITHUB_RUN_ID"] = "2"
	h.moto.Reset(t) // moto 5.2.1: a second StartExecution on one state machine can 500
	h = recreate(t, h, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	if res, err, log := h.runLogged(t); err != nil || res.Status != result.Succeeded {
		t.Fatalf("Run with the audit log in RUNNER_TEMP: %v\n%s", err, log)
	}
	if fi, err := os.Stat(filepath.Join(temp, "audit.jsonl")); err != nil || fi.Size() == 0 {
		t.Errorf("no audit record in RUNNER_TEMP: %v", err)
	}
}

// recreate makes h's state machine again after a moto reset.
func recreate(t *testing.T, h *harness, definition string) *harness {
	t.Helper()
	h2 := *h
	out, err := h.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String("payments"), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn"), Definition: aws.String(definition),
	})
	if err != nil {
		t.Fatal(err)
	}
	h2.smARN = *out.StateMachineArn
	return &h2
}

// TestRunTokenEndpointFailure: a token endpoint answering 500 with a body
// that echoes the request token is reported by its status, the body never
// printed, and not as a missing permission. The endpoint is a stand-in: no
// real part fails on demand like the runner's token service.
func TestRunTokenEndpointFailure(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	requestToken := h.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
	calls := 0
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		http.Error(w, "internal error for "+r.Header.Get("Authorization"), http.StatusInternalServerError)
	}))
	defer failing.Close()
	h.env["ACTIONS_ID_TOKEN_REQUEST_URL"] = failing.URL + "/_apis/idtoken?api-version=2.0"
	_, err, log := h.runLogged(t)
	if !errors.Is(err, awsauth.ErrTokenRequest) || errors.Is(err, awsauth.ErrNoIDTokenPermission) {
		t.Fatalf("err = %v, want ErrTokenRequest", err)
	}
	if !strings.Contains(err.Error(), "HTTP 500") || strings.Contains(err.Error(), requestToken) || strings.Contains(log, requestToken) {
		t.Errorf("err %q / log %q: want the status, never the body", err, log)
	}
	if calls < 2 {
		t.Errorf("a 500 was not retried (%d calls)", calls)
	}
	if h.executions(t) != 0 {
		t.Error("an execution started")
	}
}

// TestRunMasksTokenFirst: the OIDC token is masked before any other line.
func TestRunMasksTokenFirst(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	h.env["INPUT_ENVIRONMENT"] = "staging"
	_, err, log := h.runLogged(t)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(log, "\n")
	tok, ok := strings.CutPrefix(first, "::add-mask::")
	if !ok || strings.Count(tok, ".") != 2 {
		t.Fatalf("first line %q, want the token's mask", first)
	}
	if strings.Count(log, tok) != 1 {
		t.Errorf("the token appears outside its mask")
	}
}
