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
` + teamCatalog

// teamCatalog is the owner group and its one member, whose GitHub login is
// the local OIDC issuer's default actor.
const teamCatalog = `---
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
	gh     *testenv.GitHubServer // the API; acme/payments's default branch holds the catalog
	env    map[string]string
	smARN  string
	client *sfn.Client
}

// newWorkspace writes catalogText as catalog-info.yaml both in the
// workspace and on the default branch of acme/payments in the GitHub
// stand-in (where stagecrew reads the facts it decides on), and sets up
// the environment a runner gives the action.
func newWorkspace(t *testing.T, catalogText string, motoEnv ...string) *harness {
	t.Helper()
	h := &harness{dir: t.TempDir(), moto: testenv.StartMoto(t, motoEnv...), oidc: testenv.StartOIDC(t),
		gh: testenv.StartGitHub(t, testenv.GitHubOptions{})}
	h.gh.SetRepository("acme", "payments", "main", map[string]string{"catalog-info.yaml": catalogText})
	if err := os.WriteFile(filepath.Join(h.dir, "catalog-info.yaml"), []byte(catalogText), 0o644); err != nil {
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
		"GITHUB_API_URL": h.gh.URL, "INPUT_GITHUB-TOKEN": h.gh.Token,
		// Reports are tested on their own; here they would only add requests.
		"INPUT_COMMENT": "false", "INPUT_CHECK-RUN": "false",
	}
	for k, v := range h.oidc.Env() {
		h.env[k] = v
	}
	return h
}

