package drift

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/policy"
	"github.com/stagecrew/stagecrew/pkg/poll"
)

const (
	acctA = "111111111111" // staging, us-east-1
	acctB = "222222222222" // production, eu-west-1
	acctC = "333333333333" // in no entity: never scanned
)

const definition = `{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"hi","End":true}}}`

// repoDefinition is definition as a person writes it: other key order,
// indentation, and the same value.
const repoDefinition = `{
  "States": {"Hello": {"End": true, "Result": "${Greeting}", "Type": "Pass"}},
  "StartAt": "Hello"
}
`

const changedDefinition = `{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"bye","End":true}}}`

func catalogFiles() map[string]string {
	return map[string]string{
		"catalog-info.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations:
    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn.staging: arn:aws:iam::111111111111:role/deploy
    stagecrew.dev/role-arn.production: arn:aws:iam::222222222222:role/deploy
    stagecrew.dev/state-machine-arn.staging: arn:aws:states:us-east-1:111111111111:stateMachine:payments
    stagecrew.dev/state-machine-arn.production: arn:aws:states:eu-west-1:222222222222:stateMachine:payments
    stagecrew.dev/ecs-service-arn.staging: arn:aws:ecs:us-east-1:111111111111:service/main/payments
    stagecrew.dev/ecs-service-arn.production: arn:aws:ecs:eu-west-1:222222222222:service/main/payments
    stagecrew.dev/state-machine-alias.staging: live
    stagecrew.dev/state-machine-definition: statemachine/payments.asl.json
    stagecrew.dev/definition-substitutions: Greeting=hi
    stagecrew.dev/task-definition: ecs/payments.json
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations:
    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn.staging: arn:aws:iam::111111111111:role/deploy
    stagecrew.dev/role-arn.production: arn:aws:iam::222222222222:role/deploy
    stagecrew.dev/ecs-service-arn.staging: arn:aws:ecs:us-east-1:111111111111:service/main/ledger
    stagecrew.dev/state-machine-arn.production: arn:aws:states:eu-west-1:222222222222:stateMachine:ledger
    stagecrew.dev/state-machine-alias.production: live
spec:
  type: service
  lifecycle: production
  owner: payments
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search
  annotations:
    stagecrew.dev/environments: staging
    stagecrew.dev/role-arn: arn:aws:iam::111111111111:role/deploy
    aws.amazon.com/amazon-ecs-service-tags: app=search
    stagecrew.dev/ecs-service-arn.staging: arn:aws:ecs:us-east-1:111111111111:service/main/search
spec:
  type: service
  lifecycle: production
  owner: search
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: billing
  annotations:
    stagecrew.dev/role-arn: arn:aws:iam::111111111111:role/deploy
    aws.amazon.com/amazon-ecs-service-arn: arn:aws:ecs:us-east-1:111111111111:service/main/billing
spec:
  type: service
  lifecycle: production
  owner: billing
`,
		"statemachine/payments.asl.json": repoDefinition,
		"ecs/payments.json":              `{"family": "payments", "containerDefinitions": [{"name": "app", "image": "x"}]}`,
	}
}

// buildWorld creates, in two accounts and two regions:
//
//   - payments: staging as the repository says; production with another
//     definition, a service on another task family, an owner tag naming
//     another group;
//   - ledger: staging's service renamed (ledger-v2, tagged for ledger);
//     production's alias "live" missing;
//   - search: nothing carries app=search (a phantom tags annotation) but
//     its service by ARN exists;
//   - billing: its service deleted (INACTIVE);
//   - orphans: a state machine tagged for component:default/ghost, a
//     service tagged app=reports (a key tags annotations use), and an
//     untagged state machine (ignored); account C holds a resource tagged
//     for a missing entity, in no scope the catalog covers.
func buildWorld(t testing.TB, w *world) {
	a := w.in(t, acctA, "us-east-1")
	b := w.in(t, acctB, "eu-west-1")
	c := w.in(t, acctC, "us-east-1")

	// staging runs the version behind its alias "live"; the latest
	// revision differs, and is not what runs.
	publishedAlias(t, a, "payments", definition, "live", tagMap{TagEntity: "component:default/payments"})
	service(t, a, "main", "payments", "payments", tagMap{TagEntity: "component:default/payments", TagOwner: "group:default/payments"})
	stateMachine(t, b, "payments", changedDefinition, nil)
	service(t, b, "main", "payments", "payments-legacy", tagMap{TagOwner: "group:default/platform"})

	service(t, a, "main", "ledger-v2", "ledger", tagMap{TagEntity: "component:default/ledger"})
	stateMachine(t, b, "ledger", definition, nil)

	service(t, a, "main", "search", "search", nil)

	service(t, a, "main", "billing", "billing", nil)
	deleteService(t, a, "main", "billing")

	stateMachine(t, b, "ghost-pipeline", definition, tagMap{TagEntity: "component:default/ghost", TagOwner: "group:default/ops"})
	service(t, a, "main", "reports", "reports", tagMap{"app": "reports"})
	stateMachine(t, a, "untagged", definition, nil)
	stateMachine(t, c, "elsewhere", definition, tagMap{TagEntity: "component:default/nobody"})
}

type key struct {
	kind              Kind
	entity, env, name string
}

func keys(r *Report) []key {
	var out []key
	for _, f := range r.Findings {
		out = append(out, key{f.Kind, f.Entity, f.Environment, resourceName(f.Resource)})
	}
	return out
}

// TestScan shares one moto server between its subtests: moto's first
// tagging call loads every backend, which takes seconds.
func TestScan(t *testing.T) {
	w := newWorld(t)
	buildWorld(t, w)
	t.Run("accounts and regions", func(t *testing.T) { testScanAccountsAndRegions(t, w) })
	t.Run("throttled", func(t *testing.T) { testScanThrottled(t, w) })
	t.Run("scope error", func(t *testing.T) { testScanScopeError(t, w) })
	t.Run("allow", func(t *testing.T) { testScanAllow(t, w) })
	t.Run("under the drift policy", func(t *testing.T) { testScanUnderDriftPolicy(t, w) })
}

// Entity environments Allow refuses are skipped with its reason, and
// their accounts are not scanned for them.
func testScanAllow(t *testing.T, w *world) {
	dir := writeRepo(t, catalogFiles())
	cat, err := policy.LoadLocalCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), Options{Entities: cat.Entities(), Config: w.config(w.m.URL), ReadFile: repoReader(dir),
		Allow: func(e *catalog.Entity, env string) error {
			if env == "production" {
				return fmt.Errorf("denied: not in production")
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	got := keys(rep)
	want := []key{
		{KindPhantom, "component:default/billing", "", "billing"},
		{KindPhantom, "component:default/ledger", "staging", "ledger"},
		{KindOrphan, "component:default/ledger", "", "ledger-v2"},
		{KindPhantom, "component:default/search", "staging", ""},
		{KindOrphan, "", "", "reports"},
	}
	sortKeys(got)
	sortKeys(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
	}
	if len(rep.Skipped) != 2 || rep.Skipped[0].Environment != "production" || rep.Skipped[0].Reason != "denied: not in production" || rep.Scopes != 1 {
		t.Errorf("skipped %+v, scopes %d", rep.Skipped, rep.Scopes)
	}
}

func testScanAccountsAndRegions(t *testing.T, w *world) {
	dir := writeRepo(t, catalogFiles())
	cat, err := policy.LoadLocalCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), Options{Entities: cat.Entities(), Config: w.config(w.m.URL), ReadFile: repoReader(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil {
		t.Fatalf("scopes not read: %v", err)
	}
	want := []key{
		{KindPhantom, "component:default/billing", "", "billing"},
		{KindPhantom, "component:default/ledger", "production", "live"},
		{KindPhantom, "component:default/ledger", "staging", "ledger"},
		{KindOrphan, "component:default/ledger", "", "ledger-v2"},
		{KindDefinition, "component:default/payments", "production", "payments"},
		{KindOwnership, "component:default/payments", "production", "payments"},
		{KindTaskFamily, "component:default/payments", "production", "payments"},
		{KindPhantom, "component:default/search", "staging", ""},
		{KindOrphan, "component:default/ghost", "", "ghost-pipeline"},
		{KindOrphan, "", "", "reports"},
	}
	got := keys(rep)
	sortKeys(want)
	sortKeys(got)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %v\nwant %v", got, want)
		for _, f := range rep.Findings {
			t.Logf("%s %s %s %s: %s", f.Kind, f.Entity, f.Environment, f.Resource, f.Message)
		}
	}
	if rep.Entities != 4 || rep.Checked != 6 || rep.Scopes != 2 {
		t.Errorf("entities %d checked %d scopes %d, want 4, 6, 2", rep.Entities, rep.Checked, rep.Scopes)
	}
	for _, f := range rep.Findings {
		switch f.Kind {
		case KindDefinition:
			if !strings.Contains(f.Diff, `-      "Result": "hi",`) || !strings.Contains(f.Diff, `+      "Result": "bye",`) ||
				!strings.HasPrefix(f.Diff, "--- statemachine/payments.asl.json\n+++ arn:aws:states:eu-west-1:222222222222:stateMachine:payments\n") {
				t.Errorf("definition diff:\n%s", f.Diff)
			}
			if f.File == "" || f.Line != 14 {
				t.Errorf("definition finding at %s:%d, want the annotation line 14", f.File, f.Line)
			}
		case KindTaskFamily:
			if !strings.Contains(f.Message, `"payments-legacy"`) {
				t.Errorf("task family: %s", f.Message)
			}
		case KindOwnership:
			if !strings.Contains(f.Message, "group:default/platform") {
				t.Errorf("ownership: %s", f.Message)
			}
		}
		if f.Kind == KindPhantom && f.Entity == "component:default/billing" && !strings.Contains(f.Message, "INACTIVE") {
			t.Errorf("billing: %s", f.Message)
		}
		if f.Kind == KindPhantom && f.Environment == "production" && (f.Annotation != "stagecrew.dev/state-machine-alias.production" || f.Line != 32) {
			t.Errorf("the missing alias at %s (line %d)", f.Annotation, f.Line)
		}
	}
	// Per account region one GetResources and one ListStateMachines page
	// (4); DescribeServices once per role region for all its services (2)
	// and once for the orphan candidates of account A (1); one
	// DescribeStateMachineAlias per alias (2) and one DescribeStateMachine
	// per definition compared (2).
	if rep.Stats.Calls != 11 || rep.Stats.Throttled != 0 {
		t.Errorf("stats %+v, want 11 calls", rep.Stats)
	}

	// The suggestion renames ledger's service, and writes ghost's and
	// reports' skeletons; applied with git, the catalog loses that drift.
	changes, skipped := Suggest(rep, SuggestOptions{ReadFile: os.ReadFile})
	if len(skipped) != 0 {
		t.Errorf("skipped: %v", skipped)
	}
	patch := Patch(changes, func(p string) string {
		if filepath.IsAbs(p) {
			p, _ = filepath.Rel(dir, p)
		}
		return p
	})
	for _, s := range []string{
		"-    stagecrew.dev/ecs-service-arn.staging: arn:aws:ecs:us-east-1:111111111111:service/main/ledger\n" +
			"+    stagecrew.dev/ecs-service-arn.staging: arn:aws:ecs:us-east-1:111111111111:service/main/ledger-v2\n",
		"+++ b/catalog/orphans/ghost.yaml", "+  owner: \"group:default/ops\"", "+++ b/catalog/orphans/reports.yaml",
	} {
		if !strings.Contains(patch, s) {
			t.Errorf("patch lacks %q:\n%s", s, patch)
		}
	}
	git(t, dir, "init", "-q")
	pf := filepath.Join(t.TempDir(), "drift.patch")
	if err := os.WriteFile(pf, []byte(patch), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "apply", pf)
	cat, err = policy.LoadLocalCatalog(dir)
	if err != nil {
		t.Fatalf("catalog after the patch: %v", err)
	}
	rep2, err := Scan(context.Background(), Options{Entities: cat.Entities(), Config: w.config(w.m.URL), ReadFile: repoReader(dir)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys(rep2) {
		if k.name == "ledger-v2" || k.name == "ghost-pipeline" || k.name == "reports" || k.entity == "component:default/ledger" && k.env == "staging" {
			t.Errorf("after the patch, still %v", k)
		}
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func sortKeys(k []key) {
	slices.SortFunc(k, func(a, b key) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
}

var throttle = testenv.Fault{Status: 400, Body: `{"__type":"ThrottlingException","message":"Rate exceeded"}`}

// Throttling answers are retried on poll's schedule, counted, and change
// nothing in the result.
func testScanThrottled(t *testing.T, w *world) {
	dir := writeRepo(t, catalogFiles())
	cat, err := policy.LoadLocalCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 7
	script := make([]testenv.Fault, n)
	for i := range script {
		script[i] = throttle
	}
	proxy := testenv.StartFaultProxy(t, w.m.URL, script...)
	clock := &sleepCounter{}
	rep, err := Scan(context.Background(), Options{Entities: cat.Entities(), Config: w.config(proxy.URL), ReadFile: repoReader(dir),
		Clock: clock, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if rep.Stats.Throttled != n || rep.Stats.Retried != n || int(rep.Stats.Calls) != proxy.Requests() {
		t.Errorf("stats %+v, proxy saw %d requests, want %d throttled", rep.Stats, proxy.Requests(), n)
	}
	if clock.sleeps() != n {
		t.Errorf("%d sleeps, want %d", clock.sleeps(), n)
	}
	if len(rep.Findings) != 10 {
		t.Errorf("%d findings through throttling, want 10", len(rep.Findings))
	}
}

// An account whose calls fail for good is a ScopeError; the others are
// still scanned.
func testScanScopeError(t *testing.T, w *world) {
	dir := writeRepo(t, catalogFiles())
	cat, err := policy.LoadLocalCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := w.config(w.m.URL)
	denied := fmt.Errorf("refused by the test")
	rep, err := Scan(context.Background(), Options{Entities: cat.Entities(), ReadFile: repoReader(dir),
		Config: func(ctx context.Context, role annotations.RoleARN, region string) (aws.Config, error) {
			if role.Account == acctB {
				return aws.Config{}, denied
			}
			return cfg(ctx, role, region)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || len(rep.ScopeErrors) != 1 || rep.ScopeErrors[0].Account != acctB {
		t.Fatalf("scope errors %+v", rep.ScopeErrors)
	}
	for _, f := range rep.Findings {
		if f.Environment == "production" || strings.Contains(f.Resource, acctB) {
			t.Errorf("finding in the unread account: %+v", f)
		}
	}
	if len(rep.Findings) == 0 {
		t.Error("no findings in the account that was read")
	}
}

// sleepCounter is a poll.Clock that does not wait, and counts.
type sleepCounter struct {
	poll.RealClock
	mu sync.Mutex
	n  int
}

func (c *sleepCounter) Sleep(ctx context.Context, _ time.Duration) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return ctx.Err()
}

func (c *sleepCounter) sleeps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
