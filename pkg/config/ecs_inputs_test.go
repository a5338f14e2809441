package config

import (
	"strings"
	"testing"
)

// TestECSInputs: the ECS deploy and run-task inputs of issue 13 are read,
// checked, and refused in the modes that do not read them.
func TestECSInputs(t *testing.T) {
	in, err := Read(action(map[string]string{"environment": "prod", "mode": "ecs-deploy",
		"images": "web=img:2\nworker=img:3", "environment-variables": "web.A=1", "secrets": "web:\n  DB: arn:aws:ssm:us-east-1:123456789012:parameter/db",
		"task-role-arn": "arn:aws:iam::123456789012:role/task", "desired-count": "0", "force-new-deployment": "true", "keep-revisions": "5",
		"codedeploy-application": "AppECS-prod-web", "codedeploy-config": "CodeDeployDefault.ECSAllAtOnce", "propagate-tags": "SERVICE", "tags": "team=payments"}))
	if err != nil {
		t.Fatal(err)
	}
	if in.Images == "" || in.DesiredCount != "0" || !in.ForceNewDeployment || in.KeepRevisions != 5 || in.CodeDeployConfig != "CodeDeployDefault.ECSAllAtOnce" || in.PropagateTags != "SERVICE" {
		t.Errorf("inputs %+v", in)
	}
	for _, c := range []struct {
		in   map[string]string
		want string
	}{
		{map[string]string{"mode": "ecs-deploy", "desired-count": "-1"}, "desired-count:"},
		{map[string]string{"mode": "ecs-deploy", "keep-revisions": "0"}, "keep-revisions:"},
		{map[string]string{"mode": "ecs-deploy", "task-role-arn": "task"}, "task-role-arn:"},
		{map[string]string{"mode": "ecs-deploy", "codedeploy-deployment-group": "a b"}, "codedeploy-deployment-group:"},
		{map[string]string{"mode": "ecs-deploy", "propagate-tags": "ALL"}, "propagate-tags:"},
		{map[string]string{"mode": "ecs-deploy", "subnets": "subnet-1"}, "subnets: is not used in mode ecs-deploy"},
		{map[string]string{"mode": "ecs-run-task", "images": "web=x"}, "images: is not used in mode ecs-run-task"},
		{map[string]string{"mode": "ecs-run-task", "launch-type": "FARGATE", "capacity-provider-strategy": "[]"}, "capacity-provider-strategy: cannot be used with launch-type"},
		{map[string]string{"mode": "stepfunctions", "tags": "a=b"}, "tags: is not used in mode stepfunctions"},
	} {
		c.in["environment"] = "prod"
		_, err := Read(action(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%v) = %v, want %q", c.in, err, c.want)
		}
	}
}
