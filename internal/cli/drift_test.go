package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/drift"
)

const driftDefinition = `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`

const driftCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  annotations:
    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn.staging: arn:aws:iam::111111111111:role/drift
    stagecrew.dev/role-arn.production: arn:aws:iam::222222222222:role/drift
    stagecrew.dev/state-machine-arn.staging: arn:aws:states:us-east-1:111111111111:stateMachine:orders
    stagecrew.dev/state-machine-arn.production: arn:aws:states:eu-west-1:222222222222:stateMachine:orders
    stagecrew.dev/ecs-service-arn.staging: arn:aws:ecs:us-east-1:111111111111:service/main/orders
    stagecrew.dev/state-machine-definition: orders.asl.json
spec:
  type: service
  lifecycle: production
  owner: orders-team
`

// The same entity in staging only, which matches AWS.
const driftCatalogClean = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  annotations:
    stagecrew.dev/role-arn: arn:aws:iam::111111111111:role/drift
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:111111111111:stateMachine:orders
    aws.amazon.com/amazon-ecs-service-arn: arn:aws:ecs:us-east-1:111111111111:service/main/orders
    stagecrew.dev/state-machine-definition: orders.asl.json
spec:
  type: service
  lifecycle: production
  owner: orders-team
`

const driftUser = `apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: octocat
  annotations:
    github.com/user-login: octocat
spec:
  memberOf: []
`

// driftPolicy lets anyone in the catalog read drift in staging only.
const driftPolicy = `version: 1
environments:
  staging:
    allow:
      - principals: [anyone]
        actions: ["drift:read"]
  production:
    allow: []
`

// driftWorld: account A (us-east-1) runs orders as the catalog says;
// account B (eu-west-1) has no orders state machine (a phantom) and a
// state machine tagged for an entity the catalog lacks, whose owner tag
// would mention a GitHub user if printed raw into Markdown.
func driftWorld(t *testing.T) (*testenv.Moto, map[string]string) {
	m := testenv.StartMoto(t)
	m.ModelStateMachines(t)
	ctx := context.Background()
	a := m.InAccount(t, "111111111111", "us-east-1")
	b := m.InAccount(t, "222222222222", "eu-west-1")
	for _, sm := range []struct {
		cfg  aws.Config
		name string
		tags []sfntypes.Tag
	}{
		{a, "orders", nil},
		{b, "shadow", []sfntypes.Tag{{Key: aws.String(drift.TagEntity), Value: aws.String("component:default/shadow")},
			{Key: aws.String(drift.TagOwner), Value: aws.String("@octocat")}}},
	} {
		if _, err := sfn.NewFromConfig(sm.cfg).CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(sm.name),
			Definition: aws.String(driftDefinition), RoleArn: aws.String("arn:aws:iam::111111111111:role/sfn"), Tags: sm.tags}); err != nil {
			t.Fatal(err)
		}
	}
	c := ecs.NewFromConfig(a)
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("orders"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("x"), Memory: aws.Int32(128)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("main"), ServiceName: aws.String("orders"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("eyJhbGciOiJub25lIn0.eyJzdWIiOiJkcmlmdCJ9."), 0o600); err != nil {
		t.Fatal(err)
	}
	// The web identity path for real; moto accepts any token for any role
	// and never evaluates trust policies.
	env := map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": tok, "AWS_ENDPOINT_URL": m.URL, "AWS_REGION": "us-east-1"}
	return m, env
}

