package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/iam"
)

// runCommand runs one command the way Main does, without needing it
// registered in Commands.
func runCommand(t *testing.T, c *Command, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	err := c.Run(context.Background(), streams, func(string) string { return "" }, args)
	return exitCode(&errOut, err), out.String(), errOut.String()
}

// iamExamples are the committed files under examples/iam and how they are
// made.
var iamExamples = []struct {
	file    string
	command func() *Command
	args    []string
}{
	{"stepfunctions-production-trust-policy.json", iamTrustPolicyCommand, []string{"--entity", "examples/catalog/stepfunctions/catalog-info.yaml", "--environment", "production"}},
	{"stepfunctions-production-permissions.json", iamPermissionsCommand, []string{"--entity", "examples/catalog/stepfunctions/catalog-info.yaml", "--environment", "production"}},
	{"stepfunctions-staging-trust-policy.json", iamTrustPolicyCommand, []string{"--entity", "examples/catalog/stepfunctions/catalog-info.yaml", "--environment", "staging", "--sub", "branch", "--branch", "main"}},
	{"stepfunctions-staging-permissions.json", iamPermissionsCommand, []string{"--entity", "examples/catalog/stepfunctions/catalog-info.yaml", "--environment", "staging"}},
	{"ecs-production-trust-policy.json", iamTrustPolicyCommand, []string{"--entity", "examples/catalog/ecs/catalog-info.yaml", "--environment", "production", "--immutable-ids", "1234567/89012345"}},
	{"ecs-production-permissions.json", iamPermissionsCommand, []string{"--entity", "examples/catalog/ecs/catalog-info.yaml", "--environment", "production"}},
}

// TestIAMExamplesUpToDate fails when a policy under examples/iam differs
// from what the commands print for the example entities.
func TestIAMExamplesUpToDate(t *testing.T) {
	root := testenv.RepoRoot(t)
	t.Chdir(root)
	for _, ex := range iamExamples {
		code, out, errOut := runCommand(t, ex.command(), ex.args...)
		if code != ExitOK {
			t.Errorf("%s: exit %d: %s", ex.file, code, errOut)
			continue
		}
		path := filepath.Join("examples", "iam", ex.file)
		if *update {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != out {
			t.Errorf("%s is stale: run 'go test ./internal/cli -run TestIAMExamplesUpToDate -update' and commit the result", path)
		}
		validate := iam.Validate
		if strings.Contains(ex.file, "trust") {
			validate = iam.ValidateTrust
		}
		if err := validate(got); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func TestIAMCommands(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"sfn.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: sfn
  annotations:
    github.com/project-slug: acme/sfn
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/deployer
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:sfn
spec: {type: service, lifecycle: production, owner: team}
`,
		"noslug.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: noslug
  annotations:
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/deployer
spec: {type: service, lifecycle: production, owner: team}
`,
		"norole.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: norole
  annotations:
    github.com/project-slug: acme/norole
spec: {type: service, lifecycle: production, owner: team}
`,
		"ecs.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  annotations:
    github.com/project-slug: acme/web
    aws.amazon.com/amazon-ecs-service-arn: arn:aws:ecs:us-east-1:123456789012:service/prod/web
spec: {type: service, lifecycle: production, owner: team}
`,
		"two.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: a}\nspec: {type: team, children: []}\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: b}\nspec: {type: team, children: []}\n",
		"td.json":  `{"family": "web", "taskRoleArn": "arn:aws:iam::123456789012:role/web"}`,
	})
	f := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name    string
		command func() *Command
		args    []string
		code    int
		out     []string
		errOut  []string
	}{
		{"trust default", iamTrustPolicyCommand, []string{"--entity", f("sfn.yaml"), "--environment", "prod"}, ExitOK,
			[]string{`"repo:acme/sfn:environment:prod"`, `arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com`}, nil},
		{"trust repo override, branch, audience", iamTrustPolicyCommand, []string{"--entity", f("sfn.yaml"), "--environment", "prod", "--repo", "acme/other", "--sub", "branch", "--branch", "release", "--audience", "custom"}, ExitOK,
			[]string{`"repo:acme/other:ref:refs/heads/release"`, `"custom"`}, nil},
		{"trust immutable", iamTrustPolicyCommand, []string{"--entity", f("sfn.yaml"), "--environment", "prod", "--immutable-ids", "1/2"}, ExitOK,
			[]string{`"repo:acme@1/sfn@2:environment:prod"`}, nil},
		{"missing entity flag", iamTrustPolicyCommand, []string{"--environment", "prod"}, ExitUsage, nil, []string{"--entity is required"}},
		{"missing environment flag", iamPermissionsCommand, []string{"--entity", f("sfn.yaml")}, ExitUsage, nil, []string{"--environment is required"}},
		{"bad sub", iamTrustPolicyCommand, []string{"--entity", f("sfn.yaml"), "--environment", "prod", "--sub", "tag"}, ExitUsage, nil, []string{"--sub must be environment or branch"}},
		{"bad immutable ids", iamTrustPolicyCommand, []string{"--entity", f("sfn.yaml"), "--environment", "prod", "--immutable-ids", "12"}, ExitUsage, nil, []string{"--immutable-ids must be OWNERID/REPOID"}},
		{"unknown flag", iamPermissionsCommand, []string{"--entity", f("sfn.yaml"), "--environment", "prod", "--repo", "x/y"}, ExitUsage, nil, []string{"flag provided but not defined: -repo"}},
		{"unreadable file", iamPermissionsCommand, []string{"--entity", f("missing.yaml"), "--environment", "prod"}, ExitUsage, nil, []string{"cannot read"}},
		{"several entities", iamPermissionsCommand, []string{"--entity", f("two.yaml"), "--environment", "prod"}, ExitUsage, nil, []string{"choose one with --name"}},
		{"no slug", iamTrustPolicyCommand, []string{"--entity", f("noslug.yaml"), "--environment", "prod"}, ExitInvalid, nil, []string{"has no github.com/project-slug annotation"}},
		{"no role", iamTrustPolicyCommand, []string{"--entity", f("norole.yaml"), "--environment", "prod"}, ExitInvalid, nil, []string{"set stagecrew.dev/role-arn or stagecrew.dev/role-arn.prod"}},
		{"nothing to grant", iamPermissionsCommand, []string{"--entity", f("norole.yaml"), "--environment", "prod"}, ExitInvalid, nil,
			[]string{"set aws.amazon.com/aws-stepfunctions-state-machine-arn or aws.amazon.com/amazon-ecs-service-arn"}},
		{"ecs without task definition", iamPermissionsCommand, []string{"--entity", f("ecs.yaml"), "--environment", "prod"}, ExitInvalid, nil,
			[]string{"no stagecrew.dev/task-definition annotation"}},
		{"ecs with task definition flag", iamPermissionsCommand, []string{"--entity", f("ecs.yaml"), "--environment", "prod", "--task-definition", f("td.json")}, ExitOK,
			[]string{`"Sid": "RunTask"`, `"arn:aws:iam::123456789012:role/web"`}, nil},
		{"permissions sfn", iamPermissionsCommand, []string{"--entity", f("sfn.yaml"), "--environment", "prod"}, ExitOK,
			[]string{`"arn:aws:states:us-east-1:123456789012:execution:sfn:*"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCommand(t, tt.command(), tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %s:\n%s", s, out)
				}
			}
			for _, s := range tt.errOut {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %s:\n%s", s, errOut)
				}
			}
			if code != ExitOK && out != "" {
				t.Errorf("printed a policy on failure: %s", out)
			}
		})
	}
}
