package iam

import (
	"errors"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

func TestParseSecretRef(t *testing.T) {
	for _, tc := range []struct{ in, resource, action string }{
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:storefront/db-AbC123", "arn:aws:secretsmanager:us-east-1:123456789012:secret:storefront/db-AbC123", "secretsmanager:GetSecretValue"},
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:storefront/db-AbC123:password::", "arn:aws:secretsmanager:us-east-1:123456789012:secret:storefront/db-AbC123", "secretsmanager:GetSecretValue"},
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:db", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????", "secretsmanager:GetSecretValue"},
		{"arn:aws:ssm:eu-west-1:123456789012:parameter/storefront/api-key", "arn:aws:ssm:eu-west-1:123456789012:parameter/storefront/api-key", "ssm:GetParameters"},
		{"arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x", "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x", "ssm:GetParameters"},
	} {
		r, err := ParseSecretRef(tc.in)
		if err != nil || r.Resource() != tc.resource || r.Action() != tc.action {
			t.Errorf("ParseSecretRef(%q) = %+v %v: resource %s", tc.in, r, err, r.Resource())
		}
	}
	for _, bad := range []string{"storefront/db", "/storefront/db", "arn:aws:s3:::bucket/key", "arn:aws:ssm:us-east-1:123456789012:document/x",
		"arn:aws:secretsmanager:us-east-1:12345:secret:x", "arn:aws:secretsmanager:us-east-1:123456789012:secret:", "arn:aws:ssm:us-east-1:123456789012:parameter//x"} {
		if _, err := ParseSecretRef(bad); !errors.Is(err, ErrSecretRef) {
			t.Errorf("ParseSecretRef(%q) = %v", bad, err)
		}
	}
	r, _ := ParseSecretRef("arn:aws:ssm:us-east-1:210987654321:parameter/x")
	if err := r.CheckAccount("aws", "123456789012"); !errors.Is(err, ErrForeignAccount) || !strings.Contains(err.Error(), "account 210987654321") {
		t.Errorf("CheckAccount: %v", err)
	}
}

func TestExecutionRolePermissions(t *testing.T) {
	doc, err := ExecutionRolePermissions(ExecutionRoleOptions{Partition: "aws", Account: "123456789012", Secrets: []string{
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC123:password::",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC123:user::",
		"arn:aws:ssm:us-east-1:123456789012:parameter/storefront/api-key",
	}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := doc.JSON()
	if err := Validate(b); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	want := `"Sid": "ReadSecrets",
      "Effect": "Allow",
      "Action": "secretsmanager:GetSecretValue",
      "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC123"`
	if !strings.Contains(string(b), want) || !strings.Contains(string(b), `"ssm:GetParameters"`) {
		t.Errorf("policy:\n%s", b)
	}
	if _, err := ExecutionRolePermissions(ExecutionRoleOptions{Partition: "aws", Account: "123456789012", Secrets: []string{"arn:aws:ssm:us-east-1:999999999999:parameter/x"}}); !errors.Is(err, ErrForeignAccount) {
		t.Errorf("foreign secret: %v", err)
	}
}

func TestPermissionsDeployOptions(t *testing.T) {
	svc, _ := annotations.ParseServiceARN("arn:aws:ecs:us-east-1:123456789012:service/prod/storefront")
	base := PermissionOptions{Service: svc, TaskDefinition: &TaskDefinition{Family: "storefront", ExecutionRoleARN: "storefront-exec"}}
	plain, err := Permissions(base)
	if err != nil {
		t.Fatal(err)
	}
	full := base
	full.Deploy = DeployOptions{PassRoles: []string{"arn:aws:iam::123456789012:role/storefront-task", "storefront-exec"}, Tags: true, KeepRevisions: true, FindByTags: true,
		CodeDeploy: &CodeDeployGroup{Application: "AppECS-prod-storefront", DeploymentGroup: "DgpECS-prod-storefront"}}
	doc, err := Permissions(full)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := plain.JSON()
	b, _ := doc.JSON()
	if err := Validate(b); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, s := range []string{"codedeploy:CreateDeployment", "deploymentgroup:AppECS-prod-storefront/DgpECS-prod-storefront", "codedeploy:RegisterApplicationRevision",
		"tag:GetResources", "ecs:DeregisterTaskDefinition", "ecs:TagResource", "role/storefront-task"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("policy lacks %s:\n%s", s, b)
		}
		if strings.Contains(string(pb), s) {
			t.Errorf("the plain policy has %s", s)
		}
	}
	if strings.Count(string(b), "role/storefront-exec") != 1 {
		t.Errorf("the execution role is listed twice:\n%s", b)
	}
	full.Deploy = DeployOptions{PassRoles: []string{"arn:aws:iam::999999999999:role/x"}}
	if _, err := Permissions(full); err == nil {
		t.Error("a role of another account was granted")
	}
}

func FuzzParseSecretRef(f *testing.F) {
	for _, s := range []string{"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC123:k::", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b", "arn:aws:ssm:::parameter/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseSecretRef(s)
		if err != nil {
			if !errors.Is(err, ErrSecretRef) {
				t.Fatalf("error %v does not wrap ErrSecretRef", err)
			}
			return
		}
		again, err := ParseSecretRef(r.Resource())
		if !r.Partial && (err != nil || again.Resource() != r.Resource()) {
			t.Fatalf("resource %q of %q does not parse back: %v", r.Resource(), s, err)
		}
		if b, _ := (&Document{Version: PolicyVersion, Statement: []Statement{{Effect: "Allow", Action: Strings{r.Action()}, Resource: Strings{r.Resource()}}}}).JSON(); Validate(b) != nil {
			t.Fatalf("policy of %q does not validate: %v", s, Validate(b))
		}
	})
}

func TestParseTaskDefinitionSecrets(t *testing.T) {
	td, err := ParseTaskDefinition([]byte(`{"family": "f", "containerDefinitions": [
	  {"name": "a", "secrets": [{"name": "X", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/x"}]},
	  {"name": "b", "secrets": [{"name": "X", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/x"}, {"name": "Y", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:y"}]}]}`))
	if err != nil || len(td.Secrets) != 2 || td.Secrets[1] != "arn:aws:secretsmanager:us-east-1:123456789012:secret:y" {
		t.Errorf("%+v %v", td, err)
	}
}