func TestDrift(t *testing.T) {
	_, env := driftWorld(t)
	dir := writeFiles(t, map[string]string{"catalog-info.yaml": driftCatalog, "orders.asl.json": driftDefinition})
	clean := writeFiles(t, map[string]string{"catalog-info.yaml": driftCatalogClean, "orders.asl.json": driftDefinition})

	t.Run("json", func(t *testing.T) {
		code, out, errOut := run(t, env, "drift", "--format", "json", "--repo-root", dir, dir)
		if code != ExitInvalid {
			t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitInvalid, out, errOut)
		}
		var rep drift.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if rep.Counts[drift.KindPhantom] != 1 || rep.Counts[drift.KindOrphan] != 1 || len(rep.Findings) != 2 || rep.Scopes != 2 {
			t.Errorf("report %+v", rep)
		}
	})
	t.Run("text", func(t *testing.T) {
		code, out, _ := run(t, env, "drift", "--repo-root", dir, dir)
		if code != ExitInvalid || !strings.Contains(out, "phantom component:default/orders [production]: no such state machine") ||
			!strings.Contains(out, "✗ 1 phantom, 1 orphan: 1 entity in 2 environment checks, 2 account regions scanned") {
			t.Errorf("exit %d\n%s", code, out)
		}
	})
	t.Run("markdown", func(t *testing.T) {
		code, out, _ := run(t, env, "drift", "--format", "markdown", "--repo-root", dir, dir)
		if code != ExitInvalid || !strings.Contains(out, "### Orphans: in AWS, no entity (1)") || !strings.Contains(out, "&#64;octocat") {
			t.Errorf("exit %d\n%s", code, out)
		}
		if strings.Contains(strings.ReplaceAll(out, "`", ""), " @octocat") || strings.Contains(out, "=@octocat") {
			t.Errorf("a raw mention reached the Markdown:\n%s", out)
		}
	})
	t.Run("actions", func(t *testing.T) {
		// In GitHub Actions: the job's OIDC token (a local issuer standing
		// in for GitHub's) is verified, the policy decides drift:read per
		// environment, and the roles are assumed with the same token.
		o := testenv.StartOIDC(t)
		repo := writeFiles(t, map[string]string{"catalog-info.yaml": driftCatalog + "---\n" + driftUser, "orders.asl.json": driftDefinition,
			".stagecrew/policy.yaml": driftPolicy})
		genv := map[string]string{"AWS_ENDPOINT_URL": env["AWS_ENDPOINT_URL"]}
		for k, v := range o.Env() {
			genv[k] = v
		}
		code, out, errOut := run(t, genv, "drift", "--oidc-issuer", o.URL, "--repo-root", repo, repo)
		// Production is denied: its account (with the phantom and the
		// orphan) is never read; staging matches AWS.
		if code != ExitOK || !strings.Contains(out, "skipped component:default/orders production: denied by policy") ||
			!strings.Contains(out, "✓ no drift: 1 entity in 1 environment check, 1 account region scanned") || !strings.Contains(out, "; 1 skipped") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
		if o.Minted() < 2 || strings.Contains(out+errOut, o.LastToken()) {
			t.Errorf("%d tokens minted (the gate's and the role's), or one was printed", o.Minted())
		}
		// Allowed everywhere: findings as annotations on the files, orphans
		// without a file.
		all := writeFiles(t, map[string]string{"catalog-info.yaml": driftCatalog + "---\n" + driftUser, "orders.asl.json": driftDefinition,
			".stagecrew/policy.yaml": "version: 1\nenvironments:\n  \"*\":\n    allow:\n      - principals: [anyone]\n        actions: [\"drift:*\"]\n"})
		code, out, errOut = run(t, genv, "drift", "--oidc-issuer", o.URL, "--repo-root", all, all)
		if code != ExitInvalid || !strings.Contains(out, "::warning file=") || !strings.Contains(out, "phantom in production: no such state machine") ||
			!strings.Contains(out, "::warning title=stagecrew drift::orphan: state machine is tagged for component:default/shadow") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
		// A token from another issuer is refused before any AWS call.
		code, _, errOut = run(t, genv, "drift", "--repo-root", repo, repo)
		if code != ExitUsage || !strings.Contains(errOut, "verifying the workflow's OIDC token") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("suggest patch applies", func(t *testing.T) {
		repo := writeFiles(t, map[string]string{"catalog-info.yaml": driftCatalog, "orders.asl.json": driftDefinition})
		code, out, errOut := run(t, env, "drift", "--suggest", "-", "--repo-root", repo, repo)
		if code != ExitInvalid || !strings.Contains(out, "+++ b/catalog/orphans/shadow.yaml") || !strings.Contains(errOut, "1 phantom, 1 orphan") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		for _, args := range [][]string{{"init", "-q"}, {"apply", "-"}} {
			cmd := exec.Command("git", args...)
			cmd.Dir, cmd.Stdin = repo, strings.NewReader(out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s\n%s", args, err, b, out)
			}
		}
		code, out, _ = run(t, env, "drift", "--format", "json", "--repo-root", repo, repo)
		var rep drift.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitInvalid || rep.Counts[drift.KindOrphan] != 0 || rep.Counts[drift.KindPhantom] != 1 {
			t.Errorf("after the patch: exit %d, %v\n%s", code, err, out)
		}
	})
	t.Run("no drift", func(t *testing.T) {
		code, out, errOut := run(t, env, "drift", "--repo-root", clean, clean)
		if code != ExitOK || !strings.Contains(out, "✓ no drift: 1 entity in 1 environment check, 1 account region scanned") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
	t.Run("unreadable account", func(t *testing.T) {
		benv := map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_WEB_IDENTITY_TOKEN_FILE": env["AWS_WEB_IDENTITY_TOKEN_FILE"]}
		code, out, errOut := run(t, benv, "drift", "--repo-root", clean, clean)
		if code != ExitUsage || !strings.Contains(errOut, "the report is incomplete") || !strings.Contains(out, "not read: ") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
}

func TestDriftUsage(t *testing.T) {
	dir := writeFiles(t, map[string]string{"catalog-info.yaml": driftCatalogClean})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"format", []string{"drift", "--format", "yaml", dir}, "must be one of text, json, markdown, github"},
		{"both sources", []string{"drift", "--backstage", "http://127.0.0.1:1", dir}, "not both"},
		{"no token", []string{"drift", "--backstage", "http://127.0.0.1:1"}, "BACKSTAGE_TOKEN"},
		{"missing path", []string{"drift", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"workers", []string{"drift", "--workers", "0", dir}, "--workers"},
	} {
		code, _, errOut := run(t, map[string]string{}, tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q", tc.name, code, errOut)
		}
	}
}
