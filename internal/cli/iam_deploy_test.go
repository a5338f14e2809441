package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestIAMPermissionsDefinitionDeploy: an entity that deploys its definition
// gets the deploy statements, the alias's among them, and iam:PassRole of
// the state machine's role only when --state-machine-role names it.
func TestIAMPermissionsDefinitionDeploy(t *testing.T) {
	dir := writeFiles(t, map[string]string{"sfn.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: sfn
  annotations:
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/deployer
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:sfn
    stagecrew.dev/state-machine-definition: statemachine/definition.asl.json
    stagecrew.dev/state-machine-alias.prod: live
spec: {type: service, lifecycle: production, owner: team}
`})
	entity := filepath.Join(dir, "sfn.yaml")
	code, out, errOut := runCommand(t, iamPermissionsCommand(), "--entity", entity, "--environment", "prod")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`"Sid": "DeployDefinition"`, `"states:UpdateStateMachine"`, `"Sid": "DeployAlias"`,
		`"arn:aws:states:us-east-1:123456789012:stateMachine:sfn:live"`, `"arn:aws:states:us-east-1:123456789012:stateMachine:sfn:*"`} {
		if !strings.Contains(out, want) {
			t.Errorf("policy lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "iam:PassRole") {
		t.Errorf("PassRole without --state-machine-role:\n%s", out)
	}
	code, out, errOut = runCommand(t, iamPermissionsCommand(), "--entity", entity, "--environment", "prod",
		"--state-machine-role", "arn:aws:iam::123456789012:role/sfn-exec")
	if code != ExitOK || !strings.Contains(out, `"Resource": "arn:aws:iam::123456789012:role/sfn-exec"`) || !strings.Contains(out, `"iam:PassedToService": "states.amazonaws.com"`) {
		t.Errorf("with --state-machine-role: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = runCommand(t, iamPermissionsCommand(), "--entity", entity, "--environment", "prod",
		"--state-machine-role", "arn:aws:iam::999999999999:role/elsewhere")
	if code == ExitOK || !strings.Contains(errOut, "not in the account") {
		t.Errorf("a role of another account: exit %d: %s", code, errOut)
	}
}
