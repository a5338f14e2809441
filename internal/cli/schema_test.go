package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

var update = flag.Bool("update", false, "rewrite the committed generated files (action.yml, schemas/) instead of comparing")

// TestGeneratedFilesUpToDate fails when action.yml or schemas/*.json differ
// from what the Go types generate.
func TestGeneratedFilesUpToDate(t *testing.T) {
	root := testenv.RepoRoot(t)
	var errOut bytes.Buffer
	streams := &IOStreams{Out: &bytes.Buffer{}, ErrOut: &errOut}
	if *update {
		if err := SchemaRun(context.Background(), &SchemaOptions{IO: streams, Root: root, Dir: "schemas"}); err != nil {
			t.Fatal(err)
		}
		t.Log(errOut.String())
		return
	}
	tmp := t.TempDir()
	if err := SchemaRun(context.Background(), &SchemaOptions{IO: streams, Root: tmp, Dir: "schemas"}); err != nil {
		t.Fatal(err)
	}
	files, err := GenerateFiles("schemas")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(tmp, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("%s: %v; run 'go generate ./...' and commit the result", f.Path, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run 'go generate ./...' (or go test ./internal/cli -run TestGeneratedFilesUpToDate -update) and commit the result", f.Path)
		}
	}
}

func TestSchemaGenerateCheck(t *testing.T) {
	dir := t.TempDir()
	runCmd := func(args ...string) (error, string) {
		var errOut bytes.Buffer
		err := schemaCommand().Run(context.Background(), &IOStreams{Out: &bytes.Buffer{}, ErrOut: &errOut}, nil, args)
		return err, errOut.String()
	}
	exit := func(err error) int {
		var ee *ExitError
		if err == nil {
			return 0
		}
		if errors.As(err, &ee) {
			return ee.Code
		}
		return -1
	}

	err, msg := runCmd("--root", dir, "--check")
	if exit(err) != ExitInvalid || !strings.Contains(msg, "action.yml (missing)") || !strings.Contains(msg, "schemas/catalog-info.schema.json (missing)") {
		t.Fatalf("check of an empty folder: err %v, messages:\n%s", err, msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "action.yml")); err == nil {
		t.Fatal("--check wrote action.yml")
	}
	if err, msg := runCmd("--root", dir); err != nil {
		t.Fatalf("generate: %v\n%s", err, msg)
	}
	if err, msg := runCmd("--root", dir, "--check"); err != nil || !strings.Contains(msg, "up to date") {
		t.Fatalf("check after generate: %v\n%s", err, msg)
	}
	p := filepath.Join(dir, "schemas", "action.schema.json")
	if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err, msg = runCmd("--root", dir, "--check")
	if exit(err) != ExitInvalid || !strings.Contains(msg, "schemas/action.schema.json is stale") || strings.Contains(msg, "action.yml is stale") ||
		!strings.Contains(err.Error(), "go generate ./...") {
		t.Fatalf("check after editing one schema: err %v, messages:\n%s", err, msg)
	}
	if b, _ := os.ReadFile(p); string(b) != "{}\n" {
		t.Fatal("--check rewrote a stale file")
	}
	if err, _ := runCmd("--root", dir, "extra"); exit(err) != ExitUsage {
		t.Fatalf("extra argument: err %v, want a usage error", err)
	}
	if err, msg := runCmd("--root", dir, "--dir", filepath.Join(dir, "out")); err != nil {
		t.Fatalf("absolute --dir: %v\n%s", err, msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "catalog-info.schema.json")); err != nil {
		t.Fatalf("absolute --dir: %v", err)
	}
}

// ajvResult is test/npm/ajv-validate.js's answer.
type ajvResult struct {
	Compiled bool   `json:"compiled"`
	Error    string `json:"error"`
	Results  []struct {
		Valid  bool              `json:"valid"`
		Errors []json.RawMessage `json:"errors"`
	} `json:"results"`
}