// newHarness is a workspace with a Step Functions state machine in moto.
func newHarness(t *testing.T, definition string) *harness {
	t.Helper()
	h := newWorkspace(t, workspaceCatalog)
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

// TestRunReportsToPullRequest: on a pull_request event, the Step Functions
// run posts one sticky comment on the pull request and one check run on
// its head commit, through the GitHub stand-in whose every request and
// answer is checked against GitHub's official OpenAPI description; a
// re-run edits the comment instead of adding one.
func TestRunReportsToPullRequest(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	gh := h.gh
	h.env["INPUT_COMMENT"], h.env["INPUT_CHECK-RUN"] = "true", "true"
	gh.AddComment(7, "octocat", "User", "LGTM")
	const head = "0123456789abcdef0123456789abcdef01234567"
	event := `{"number": 7, "pull_request": {"number": 7, "head": {"sha": "` + head + `"}},
		"repository": {"default_branch": "main", "full_name": "acme/payments"}}`
	if err := os.WriteFile(filepath.Join(h.dir, "event.json"), []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env["GITHUB_EVENT_NAME"], h.env["GITHUB_REF"] = "pull_request", "refs/pull/7/merge"
	h.env["GITHUB_API_URL"], h.env["INPUT_GITHUB-TOKEN"] = gh.URL, gh.Token
	h.env["INPUT_ENVIRONMENT"] = "staging"
	claims := testenv.GitHubClaims()
	claims["event_name"], claims["ref"], claims["environment"] = "pull_request", "refs/pull/7/merge", "staging"
	claims["sub"] = "repo:acme/payments:environment:staging"
	h.oidc.SetClaims(claims)

	res, err := h.run(t)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	comments := gh.Comments(7)
	if len(comments) != 2 || !strings.HasPrefix(comments[1].Body, "<!-- stagecrew:component:default/payments:staging -->") ||
		!strings.Contains(comments[1].Body, "payments execution in staging: succeeded") {
		t.Fatalf("comments after the run: %+v", comments)
	}
	runs := gh.CheckRuns()
	if len(runs) != 1 || runs[0]["head_sha"] != head || runs[0]["conclusion"] != "success" ||
		runs[0]["name"] != "stagecrew: component:default/payments → staging" || runs[0]["external_id"] != res.ID {
		t.Fatalf("check runs: %v", runs)
	}

	// A re-run of the job: the same comment is edited.
	h.moto.ExecuteStateMachines(t)
	if _, err := h.run(t); err != nil {
		t.Fatalf("re-run: %v", err)
	}
	again := gh.Comments(7)
	if len(again) != 2 || again[1].ID != comments[1].ID || !strings.Contains(again[1].Body, "attached to the run started earlier") {
		t.Errorf("comments after the re-run: %+v", again)
	}
	if n := len(gh.CheckRuns()); n != 2 {
		t.Errorf("%d check runs, want one per run", n)
	}
}

// TestRunGitHubReportFailureKeepsOutcome: a token without the permissions
// logs what is missing and the run still succeeds; no token at all skips
// the reports with a log line.
func TestRunGitHubReportFailureKeepsOutcome(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	gh := h.gh
	h.env["INPUT_COMMENT"], h.env["INPUT_CHECK-RUN"] = "true", "true"
	gh.Deny("comments")
	gh.Deny("checks")
	event := `{"pull_request": {"number": 7, "head": {"sha": "0123456789abcdef0123456789abcdef01234567"}}, "repository": {"default_branch": "main"}}`
	if err := os.WriteFile(filepath.Join(h.dir, "event.json"), []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env["GITHUB_API_URL"], h.env["INPUT_GITHUB-TOKEN"] = gh.URL, gh.Token
	var log strings.Builder
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return h.env[k] }), githubactions.WithWriter(&log))
	res, err := Run(context.Background(), Deps{Action: a, Issuer: h.oidc.URL, AWSEndpoint: h.moto.URL, Log: &log})
	if err != nil || res.Status != result.Succeeded {
		t.Fatalf("Run: %v, %v", res, err)
	}
	for _, want := range []string{"pull-requests: write", "checks: write"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log does not name %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(log.String(), gh.Token) {
		t.Error("the log holds the token")
	}

	// Without a token nothing can be read from the default branch: the
	// run is denied (no decision on facts the change could have written),
	// saying what the job lacks.
	delete(h.env, "INPUT_GITHUB-TOKEN")
	h.env["GITHUB_RUN_ID"] = "2"
	log.Reset()
	before := len(gh.Requests())
	_, err = Run(context.Background(), Deps{Action: a, Issuer: h.oidc.URL, AWSEndpoint: h.moto.URL, Log: &log})
	if !errors.Is(err, ErrDenied) || !errors.Is(err, ErrNoTrustedFacts) || !strings.Contains(err.Error(), "contents: read") || len(gh.Requests()) != before {
		t.Errorf("without a token: err %v, %d requests", err, len(gh.Requests())-before)
	}
	if h.executions(t) != 1 {
		t.Errorf("%d executions, want only the first run's", h.executions(t))
	}
}

// TestRunIgnoresWorkspaceFacts: a pull request that adds a User who is a
// member of the owner group (and the group itself) to the checked-out tree
// does not make its author an owner: users, groups, ownership and the
// policy come from the default branch. The denial is audited.
func TestRunIgnoresWorkspaceFacts(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	const mallory = `apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: mallory
  annotations:
    github.com/user-login: mallory
spec:
  memberOf: [payments]
`
	escalation := mallory + `---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  children: []
  members: [mallory]
`
	if err := os.WriteFile(filepath.Join(h.dir, "users.yaml"), []byte(escalation), 0o644); err != nil {
		t.Fatal(err)
	}
	// The policy in the tree would let anyone in; the default branch has none.
	if err := os.MkdirAll(filepath.Join(h.dir, ".stagecrew"), 0o755); err != nil {
		t.Fatal(err)
	}
	open := "version: 1\nenvironments:\n  \"*\":\n    allow:\n      - principals: [anyone]\n"
	if err := os.WriteFile(filepath.Join(h.dir, ".stagecrew/policy.yaml"), []byte(open), 0o644); err != nil {
		t.Fatal(err)
	}
	event := `{"number": 9, "pull_request": {"number": 9, "head": {"sha": "0123456789abcdef0123456789abcdef01234567"}}, "repository": {"default_branch": "main"}}`
	if err := os.WriteFile(filepath.Join(h.dir, "event.json"), []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env["GITHUB_EVENT_NAME"], h.env["GITHUB_REF"], h.env["INPUT_ENVIRONMENT"] = "pull_request", "refs/pull/9/merge", "staging"
	claims := testenv.GitHubClaims()
	claims["actor"], claims["event_name"], claims["ref"] = "mallory", "pull_request", "refs/pull/9/merge"
	claims["environment"], claims["sub"] = "staging", "repo:acme/payments:environment:staging"
	h.oidc.SetClaims(claims)

	res, err := h.run(t)
	if !errors.Is(err, ErrDenied) || res == nil || res.Status != result.Denied || h.executions(t) != 0 {
		t.Fatalf("err %v, result %+v, %d executions", err, res, h.executions(t))
	}
	if !strings.Contains(err.Error(), "mallory") {
		t.Errorf("the denial does not name mallory: %v", err)
	}
	audit := h.read(t, "audit.jsonl")
	if !strings.Contains(audit, `"decision":"deny"`) || !strings.Contains(audit, `"actor":"mallory"`) {
		t.Errorf("audit: %s", audit)
	}

	// The same files on the default branch (merged, so reviewed) do allow.
	h.gh.SetRepository("acme", "payments", "main", map[string]string{"catalog-info.yaml": workspaceCatalog, "users.yaml": mallory})
	h.env["GITHUB_RUN_ID"] = "2"
	if _, err := h.run(t); err != nil || h.executions(t) != 1 {
		t.Errorf("with the users on the default branch: err %v, %d executions", err, h.executions(t))
	}
}

// TestRunStartErrorIsReportedAsFailure: when the execution cannot even start
// (here, the state machine does not exist), the step fails and the outputs
// and summary say failed, not nothing.
func TestRunStartErrorIsReportedAsFailure(t *testing.T) {
	h := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	if _, err := h.client.DeleteStateMachine(context.Background(), &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(h.smARN)}); err != nil {
		t.Fatal(err)
	}
	res, err := h.run(t)
	if err == nil || res == nil || res.Status != result.Failed {
		t.Fatalf("err %v, result %+v", err, res)
	}
	if !strings.Contains(h.read(t, "output.txt"), "failed") || !strings.Contains(h.read(t, "summary.md"), "failed") {
		t.Errorf("the failure to start was not reported:\n%s\n%s", h.read(t, "output.txt"), h.read(t, "summary.md"))
	}
}

// TestRunNoWait: with wait: false the action starts the execution, reports
// "started" and succeeds without waiting for the end.
func TestRunNoWait(t *testing.T) {
	h := newHarness(t, `{"StartAt":"Slow","States":{"Slow":{"Type":"Wait","Seconds":30,"End":true}}}`)
	h.env["INPUT_WAIT"] = "false"
	res, err := h.run(t)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Status != result.Running || h.executions(t) != 1 {
		t.Fatalf("status %s, %d executions", res.Status, h.executions(t))
	}
	out, err := h.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(res.ID)})
	if err != nil || out.Status != "RUNNING" {
		t.Errorf("the execution should still run: %v %v", out, err)
	}
	if !strings.Contains(h.read(t, "output.txt"), "started") {
		t.Errorf("outputs:\n%s", h.read(t, "output.txt"))
	}
}
