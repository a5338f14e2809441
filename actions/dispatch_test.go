package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// dispatchCatalog is what Backstage holds: alice (GitHub login alice-gh) in
// orders-team, which owns orders; bob in no team; the shipped deploy
// template, and another template that must not be able to dispatch.
func dispatchCatalog(t *testing.T) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	text := `apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: alice
  annotations:
    github.com/user-login: alice-gh
spec:
  memberOf: [orders-team]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: bob
spec:
  memberOf: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: orders-team
spec:
  type: team
  children: []
---
` + ordersEntity + `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: billing
  annotations:
    github.com/project-slug: acme/orders
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:billing
    stagecrew.dev/environments: staging
    stagecrew.dev/role-arn.staging: arn:aws:iam::123456789012:role/stagecrew-billing-staging
spec:
  type: service
  lifecycle: production
  owner: group:default/orders-team
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: stagecrew-deploy-template
spec:
  type: file
  target: ` + filepath.Join(root, "templates", "deploy-entity", "template.yaml") + `
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: say-hello
spec:
  owner: group:default/orders-team
  type: service
  parameters:
    - properties:
        entity: {type: string}
        environment: {type: string}
  steps:
    - id: log
      action: debug:log
      input:
        message: hello
`
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const ordersEntity = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  annotations:
    github.com/project-slug: acme/orders
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:orders
    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn.staging: arn:aws:iam::123456789012:role/stagecrew-orders-staging
    stagecrew.dev/role-arn.production: arn:aws:iam::123456789012:role/stagecrew-orders-production
spec:
  type: service
  lifecycle: production
  owner: group:default/orders-team
`

// The policy on the default branch: Backstage dispatches as
// acme-backstage[bot]; the owner may deploy to staging.
const dispatchPolicy = `version: 1
backstage:
  dispatchers: ["acme-backstage[bot]"]
  maxTaskAge: 10m
environments:
  "*":
    allow:
      - principals: [owner]
