package iam_test

import (
	"encoding/json"
	"testing"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/iam"
)

// TestDeployOptionsUnderIAM decides, with IAM's evaluation logic
// (iam-simulate over the Service Authorization Reference, through
// testenv), the calls pkg/ecs makes for each optional part of a deploy
// under the policy Permissions generates for it: every call is allowed,
// and the same calls on another entity's resources are denied. The runs
// themselves, under enforcement, are in actions/enforced_test.go; these
// parts are not wired into the action and `stagecrew iam permissions` yet.
func TestDeployOptionsUnderIAM(t *testing.T) {
	sim := testenv.StartIAMSimulator(t)
	if t.Skipped() {
		return
	}
	svc, _ := annotations.ParseServiceARN("arn:aws:ecs:us-east-1:123456789012:service/prod/storefront")
	doc, err := iam.Permissions(iam.PermissionOptions{Service: svc,
		TaskDefinition: &iam.TaskDefinition{Family: "storefront", ExecutionRoleARN: "storefront-exec"},
		Deploy: iam.DeployOptions{PassRoles: []string{"storefront-task"}, Tags: true, KeepRevisions: true, FindByTags: true,
			CodeDeploy: &iam.CodeDeployGroup{Application: "AppECS-prod-storefront", DeploymentGroup: "DgpECS-prod-storefront"}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	policies := map[string]json.RawMessage{"stagecrew": b}
	deployments := map[string]string{
		"d-OWN":   "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:AppECS-prod-storefront/DgpECS-prod-storefront",
		"d-OTHER": "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:AppECS-prod-checkout/DgpECS-prod-checkout",
	}
	type call struct {
		service, operation string
		body               map[string]any
	}
	own := "AppECS-prod-storefront"
	allowed := []call{
		// blue/green (pkg/ecs bluegreen.go: CodeDeployAPI)
		{"codedeploy", "ListDeployments", map[string]any{"applicationName": own, "deploymentGroupName": "DgpECS-prod-storefront"}},
		{"codedeploy", "CreateDeployment", map[string]any{"applicationName": own, "deploymentGroupName": "DgpECS-prod-storefront"}},
		{"codedeploy", "GetDeployment", map[string]any{"deploymentId": "d-OWN"}},
		{"codedeploy", "ListDeploymentTargets", map[string]any{"deploymentId": "d-OWN"}},
		{"codedeploy", "GetDeploymentTarget", map[string]any{"deploymentId": "d-OWN", "targetId": "t"}},
		{"codedeploy", "StopDeployment", map[string]any{"deploymentId": "d-OWN"}},
		// keep-revisions, tags, extra roles, tag lookup
		{"ecs", "ListTaskDefinitions", map[string]any{"familyPrefix": "storefront"}},
		{"ecs", "DeregisterTaskDefinition", map[string]any{"taskDefinition": "storefront:1"}},
		{"ecs", "RegisterTaskDefinition", map[string]any{"family": "storefront", "taskRoleArn": "storefront-task", "executionRoleArn": "storefront-exec",
			"tags": []any{map[string]any{"key": "team", "value": "shop"}}}},
		{"ecs", "RunTask", map[string]any{"cluster": "prod", "taskDefinition": "storefront:2", "tags": []any{map[string]any{"key": "team", "value": "shop"}}}},
		{"tagging", "GetResources", nil},
	}
	denied := []call{
		{"codedeploy", "CreateDeployment", map[string]any{"applicationName": "AppECS-prod-checkout", "deploymentGroupName": "DgpECS-prod-checkout"}},
		{"codedeploy", "GetDeployment", map[string]any{"deploymentId": "d-OTHER"}},
		{"ecs", "TagResource", map[string]any{"resourceArn": "arn:aws:ecs:us-east-1:123456789012:service/prod/checkout"}},
		// Tags only as a revision is created, never retagging one.
		{"ecs", "TagResource", map[string]any{"resourceArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/storefront:1"}},
		{"ecs", "RegisterTaskDefinition", map[string]any{"family": "checkout", "tags": []any{map[string]any{"key": "team", "value": "shop"}}}},
		{"ecs", "RegisterTaskDefinition", map[string]any{"family": "storefront", "taskRoleArn": "admin"}},
	}
	decide := func(c call) bool {
		t.Helper()
		reqs, err := testenv.IAMRequestsFor(c.service, c.operation, "us-east-1", "123456789012", c.body, deployments)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			r.Principal = "arn:aws:sts::123456789012:assumed-role/stagecrew-storefront/octocat"
			d, err := sim.Decide(r, policies)
			if err != nil {
				t.Fatalf("%s:%s: %v", c.service, c.operation, err)
			}
			if !d.Allowed() {
				t.Logf("%s:%s: %s on %s %s", c.service, c.operation, r.Action, r.Resource, d.Result)
				return false
			}
		}
		return true
	}
	for _, c := range allowed {
		if !decide(c) {
			t.Errorf("%s:%s %v is denied by the generated policy:\n%s", c.service, c.operation, c.body, b)
		}
	}
	for _, c := range denied {
		if decide(c) {
			t.Errorf("%s:%s %v, on another entity's resource or role, is allowed", c.service, c.operation, c.body)
		}
	}
}
