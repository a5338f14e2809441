package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/iam"
)

// iamInputFiles are entities and task definitions for the --input tests.
var iamInputFiles = map[string]string{
	"ecs.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
  annotations:
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/deployer
    aws.amazon.com/amazon-ecs-service-arn: arn:aws:ecs:us-east-1:123456789012:service/prod/web
    stagecrew.dev/task-definition: td.json
spec: {type: service, lifecycle: production, owner: team}
`,
	"tagged.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: tagged
  annotations:
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/deployer
    aws.amazon.com/amazon-ecs-service-tags: app=web, env=prod
    stagecrew.dev/task-definition: td.json
spec: {type: service, lifecycle: production, owner: team}
`,
	"sfn.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: sfn
  annotations:
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/deployer
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:sfn
spec: {type: service, lifecycle: production, owner: team}
`,
	"nosecrets.json": `{"family": "web", "executionRoleArn": "web-exec"}`,
	"td.json": `{"family": "web", "taskRoleArn": "arn:aws:iam::123456789012:role/web", "executionRoleArn": "web-exec",
  "containerDefinitions": [{"name": "web", "secrets": [
    {"name": "DB", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"},
    {"name": "KEY", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-AbCdEf:password::"}]}]}`,
}

// TestIAMPermissionsInputs: each input that makes the action call more
// adds its statements, and only then; inputs are checked as the action
// checks them.
func TestIAMPermissionsInputs(t *testing.T) {
	dir := writeFiles(t, iamInputFiles)
	f := func(name string) string { return filepath.Join(dir, name) }
	ecsArgs := []string{"--entity", f("ecs.yaml"), "--environment", "prod"}
	// Statements the baseline of ecs.yaml must not have: each case below
	// lists which of them it adds.
	optional := []string{`"ecs:DeregisterTaskDefinition"`, `"ecs:ListTaskDefinitions"`, `"Sid": "TagOnCreate"`, `"ecs:CreateAction"`,
		`"Sid": "BlueGreenDeployments"`, `"codedeploy:CreateDeployment"`, `"Sid": "FindServiceByTags"`, `"tag:GetResources"`,
		`"arn:aws:iam::123456789012:role/other-task"`, `"Sid": "DeployDefinition"`}
	tests := []struct {
		name string
		args []string
		code int
		out  []string // besides, none of optional that is not listed
		err  []string
	}{
		{"baseline", ecsArgs, ExitOK, []string{`"Sid": "DeployService"`, `"Sid": "PassTaskRoles"`}, nil},
		{"keep-revisions", append(ecsArgs, "--input", "mode=ecs-deploy", "--input", "keep-revisions=5"), ExitOK,
			[]string{`"ecs:DeregisterTaskDefinition"`, `"ecs:ListTaskDefinitions"`}, nil},
		{"tags, mode auto", append(ecsArgs, "--input", "tags=team=payments\nenv=prod", "--input", "propagate-tags=SERVICE"), ExitOK,
			[]string{`"Sid": "TagOnCreate"`, `"ecs:CreateAction"`}, nil},
		{"tags of a run-task step", append(ecsArgs, "--input", "mode=ecs-deploy", "--step", "--input", "mode=ecs-run-task", "--input", "tags=team=payments"), ExitOK,
			[]string{`"Sid": "TagOnCreate"`, `"ecs:CreateAction"`}, nil},
		{"extra roles", append(ecsArgs, "--input", "task-role-arn=arn:aws:iam::123456789012:role/other-task", "--input", "execution-role-arn=arn:aws:iam::123456789012:role/web-exec"), ExitOK,
			[]string{`"arn:aws:iam::123456789012:role/other-task"`, `"arn:aws:iam::123456789012:role/web-exec"`}, nil},
		{"a role in another account", append(ecsArgs, "--input", "task-role-arn=arn:aws:iam::999999999999:role/x"), ExitInvalid, nil, []string{"account 999999999999"}},
		{"codedeploy inputs", append(ecsArgs, "--input", "codedeploy-application=shop", "--input", "codedeploy-deployment-group=shop-prod"), ExitOK,
			[]string{`"Sid": "BlueGreenDeployments"`, `"codedeploy:CreateDeployment"`, `"arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:shop/shop-prod"`}, nil},
		{"blue-green with the console's names", append(ecsArgs, "--blue-green"), ExitOK,
			[]string{`"Sid": "BlueGreenDeployments"`, `"codedeploy:CreateDeployment"`, `"arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:AppECS-prod-web/DgpECS-prod-web"`,
				`"arn:aws:codedeploy:us-east-1:123456789012:application:AppECS-prod-web"`}, nil},
		{"two steps, two deployment groups", append(ecsArgs, "--input", "codedeploy-application=a", "--step", "--input", "codedeploy-application=b"), ExitUsage, nil,
			[]string{"differs from another step's"}},
		{"keep-revisions 0 refused as by the action", append(ecsArgs, "--input", "keep-revisions=0"), ExitUsage, nil, []string{"keep-revisions", "less than 1"}},
		{"an input of another mode", append(ecsArgs, "--input", "mode=ecs-run-task", "--input", "keep-revisions=3"), ExitUsage, nil,
			[]string{"keep-revisions: is not used in mode ecs-run-task"}},
		{"auto is the entity's mode", []string{"--entity", f("sfn.yaml"), "--environment", "prod", "--input", "tags=a=b"}, ExitUsage, nil,
			[]string{"mode auto is stepfunctions", "tags: is not used in mode stepfunctions"}},
		{"unknown input", append(ecsArgs, "--input", "keep-revision=5"), ExitUsage, nil, []string{`"keep-revision" is not an input`}},
		{"not NAME=VALUE", append(ecsArgs, "--input", "keep-revisions"), ExitUsage, nil, []string{"want NAME=VALUE"}},
		{"twice in one step", append(ecsArgs, "--input", "tags=a=b", "--input", "tags=c=d"), ExitUsage, nil, []string{"given twice in one step"}},
		{"another environment", append(ecsArgs, "--input", "environment=staging"), ExitUsage, nil, []string{"differs from --environment"}},
		{"drift takes no inputs", append(ecsArgs, "--drift", "--input", "tags=a=b"), ExitUsage, nil, []string{"--drift prints the read-only policy"}},
		{"stepfunctions-deploy with alias", []string{"--entity", f("sfn.yaml"), "--environment", "prod", "--input", "mode=stepfunctions-deploy", "--input", "alias=live"}, ExitOK,
			[]string{`"Sid": "DeployDefinition"`, `"states:PublishStateMachineVersion"`, `"Sid": "DeployAlias"`, `"arn:aws:states:us-east-1:123456789012:stateMachine:sfn:live"`}, nil},
		{"stepfunctions-deploy without a state machine", append(ecsArgs, "--input", "mode=stepfunctions-deploy"), ExitInvalid, nil, []string{"has no state machine"}},
		{"tag lookup needs --service", []string{"--entity", f("tagged.yaml"), "--environment", "prod"}, ExitInvalid, nil,
			[]string{"finds its ECS service by its tags", "--service ARN"}},
		{"tag lookup", []string{"--entity", f("tagged.yaml"), "--environment", "prod", "--service", "arn:aws:ecs:us-east-1:123456789012:service/prod/web"}, ExitOK,
			[]string{`"Sid": "FindServiceByTags"`, `"tag:GetResources"`, `"arn:aws:ecs:us-east-1:123456789012:service/prod/web"`}, nil},
		{"tag lookup in another account", []string{"--entity", f("tagged.yaml"), "--environment", "prod", "--service", "arn:aws:ecs:us-east-1:999999999999:service/prod/web"}, ExitUsage, nil,
			[]string{"not in the account of the role"}},
		{"--service on an entity with its ARN", append(ecsArgs, "--service", "arn:aws:ecs:us-east-1:123456789012:service/prod/web"), ExitUsage, nil,
			[]string{"--service is for an entity that finds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCommand(t, iamPermissionsCommand(), tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			for _, s := range tt.err {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %s:\n%s", s, errOut)
				}
			}
			if code != ExitOK {
				if out != "" {
					t.Errorf("printed a policy on failure: %s", out)
				}
				return
			}
			if err := iam.Validate([]byte(out)); err != nil {
				t.Errorf("policy does not validate: %v", err)
			}
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("policy lacks %s:\n%s", s, out)
				}
			}
			for _, s := range optional {
				if !strings.Contains(strings.Join(tt.out, " "), s) && strings.Contains(out, s) {
					t.Errorf("policy has %s, which %v do not ask for:\n%s", s, tt.args[4:], out)
				}
			}
		})
	}
}

// TestIAMExecutionRole: the task definition's secrets and the deploy
// steps' secrets input, each in its statement, and nothing of another
// account.
func TestIAMExecutionRole(t *testing.T) {
	dir := writeFiles(t, iamInputFiles)
	f := func(name string) string { return filepath.Join(dir, name) }
	args := []string{"--entity", f("ecs.yaml"), "--environment", "prod"}
	tests := []struct {
		name string
		args []string
		code int
		out  []string
		not  []string
		err  []string
	}{
		{"task definition", args, ExitOK,
			[]string{`"Sid": "ReadSecrets"`, `"secretsmanager:GetSecretValue"`, `"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"`, `"arn:aws:secretsmanager:us-east-1:123456789012:secret:key-AbCdEf"`},
			[]string{`"ssm:GetParameters"`, "password"}, nil},
		{"secrets input", append(args, "--input", "mode=ecs-deploy", "--input", "secrets=web.API=arn:aws:ssm:us-east-1:123456789012:parameter/api/key\nweb.TOKEN=arn:aws:secretsmanager:us-east-1:123456789012:secret:token"), ExitOK,
			[]string{`"Sid": "ReadParameters"`, `"ssm:GetParameters"`, `"arn:aws:ssm:us-east-1:123456789012:parameter/api/key"`,
				`"arn:aws:secretsmanager:us-east-1:123456789012:secret:token-??????"`, `"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"`}, nil, nil},
		{"YAML secrets of a second step", []string{"--entity", f("ecs.yaml"), "--environment", "prod", "--task-definition", f("nosecrets.json"),
			"--input", "mode=ecs-run-task", "--step", "--input", "secrets=web:\n  API: arn:aws:ssm:us-east-1:123456789012:parameter/api"}, ExitOK,
			[]string{`"arn:aws:ssm:us-east-1:123456789012:parameter/api"`}, []string{"secretsmanager"}, nil},
		{"a secret of another account", append(args, "--input", "secrets=web.X=arn:aws:ssm:us-east-1:999999999999:parameter/x"), ExitInvalid, nil, nil,
			[]string{"another account", "999999999999"}},
		{"no secrets", []string{"--entity", f("ecs.yaml"), "--environment", "prod", "--task-definition", f("nosecrets.json")}, ExitInvalid, nil, nil,
			[]string{"no secrets"}},
		{"drift is not a flag here", append(args, "--drift"), ExitUsage, nil, nil, []string{"flag provided but not defined: -drift"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCommand(t, iamExecutionRoleCommand(), tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			for _, s := range tt.err {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %s:\n%s", s, errOut)
				}
			}
			if code != ExitOK {
				return
			}
			if err := iam.Validate([]byte(out)); err != nil {
				t.Errorf("policy does not validate: %v", err)
			}
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("policy lacks %s:\n%s", s, out)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(out, s) {
					t.Errorf("policy has %s:\n%s", s, out)
				}
			}
		})
	}
}