`

// dispatchEnv is the job a dispatch from Backstage starts: what the runner
// sets from the dispatch's inputs, and an OIDC token whose actor is the
// integration's bot.
type dispatchEnv struct {
	*harness
	bs        *testenv.BackstageServer
	gh        *testenv.GitHubServer
	userToken string // alice's Backstage token
}

func newDispatchEnv(t *testing.T) *dispatchEnv {
	t.Helper()
	h := newWorkspace(t, ordersEntity)
	gh := h.gh
	gh.SetRepository("acme", "orders", "main", map[string]string{"catalog-info.yaml": ordersEntity, ".stagecrew/policy.yaml": dispatchPolicy})
	bs := testenv.NewBackstage(t, testenv.BackstageOptions{
		CatalogFile: dispatchCatalog(t), GuestUser: "user:default/alice", JWKS: testenv.OIDCJWKS(h.oidc),
		GitHubAPIURL: gh.URL, GitHubToken: gh.Token,
	})
	if bs == nil {
		t.FailNow()
	}
	for _, ref := range []string{"user:default/alice", "component:default/orders", "template:default/stagecrew-deploy", "template:default/say-hello"} {
		bs.WaitForEntity(t, ref, 60*time.Second)
	}
	h.client = sfn.NewFromConfig(h.moto.Config())
	e := &dispatchEnv{harness: h, bs: bs, gh: gh}
	e.resetAWS(t)

	claims := testenv.GitHubClaims()
	claims["actor"], claims["actor_id"] = "acme-backstage[bot]", "424242"
	claims["repository"], claims["repository_owner"] = "acme/orders", "acme"
	claims["event_name"], claims["ref"] = "workflow_dispatch", "refs/heads/main"
	claims["environment"], claims["sub"] = "staging", "repo:acme/orders:environment:staging"
	h.oidc.SetClaims(claims)
	for k, v := range h.oidc.Env() {
		h.env[k] = v
	}
	h.env["GITHUB_REPOSITORY"], h.env["GITHUB_EVENT_NAME"] = "acme/orders", "workflow_dispatch"
	h.env["INPUT_BACKSTAGE-URL"] = bs.URL
	h.env["INPUT_BACKSTAGE-AUDIENCE"] = testenv.BackstageJWKSAudience
	e.userToken = bs.UserToken(t)
	return e
}

// resetAWS empties moto and creates the orders state machine. moto 5.2.1
// answers 500 ("cannot pickle '_thread.RLock'") to a StartExecution on a
// state machine that has run before, so a test that starts a second
// execution resets first.
func (e *dispatchEnv) resetAWS(t *testing.T) {
	t.Helper()
	e.moto.Reset(t)
	out, err := e.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String("orders"), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.smARN = aws.ToString(out.StateMachineArn)
}

// click is alice clicking Deploy: a real task of templateRef with values;
// it returns the workflow inputs the task dispatched (none for a template
// that dispatches nothing) and the task id.
func (e *dispatchEnv) click(t *testing.T, templateRef string, values map[string]any) (map[string]any, string) {
	t.Helper()
	before := len(e.gh.Dispatches())
	id := e.bs.CreateTask(t, e.userToken, templateRef, values)
	e.bs.WaitTask(t, id, 60*time.Second)
	d := e.gh.Dispatches()
	if len(d) == before {
		return nil, id
	}
	last := d[len(d)-1]
	if last.Owner != "acme" || last.Repo != "orders" || last.Workflow != "deploy.yaml" || last.Ref != "main" || !last.ReturnRunDetails {
		t.Fatalf("dispatch %+v", last)
	}
	return last.Inputs, id
}

// job sets the job's inputs from a dispatch's, as the runner would.
func (e *dispatchEnv) job(inputs map[string]any) {
	for _, k := range []string{"entity", "environment", "image", "input", "backstage-task"} {
		v, _ := inputs[k].(string)
		e.env["INPUT_"+strings.ToUpper(k)] = v
	}
}

func (e *dispatchEnv) deps(now time.Time, log *bytes.Buffer) Deps {
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return e.env[k] }), githubactions.WithWriter(log))
	return Deps{Action: a, Issuer: e.oidc.URL, AWSEndpoint: e.moto.URL, Log: log, Now: func() time.Time { return now }}
}

func (e *dispatchEnv) runAt(t *testing.T, now time.Time) (*result.Result, error, string) {
	t.Helper()
	var log bytes.Buffer
	res, err := Run(context.Background(), e.deps(now, &log))
	return res, err, log.String()
}

func (e *dispatchEnv) audits(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(e.read(t, "audit.jsonl")), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func (e *dispatchEnv) firstAudit(t *testing.T) map[string]any { return e.audits(t)[0] }

func (e *dispatchEnv) lastAudit(t *testing.T) map[string]any {
	a := e.audits(t)
	return a[len(a)-1]
}

// TestRunDispatchedFromBackstage runs the whole chain: alice clicks Deploy
// in a real Backstage, the task dispatches the workflow through the GitHub
// stand-in, and the action — called with the dispatched inputs and an OIDC
// token whose actor is Backstage's bot — reads the task back from Backstage
// with that OIDC token (no secret), decides on alice, runs under a session
// named for her, records who did what, and notifies her.
func TestRunDispatchedFromBackstage(t *testing.T) {
	e := newDispatchEnv(t)
	values := map[string]any{"entity": "component:default/orders", "environment": "staging", "image": "", "input": `{"release": "1.2.3"}`}
	inputs, taskID := e.click(t, "template:default/stagecrew-deploy", values)
	if inputs["backstage-task"] != taskID {
		t.Fatalf("the dispatch does not carry the task id %s: %v", taskID, inputs)
	}
	e.job(inputs)

	res, err, log := e.runAt(t, time.Now())
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log)
	}
	if res.Status != result.Succeeded || e.executions(t) != 1 || res.Audit.Requester != "user:default/alice" {
		t.Fatalf("result %+v, %d executions", res, e.executions(t))
	}
	if !strings.Contains(e.read(t, "summary.md"), "`user:default/alice` in Backstage") {
		t.Errorf("the summary does not say who asked:\n%s", e.read(t, "summary.md"))
	}

	// The grant is on alice, and moto's own answer for the assumed role
	// names her session.
	var glog bytes.Buffer
	g, err := Authorize(context.Background(), e.deps(time.Now(), &glog))
	if err != nil {
		t.Fatal(err)
	}
	if g.Requester.String() != "user:default/alice" || g.Decision.User != "user:default/alice" || !g.Decision.Allowed {
		t.Fatalf("decided on %+v (requester %s)", g.Decision, g.Requester)
	}
	id, err := sts.NewFromConfig(g.AWS).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(id.Arn); !strings.HasPrefix(arn, "arn:aws:sts::123456789012:assumed-role/stagecrew-orders-staging/alice@") {
		t.Errorf("assumed role session %s, want one named for alice", arn)
	}

	rec := e.firstAudit(t)
	for k, want := range map[string]string{"decision": "allow", "requester": "user:default/alice", "dispatcher": "acme-backstage[bot]",
		"actor": "acme-backstage[bot]", "backstageTask": taskID, "template": "template:default/stagecrew-deploy", "user": "user:default/alice"} {
		if rec[k] != want {
			t.Errorf("audit %s = %v, want %s", k, rec[k], want)
		}
	}
	if s, _ := rec["sessionName"].(string); !strings.HasPrefix(s, "alice@") {
		t.Errorf("audit sessionName %q", s)
	}

	// Alice has the result in Backstage (asked as alice).
	found := false
	for _, n := range e.bs.Notifications(t, e.userToken) {
		p, _ := n["payload"].(map[string]any)
		title, _ := p["title"].(string)
		desc, _ := p["description"].(string)
		if strings.Contains(title, "orders") && strings.Contains(desc, "user:default/alice") && p["link"] == res.Audit.RunURL {
			found = true
		}
	}
	if !found {
		t.Errorf("alice has no notification of the run: %v", e.bs.Notifications(t, e.userToken))
	}

	// A replayed dispatch of the same task (a new workflow run) attaches to
	// the execution the task started instead of starting another.
	e.env["GITHUB_RUN_ID"] = "99"
	if res2, err, log := e.runAt(t, time.Now()); err != nil || !res2.Attached || e.executions(t) != 1 {
		t.Errorf("replay: err %v, attached %v, %d executions\n%s", err, res2 != nil && res2.Attached, e.executions(t), log)
	}

	// A backend without the jwks entry: the static token lives in Secrets
	// Manager and is read with the entity's role; it is masked, never
	// printed, and the run goes through on it.
	e.resetAWS(t)
	sm := secretsmanager.NewFromConfig(e.moto.Config())
	sec, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String("backstage-token"), SecretString: aws.String(e.bs.Token)})
	if err != nil {
		t.Fatal(err)
	}
	inputs, taskID = e.click(t, "template:default/stagecrew-deploy", values)
	e.job(inputs)
	e.env["INPUT_BACKSTAGE-TOKEN-SECRET"] = aws.ToString(sec.ARN)
	e.env["INPUT_BACKSTAGE-AUDIENCE"] = "not-configured-in-backstage"
	e.env["GITHUB_RUN_ID"] = "100"
	res3, err, log := e.runAt(t, time.Now())
	if err != nil || res3.Audit.Requester != "user:default/alice" || res3.Audit.BackstageTask != taskID || e.executions(t) != 1 {
		t.Fatalf("with the token from Secrets Manager: err %v, result %+v, %d executions\n%s", err, res3, e.executions(t), log)
	}
	if !strings.Contains(log, "::add-mask::"+e.bs.Token) || strings.Count(log, e.bs.Token) != 1 {
		t.Errorf("the secret token was not masked first, or was printed")
	}
}

// TestRunDispatchRefusals: every way the task cannot be trusted is a
// denial with a clear message, an audit record, and nothing started.
func TestRunDispatchRefusals(t *testing.T) {
	e := newDispatchEnv(t)
	values := map[string]any{"entity": "component:default/orders", "environment": "staging", "image": "", "input": "{}"}
	inputs, _ := e.click(t, "template:default/stagecrew-deploy", values)
	_, helloTask := e.click(t, "template:default/say-hello", map[string]any{"entity": "component:default/orders", "environment": "staging"})

	tests := []struct {
		name   string
		change func(env map[string]string) time.Time
		want   string
	}{
		{"unknown task", func(env map[string]string) time.Time {
			env["INPUT_BACKSTAGE-TASK"] = "0b7c1f4e-6a1d-4c55-9a57-2f3b1e8c9d10"
			return time.Now()
		}, "Backstage has no such task"},
		{"another template", func(env map[string]string) time.Time {
			env["INPUT_BACKSTAGE-TASK"] = helloTask
			return time.Now()
		}, "ran template template:default/say-hello"},
		{"other environment", func(env map[string]string) time.Time {
			env["INPUT_ENVIRONMENT"] = "production"
			return time.Now()
		}, `the task asked for environment "staging", and this run was asked for "production"`},
		{"other entity", func(env map[string]string) time.Time {
			env["INPUT_ENTITY"] = "component:default/billing"
			return time.Now()
		}, `asked for entity "component:default/orders", and this run was asked for "component:default/billing"`},
		{"other input", func(env map[string]string) time.Time {
			env["INPUT_INPUT"] = `{"admin": true}`
			return time.Now()
		}, "asked for input"},
		{"stale task", func(map[string]string) time.Time { return time.Now().Add(11 * time.Minute) }, "more than the 10m0s the policy allows"},
		{"actor not a dispatcher", func(map[string]string) time.Time {
			e.oidc.SetClaims(map[string]any{"actor": "mallory"})
			return time.Now()
		}, "dispatched by mallory"},
		{"token Backstage refuses", func(env map[string]string) time.Time {
			env["INPUT_BACKSTAGE-AUDIENCE"] = "some-other-audience"
			return time.Now()
		}, "Backstage refused stagecrew's credentials"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.job(inputs)
			e.env["INPUT_BACKSTAGE-AUDIENCE"] = testenv.BackstageJWKSAudience
			e.env["GITHUB_RUN_ID"] = fmt.Sprint(1000 + i)
			e.oidc.SetClaims(map[string]any{"actor": "acme-backstage[bot]"})
			now := tt.change(e.env)
			res, err, log := e.runAt(t, now)
			if !errors.Is(err, ErrDenied) {
				t.Fatalf("err = %v, want ErrDenied\n%s", err, log)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("the denial %q does not say %q", err, tt.want)
			}
			if res == nil || res.Status != result.Denied || e.executions(t) != 0 {
				t.Errorf("result %+v, %d executions", res, e.executions(t))
			}
			if !strings.Contains(e.read(t, "output.txt"), "denied") {
				t.Errorf("outputs do not say denied")
			}
			rec := e.lastAudit(t)
			if rec["decision"] != "deny" || !strings.Contains(fmt.Sprint(rec["reason"]), tt.want) || rec["backstageTask"] == nil {
				t.Errorf("audit record %v", rec)
			}
		})
	}
}