// ajv asks Ajv 8 to compile schema and validate each of data.
func ajv(t *testing.T, schema []byte, data []any) ajvResult {
	t.Helper()
	dir := testenv.NPM(t, "test/npm")
	if t.Skipped() || t.Failed() {
		t.FailNow()
	}
	in, err := json.Marshal(map[string]any{"schema": json.RawMessage(schema), "data": data})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "ajv-validate.js"))
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ajv-validate.js: %v\n%s", err, stderr.String())
	}
	var r ajvResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("ajv-validate.js output: %v\n%s", err, out.String())
	}
	if !r.Compiled {
		t.Fatalf("Ajv 8 does not compile the schema: %s", r.Error)
	}
	if len(r.Results) != len(data) {
		t.Fatalf("ajv-validate.js answered %d results for %d values", len(r.Results), len(data))
	}
	return r
}

func committed(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func yamlToJSON(t *testing.T, text string) any {
	t.Helper()
	v, err := catalog.DecodeValue("test.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const stagecrewEntity = `# yaml-language-server: $schema=../schemas/catalog-info.schema.json
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations:
    github.com/project-slug: acme/payments-api
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:deploy-payments
    aws.amazon.com/aws-stepfunctions-state-machine-tags: team=payments, env=prod
    aws.amazon.com/amazon-ecs-service-arn: arn:aws:ecs:us-east-1:123456789012:service/prod/payments-api
    stagecrew.dev/environments: staging, production
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/ci/stagecrew-deploy
    stagecrew.dev/role-arn.production: arn:aws:iam::210987654321:role/stagecrew-deploy
    stagecrew.dev/state-machine-arn.staging: arn:aws:states:eu-west-1:123456789012:stateMachine:deploy-payments:live
    stagecrew.dev/ecs-container: api
    stagecrew.dev/state-machine-definition: infra/deploy.asl.json
  tags: [payments, go]
spec:
  type: service
  lifecycle: production
  owner: group:payments
`

// TestCatalogSchemaInAjv proves schemas/catalog-info.schema.json compiles in
// Ajv 8, accepts a catalog file with stagecrew's annotations, and rejects a
// malformed state machine ARN, a bad name and the other mistakes an editor
// should flag.
func TestCatalogSchemaInAjv(t *testing.T) {
	schema := committed(t, "schemas/catalog-info.schema.json")
	cases := []struct {
		name  string
		yaml  string
		valid bool
	}{
		{"valid", stagecrewEntity, true},
		{"malformed state machine ARN", strings.Replace(stagecrewEntity, ":stateMachine:deploy-payments\n", ":statemachine:deploy-payments\n", 1), false},
		{"state machine ARN in the wrong partition", strings.Replace(stagecrewEntity, "arn:aws:states:us-east-1", "arn:aws-cn:states:us-east-1", 1), false},
		{"bad name", strings.Replace(stagecrewEntity, "name: payments-api", "name: payments-api-", 1), false},
		{"name too long", strings.Replace(stagecrewEntity, "name: payments-api", "name: "+strings.Repeat("p", 64), 1), false},
		{"unknown stagecrew key", strings.Replace(stagecrewEntity, "stagecrew.dev/ecs-container", "stagecrew.dev/ecs-containr", 1), false},
		{"per-environment role not an ARN", strings.Replace(stagecrewEntity, "arn:aws:iam::210987654321:role/stagecrew-deploy", "stagecrew-deploy", 1), false},
		{"bad tags", strings.Replace(stagecrewEntity, "team=payments, env=prod", "team=payments; env=prod", 1), false},
		{"absolute definition path", strings.Replace(stagecrewEntity, "infra/deploy.asl.json", "/infra/deploy.asl.json", 1), false},
		{"missing owner", strings.Replace(stagecrewEntity, "  owner: group:payments\n", "", 1), false},
		{"unknown kind", strings.Replace(stagecrewEntity, "kind: Component", "kind: component", 1), false},
		{"template apiVersion on a Component", strings.Replace(stagecrewEntity, "backstage.io/v1alpha1", "scaffolder.backstage.io/v1beta3", 1), false},
		{"foreign root field", stagecrewEntity + "extra: 1\n", false},
		{"template", `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: deploy}
spec:
  type: service
  steps: [{id: run, action: github:actions:dispatch}]
`, true},
		{"template step without action", `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: deploy}
spec:
  type: service
  steps: [{id: run}]
`, false},
	}
	var data []any
	for _, c := range cases {
		data = append(data, yamlToJSON(t, c.yaml))
	}
	r := ajv(t, schema, data)
	for i, c := range cases {
		if r.Results[i].Valid != c.valid {
			t.Errorf("%s: Ajv says valid=%v, want %v; errors: %s", c.name, r.Results[i].Valid, c.valid, r.Results[i].Errors)
		}
	}
}

// TestCatalogSchemaAgreesWithAnnotations runs annotation values through Ajv
// (ECMAScript regular expressions) and through annotations.Read (Go), on
// one entity per value, and expects the same verdict: the patterns mean the
// same in both languages.
func TestCatalogSchemaAgreesWithAnnotations(t *testing.T) {
	schema := committed(t, "schemas/catalog-info.schema.json")
	values := map[string][]string{
		annotations.KeyStateMachineARN: {
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:12",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:012",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy:v.1",
			"arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-gov-west-1:123456789012:stateMachine:deploy",
			"arn:aws-iso-b:states:us-isob-east-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-isoz-east-1:123456789012:stateMachine:deploy",
			"arn:aws:states:us-east-1:123456789012:stateMachine:de ploy",
			"arn:aws:states:us-east-1:123456789012:stateMachine:deploy\n",
			"arn:aws:states:us-east-1:1234567890:stateMachine:deploy",
		},
		annotations.KeyECSServiceARN: {
			"arn:aws:ecs:us-east-1:123456789012:service/prod/api",
			"arn:aws:ecs:us-east-1:123456789012:service/api",
			"arn:aws:ecs:us-east-1:123456789012:service/prod/api/x",
			"arn:aws-cn:ecs:cn-north-1:123456789012:service/prod/api",
			"arn:aws:ecs:cn-north-1:123456789012:service/prod/api",
		},
		annotations.KeyRoleARN: {
			"arn:aws:iam::123456789012:role/deploy",
			"arn:aws:iam::123456789012:role/a/b/deploy",
			"arn:aws:iam::123456789012:role/a//deploy",
			"arn:aws:iam::123456789012:role/dep~loy",
			"arn:aws:iam::123456789012:role/a~b/deploy",
			"arn:aws:sts::123456789012:assumed-role/deploy/x",
		},
		annotations.KeyStateMachineTags: {
			"a=1", "a=1, b=2", "ключ=значение", "a=\u00a0x", "a= x y ", "a", "a=1,", "a=b=c", "a=1;b=2", "\u2028a=1",
		},
		annotations.KeyEnvironments: {"staging", "staging, production", "a,b", " Stage_1 ,x.y", "staging,", "-x", "a b"},
		annotations.KeyECSContainer: {"api", "api.x", strings.Repeat("c", 256)},
		annotations.KeyTaskDefinition: {
			"infra/task.json", ".aws/task.json", "./task.json", "a/../task.json", "a\\task.json", "a//b.json", "..a",
		},
	}
	type probe struct{ key, value string }
	var probes []probe
	var data []any
	for key, vs := range values {
		for _, v := range vs {
			probes = append(probes, probe{key, v})
			data = append(data, map[string]any{
				"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
				"metadata": map[string]any{"name": "x", "annotations": map[string]any{key: v}},
				"spec":     map[string]any{"type": "service", "lifecycle": "production", "owner": "team"},
			})
		}
	}
	r := ajv(t, schema, data)
	for i, p := range probes {
		e := &catalog.Entity{Kind: "Component"}
		e.Metadata.Name = "x"
		e.Metadata.Annotations = map[string]string{p.key: p.value}
		_, err := annotations.Read(e)
		if goValid := err == nil; goValid != r.Results[i].Valid {
			t.Errorf("%s: %q: Ajv says valid=%v, annotations.Read says %v", p.key, p.value, r.Results[i].Valid, err)
		}
	}
	t.Logf("compared %d annotation values", len(probes))
}

// TestCatalogSchemaAgreesWithBackstage compares the schema's verdict on the
// catalog's own rules (no stagecrew annotations) with Backstage's.
func TestCatalogSchemaAgreesWithBackstage(t *testing.T) {
	schema := committed(t, "schemas/catalog-info.schema.json")
	base := "apiVersion: backstage.io/v1alpha1\nkind: %s\nmetadata:\n  name: %s\n%sspec:\n%s"
	cases := map[string]string{
		"component":             fmt.Sprintf(base, "Component", "x", "", "  type: service\n  lifecycle: production\n  owner: team\n"),
		"component no type":     fmt.Sprintf(base, "Component", "x", "", "  lifecycle: production\n  owner: team\n"),
		"component empty owner": fmt.Sprintf(base, "Component", "x", "", "  type: service\n  lifecycle: production\n  owner: ''\n"),
		"bad name":              fmt.Sprintf(base, "Component", "x_", "", "  type: service\n  lifecycle: production\n  owner: team\n"),
		"dotted name":           fmt.Sprintf(base, "Component", "a.b_c-d", "", "  type: service\n  lifecycle: production\n  owner: team\n"),
		"namespace":             fmt.Sprintf(base, "Component", "x", "  namespace: team-a\n", "  type: service\n  lifecycle: production\n  owner: team\n"),
		"bad namespace":         fmt.Sprintf(base, "Component", "x", "  namespace: Team_A\n", "  type: service\n  lifecycle: production\n  owner: team\n"),
		"tags":                  fmt.Sprintf(base, "Component", "x", "  tags: [go, c++, a-b]\n", "  type: service\n  lifecycle: production\n  owner: team\n"),
		"bad tag":               fmt.Sprintf(base, "Component", "x", "  tags: [Go]\n", "  type: service\n  lifecycle: production\n  owner: team\n"),
		"api":                   fmt.Sprintf(base, "API", "x", "", "  type: openapi\n  lifecycle: production\n  owner: team\n  definition: x\n"),
		"api no definition":     fmt.Sprintf(base, "API", "x", "", "  type: openapi\n  lifecycle: production\n  owner: team\n"),
		"group":                 fmt.Sprintf(base, "Group", "x", "", "  type: team\n  children: []\n"),
		"group no children":     fmt.Sprintf(base, "Group", "x", "", "  type: team\n"),
		"user":                  fmt.Sprintf(base, "User", "x", "", "  memberOf: [team]\n"),
		"system":                fmt.Sprintf(base, "System", "x", "", "  owner: team\n"),
		"domain no owner":       fmt.Sprintf(base, "Domain", "x", "", "  type: x\n"),
		"resource":              fmt.Sprintf(base, "Resource", "x", "", "  type: db\n  owner: team\n"),
		"location":              fmt.Sprintf(base, "Location", "x", "", "  targets: [./a.yaml]\n"),
		"location presence":     fmt.Sprintf(base, "Location", "x", "", "  target: ./a.yaml\n  presence: maybe\n"),
		"label":                 fmt.Sprintf(base, "Component", "x", "  labels: {tier: gold}\n", "  type: service\n  lifecycle: production\n  owner: team\n"),
		"bad label value":       fmt.Sprintf(base, "Component", "x", "  labels: {tier: gold star}\n", "  type: service\n  lifecycle: production\n  owner: team\n"),
	}
	var ids []string
	var oc []testenv.OracleCase
	var data []any
	for id, text := range cases {
		ids = append(ids, id)
		oc = append(oc, testenv.OracleCase{ID: id, YAML: text})
		data = append(data, yamlToJSON(t, text))
	}
	backstage := testenv.CatalogOracle(t, oc)
	if t.Skipped() || t.Failed() {
		return
	}
	r := ajv(t, schema, data)
	for i, id := range ids {
		want := len(backstage[i].Docs) == 1 && backstage[i].Docs[0].Valid
		if r.Results[i].Valid != want {
			t.Errorf("%s: Ajv says valid=%v, Backstage %v (%s); Ajv errors: %s", id, r.Results[i].Valid, want, backstage[i].Docs[0].Error, r.Results[i].Errors)
		}
	}
}

// TestActionSchemaInAjv proves schemas/action.schema.json compiles in Ajv 8
// and checks a step's with: block.
func TestActionSchemaInAjv(t *testing.T) {
	schema := committed(t, "schemas/action.schema.json")
	cases := []struct {
		name  string
		with  string
		valid bool
	}{
		{"minimal", "environment: production\n", true},
		{"typical", "environment: staging\nmode: ecs-deploy\nimage: x/api:1\nwait: true\ntimeout: 1h30m\nrole-session-duration: 3600\n", true},
		{"missing environment", "mode: auto\n", false},
		{"bad mode", "environment: production\nmode: lambda\n", false},
		{"unknown input", "environment: production\nrole: x\n", false},
		{"bad timeout", "environment: production\ntimeout: 30 minutes\n", false},
		{"session too long", "environment: production\nrole-session-duration: 50000\n", false},
		{"bad role", "environment: production\nrole-arn: arn:aws:iam::123:role/x\n", false},
	}
	var data []any
	for _, c := range cases {
		data = append(data, yamlToJSON(t, c.with))
	}
	r := ajv(t, schema, data)
	for i, c := range cases {
		if r.Results[i].Valid != c.valid {
			t.Errorf("%s: Ajv says valid=%v, want %v; errors: %s", c.name, r.Results[i].Valid, c.valid, r.Results[i].Errors)
		}
	}
}

// TestTemplateParameterSchemasInAjv: the committed parameter schema of each
// template compiles in Ajv 8, accepts a complete set of form values and
// refuses values a page would refuse.
func TestTemplateParameterSchemasInAjv(t *testing.T) {
	good := map[string]map[string]any{
		"stepfunctions-workflow": {"name": "orders-workflow", "owner": "group:default/payments", "accountId": "123456789012",
			"region": "eu-west-1", "environments": []any{"staging", "production"}, "repoUrl": "github.com?owner=acme&repo=orders-workflow"},
		"ecs-service": {"name": "orders-api", "owner": "group:default/payments", "accountId": "123456789012", "region": "eu-west-1",
			"environments": []any{"staging"}, "cluster": "payments", "containerPort": 8443, "image": "nginx:1", "repoUrl": "github.com?owner=acme&repo=orders-api"},
		"deploy-entity": {"entity": "component:default/orders-api", "environment": "staging"},
	}
	bad := map[string]map[string]any{
		"stepfunctions-workflow": {"accountId": "12345"},
		"ecs-service":            {"containerPort": 70000},
		"deploy-entity":          {"environment": "-bad"},
	}
	for name, values := range good {
		schema := committed(t, "schemas/templates/"+name+".parameters.schema.json")
		broken := map[string]any{}
		for k, v := range values {
			broken[k] = v
		}
		for k, v := range bad[name] {
			broken[k] = v
		}
		r := ajv(t, schema, []any{values, broken})
		if !r.Results[0].Valid {
			t.Errorf("%s: good values refused: %s", name, r.Results[0].Errors)
		}
		if r.Results[1].Valid {
			t.Errorf("%s: bad values %v accepted", name, bad[name])
		}
	}
}
