package actions

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/result"
)

const workspaceCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations:
    github.com/project-slug: acme/payments
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:payments
    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn.staging: arn:aws:iam::123456789012:role/stagecrew-payments-staging
    stagecrew.dev/role-arn.production: arn:aws:iam::123456789012:role/stagecrew-payments-production
    stagecrew.dev/execution-input: '{"source": "${{ github.repository }}@${{ github.sha }}", "environment": "${{ stagecrew.environment }}"}'
spec:
  type: workflow
  lifecycle: production
  owner: group:default/payments
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  children: []
  members: [jane]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jane
  annotations:
    github.com/user-login: octocat
spec:
  memberOf: []
`

// harness is a workspace, a local OIDC issuer and moto, wired into an
// Action whose environment is a map, as a runner would set it.
type harness struct {
	dir    string
	moto   *testenv.Moto
	oidc   *testenv.OIDC
	env    map[string]string
	smARN  string
	client *sfn.Client
}

func newHarness(t *testing.T, definition string) *harness {
	t.Helper()
	h := &harness{dir: t.TempDir(), moto: testenv.StartMoto(t), oidc: testenv.StartOIDC(t)}
	if err := os.WriteFile(filepath.Join(h.dir, "catalog-info.yaml"), []byte(workspaceCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	event := `{"repository": {"default_branch": "main", "full_name": "acme/payments"}}`
	if err := os.WriteFile(filepath.Join(h.dir, "event.json"), []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env = map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": h.dir, "GITHUB_REPOSITORY": "acme/payments",
		"GITHUB_SHA": "d6e7c3f1f1b0c2f5c3f1f7b0c2f5c3f1f7b0c2f5", "GITHUB_REF": "refs/heads/main", "GITHUB_ACTOR": "octocat",
		"GITHUB_RUN_ID": "1234567890", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "deploy", "GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_EVENT_PATH": filepath.Join(h.dir, "event.json"),
		"GITHUB_OUTPUT": filepath.Join(h.dir, "output.txt"), "GITHUB_STEP_SUMMARY": filepath.Join(h.dir, "summary.md"),
		"INPUT_ENVIRONMENT": "production", "INPUT_AUDIT-LOG": "audit.jsonl", "INPUT_TIMEOUT": "2m",
	}
	for k, v := range h.oidc.Env() {
		h.env[k] = v
	}
	h.client = sfn.NewFromConfig(h.moto.Config())
	out, err := h.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String("payments"), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn"), Definition: aws.String(definition),
	})
	if err != nil {
		t.Fatal(err)
	}
	h.smARN = aws.ToString(out.StateMachineArn)
	return h
}

func (h *harness) run(t *testing.T) (*result.Result, error) {
	t.Helper()
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return h.env[k] }), githubactions.WithWriter(os.Stderr))
	return Run(context.Background(), Deps{Action: a, Issuer: h.oidc.URL, AWSEndpoint: h.moto.URL, Log: os.Stderr})
}

func (h *harness) executions(t *testing.T) int {
	t.Helper()
	out, err := h.client.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(h.smARN)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Executions)
}

func (h *harness) read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRunStepFunctionsEndToEnd: the OIDC token is verified, the default
// policy allows the owner group's member, the role is assumed through STS,
// the execution runs in moto with the entity's input template, and outputs,
// summary and audit record are written.
func TestRunStepFunctionsEndToEnd(t *testing.T) {
	h := newHarness(t, `{"StartAt":"Check","States":{"Check":{"Type":"Pass","Parameters":{"got.$":"$.source","env.$":"$.environment"},"End":true}}}`)
	res, err := h.run(t)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Status != result.Succeeded || h.executions(t) != 1 {
		t.Fatalf("status %s, %d executions", res.Status, h.executions(t))
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(res.Output), &out); err != nil {
		t.Fatalf("output %q: %v", res.Output, err)
	}
	if out["got"] != "acme/payments@d6e7c3f1f1b0c2f5c3f1f7b0c2f5c3f1f7b0c2f5" || out["env"] != "production" {
		t.Errorf("execution input was not rendered from the entity's template: %v", out)
	}
	if res.Audit.Actor != "octocat" || res.Audit.RoleARN != "arn:aws:iam::123456789012:role/stagecrew-payments-production" || !strings.HasPrefix(res.Audit.SessionName, "octocat") {
		t.Errorf("audit = %+v", res.Audit)
	}
	outputs := h.read(t, "output.txt")
	for _, want := range []string{"status<<", "succeeded", "execution-arn<<", "arn:aws:states:us-east-1:123456789012:execution:payments:", "audit-record<<"} {
		if !strings.Contains(outputs, want) {
			t.Errorf("outputs lack %q:\n%s", want, outputs)
		}
	}
	summary := h.read(t, "summary.md")
	if !strings.Contains(summary, "payments execution in production: succeeded") {
		t.Errorf("summary:\n%s", summary)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(h.read(t, "audit.jsonl"))), &rec); err != nil {
		t.Fatalf("audit log: %v", err)
	}
	if rec["decision"] != "allow" || rec["actor"] != "octocat" || rec["environment"] != "production" {
		t.Errorf("audit record = %v", rec)
	}

	// A re-run of the same job attaches instead of starting a second execution.
	h.moto.ExecuteStateMachines(t)
	res2, err := h.run(t)
	if err != nil {
		t.Fatalf("re-run: %v", err)
	}
	if !res2.Attached || h.executions(t) != 1 {
		t.Errorf("re-run: attached=%v, %d executions", res2.Attached, h.executions(t))
	}
}

// TestRunDeniedStartsNothing: an actor outside the owner group is denied
// before anything touches AWS, and the denial is reported and recorded.
func TestRunDeniedStartsNothing(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	claims := testenv.GitHubClaims()
	claims["actor"] = "mallory"
	h.oidc.SetClaims(claims)
	res, err := h.run(t)
	if !errors.Is(err, ErrDenied) {
		t.Fatalf("err = %v, want ErrDenied", err)
	}
	if res == nil || res.Status != result.Denied || h.executions(t) != 0 {
		t.Fatalf("result %+v, %d executions", res, h.executions(t))
	}
	if !strings.Contains(err.Error(), "mallory") {
		t.Errorf("the denial does not say who: %v", err)
	}
	if !strings.Contains(h.read(t, "output.txt"), "denied") || !strings.Contains(h.read(t, "summary.md"), "denied") {
		t.Errorf("denial not reported in outputs and summary")
	}
	if !strings.Contains(h.read(t, "audit.jsonl"), `"decision":"deny"`) {
		t.Errorf("denial not recorded: %s", h.read(t, "audit.jsonl"))
	}
}

// TestRunFailureExplained: a failing state machine fails the step with the
// failing state, error and cause in the summary.
func TestRunFailureExplained(t *testing.T) {
	h := newHarness(t, `{"StartAt":"Charge","States":{"Charge":{"Type":"Fail","Error":"CardDeclined","Cause":"insufficient funds"}}}`)
	res, err := h.run(t)
	if !errors.Is(err, ErrNotOK) {
		t.Fatalf("err = %v, want ErrNotOK", err)
	}
	if res.Status != result.Failed || res.Failure == nil || res.Failure.Where != "Charge" || res.Failure.Error != "CardDeclined" {
		t.Fatalf("result = %+v failure %+v", res, res.Failure)
	}
	summary := h.read(t, "summary.md")
	for _, want := range []string{"CardDeclined", "insufficient funds", "failed"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
}

// TestRunWithoutIDTokenPermission names the missing permission.
func TestRunWithoutIDTokenPermission(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	delete(h.env, "ACTIONS_ID_TOKEN_REQUEST_URL")
	delete(h.env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	_, err := h.run(t)
	if err == nil || !strings.Contains(err.Error(), "id-token: write") {
		t.Fatalf("err = %v", err)
	}
	if h.executions(t) != 0 {
		t.Error("an execution started without credentials")
	}
}
