package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestIAMPermissionsDrift(t *testing.T) {
	dir := writeFiles(t, map[string]string{"catalog-info.yaml": driftCatalog})
	f := filepath.Join(dir, "catalog-info.yaml")
	code, out, errOut := run(t, map[string]string{}, "iam", "permissions", "--drift", "--entity", f, "--environment", "staging")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`"Sid": "List"`, `"tag:GetResources"`, `"arn:aws:ecs:us-east-1:111111111111:service/*"`, `"arn:aws:states:us-east-1:111111111111:stateMachine:*"`} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %s:\n%s", want, out)
		}
	}
	// production: the role's account, the state machine's region only.
	_, out, _ = run(t, map[string]string{}, "iam", "permissions", "--drift", "--entity", f, "--environment", "production")
	if !strings.Contains(out, "arn:aws:states:eu-west-1:222222222222:stateMachine:*") || strings.Contains(out, "111111111111") {
		t.Errorf("production:\n%s", out)
	}
}
