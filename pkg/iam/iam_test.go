package iam

import (
	"errors"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

func mustJSON(t *testing.T, d *Document) string {
	t.Helper()
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSubject(t *testing.T) {
	tests := []struct {
		o    TrustOptions
		want string
		err  string
	}{
		{TrustOptions{Repository: "acme/checkout", Environment: "production"}, "repo:acme/checkout:environment:production", ""},
		{TrustOptions{Repository: "acme/checkout", Form: SubjectBranch, Branch: "main"}, "repo:acme/checkout:ref:refs/heads/main", ""},
		{TrustOptions{Repository: "acme/checkout", Form: SubjectBranch, Branch: "refs/heads/release/v2"}, "repo:acme/checkout:ref:refs/heads/release/v2", ""},
		{TrustOptions{Repository: "acme/checkout", Environment: "production", OwnerID: "123", RepositoryID: "456"}, "repo:acme@123/checkout@456:environment:production", ""},
		{TrustOptions{Repository: "acme/checkout", Environment: "production", OwnerID: "123"}, "", "needs both"},
		{TrustOptions{Repository: "acme/checkout", Environment: "prod*"}, "", "not a GitHub environment name"},
		{TrustOptions{Repository: "acme/checkout", Form: SubjectBranch, Branch: "*"}, "", "no wildcards"},
		{TrustOptions{Repository: "checkout", Environment: "production"}, "", "not a GitHub OWNER/REPO"},
		{TrustOptions{Repository: "acme/check:out", Environment: "production"}, "", "not a GitHub OWNER/REPO"},
	}
	for _, tt := range tests {
		got, err := Subject(tt.o)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrTrust) {
				t.Errorf("%+v: err = %v, want %q", tt.o, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%+v: %q, %v; want %q", tt.o, got, err, tt.want)
		}
	}
}

func TestTrustPolicy(t *testing.T) {
	d, err := TrustPolicy(TrustOptions{Partition: "aws-us-gov", Account: "123456789012", Repository: "acme/checkout", Environment: "production", Audience: "sts.amazonaws.com"})
	if err != nil {
		t.Fatal(err)
	}
	got := mustJSON(t, d)
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "GitHubActionsOIDC",
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws-us-gov:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      },
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:acme/checkout:environment:production"
        }
      }
    }
  ]
}
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if err := ValidateTrust([]byte(got)); err != nil {
		t.Error(err)
	}
	if _, err := TrustPolicy(TrustOptions{Account: "12", Repository: "a/b", Environment: "x"}); err == nil {
		t.Error("bad account accepted")
	}
}

func smARN(t *testing.T, s string) annotations.StateMachineARN {
	a, err := annotations.ParseStateMachineARN(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPermissionsStateMachine(t *testing.T) {
	d, err := Permissions(PermissionOptions{StateMachine: smARN(t, "arn:aws:states:eu-west-1:123456789012:stateMachine:checkout:live")})
	if err != nil {
		t.Fatal(err)
	}
	var sids []string
	for _, s := range d.Statement {
		sids = append(sids, s.Sid)
	}
	if strings.Join(sids, ",") != "StartExecution,DescribeStateMachine,Executions" {
		t.Errorf("sids %v", sids)
	}
	start := d.Statement[0]
	if strings.Join(start.Resource, " ") != "arn:aws:states:eu-west-1:123456789012:stateMachine:checkout arn:aws:states:eu-west-1:123456789012:stateMachine:checkout:live" ||
		start.Condition["StringEquals"]["states:StateMachineQualifier"][0] != "live" {
		t.Errorf("start: %+v", start)
	}
	if d.Statement[2].Resource[0] != "arn:aws:states:eu-west-1:123456789012:execution:checkout:*" {
		t.Errorf("executions: %v", d.Statement[2].Resource)
	}
	b, _ := d.JSON()
	if err := Validate(b); err != nil {
		t.Error(err)
	}
	if _, err := Permissions(PermissionOptions{}); !errors.Is(err, ErrNothingToGrant) {
		t.Errorf("err = %v", err)
	}
}

func TestPermissionsECS(t *testing.T) {
	svc, err := annotations.ParseServiceARN("arn:aws:ecs:us-east-1:123456789012:service/prod/web")
	if err != nil {
		t.Fatal(err)
	}
	td, err := ParseTaskDefinition([]byte(`{"taskDefinition": {"family": "web", "taskRoleArn": "web-task",
		"executionRoleArn": "arn:aws:iam::123456789012:role/ecs/web-exec",
		"containerDefinitions": [
		  {"name": "app", "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1"}}},
		  {"name": "sidecar", "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1"}}},
		  {"name": "fluent", "logConfiguration": {"logDriver": "awsfirelens"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Permissions(PermissionOptions{Service: svc}); !errors.Is(err, ErrNoTaskDefinition) {
		t.Fatalf("err = %v", err)
	}
	d, err := Permissions(PermissionOptions{Service: svc, TaskDefinition: td})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Statement{}
	var order []string
	for _, s := range d.Statement {
		got[s.Sid] = s
		order = append(order, s.Sid)
	}
	if strings.Join(order, ",") != "DeployService,TaskDefinitions,RunTask,Tasks,ListTasks,PassTaskRoles,ReadLogs" {
		t.Errorf("order %v", order)
	}
	if r := got["RunTask"]; r.Resource[1] != "arn:aws:ecs:us-east-1:123456789012:task-definition/web:*" ||
		r.Condition["ArnEquals"]["ecs:cluster"][0] != "arn:aws:ecs:us-east-1:123456789012:cluster/prod" {
		t.Errorf("RunTask %+v", r)
	}
	if r := got["PassTaskRoles"]; strings.Join(r.Resource, " ") != "arn:aws:iam::123456789012:role/web-task arn:aws:iam::123456789012:role/ecs/web-exec" ||
		r.Condition["StringEquals"]["iam:PassedToService"][0] != "ecs-tasks.amazonaws.com" {
		t.Errorf("PassRole %+v", r)
	}
	if r := got["ReadLogs"]; len(r.Resource) != 2 || r.Resource[1] != "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:log-stream:*" {
		t.Errorf("logs %+v", r)
	}
	// Only TaskDefinitions and ListTasks (held to the cluster) are on "*".
	if r := got["ListTasks"]; r.Condition["ArnEquals"]["ecs:cluster"][0] != "arn:aws:ecs:us-east-1:123456789012:cluster/prod" {
		t.Errorf("ListTasks %+v", r)
	}
	for _, s := range d.Statement {
		if slicesContains(s.Resource, "*") != (s.Sid == "TaskDefinitions" || s.Sid == "ListTasks") {
			t.Errorf("%s: resources %v", s.Sid, s.Resource)
		}
	}
	b, _ := d.JSON()
	if err := Validate(b); err != nil {
		t.Error(err)
	}
	// Deterministic.
	d2, _ := Permissions(PermissionOptions{Service: svc, TaskDefinition: td})
	if b2, _ := d2.JSON(); string(b2) != string(b) {
		t.Error("output differs between runs")
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestParseTaskDefinitionErrors(t *testing.T) {
	for _, in := range []string{`{`, `{"family": ""}`, `{"family": "a b"}`} {
		if _, err := ParseTaskDefinition([]byte(in)); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}

func TestValidate(t *testing.T) {
	const good = `{"Version":"2012-10-17","Statement":[{"Sid":"A1","Effect":"Allow","Action":["s3:Get*","states:StartExecution"],"Resource":["*","arn:aws:s3:::bucket/*"],"Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*"]},"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}}]}`
	if err := Validate([]byte(good)); err != nil {
		t.Fatal(err)
	}
	const goodTrust = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com","AWS":["123456789012","arn:aws:iam::123456789012:root"]},"Action":"sts:AssumeRole"}}`
	if err := ValidateTrust([]byte(goodTrust)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, doc string
		kind      Kind
		want      string
	}{
		{"not json", `{`, Identity, "not JSON"},
		{"old version", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, Identity, `Version: must be "2012-10-17", found "2008-10-17"`},
		{"no version", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, Identity, "Version: is required"},
		{"unknown top-level", `{"Version":"2012-10-17","Statment":[]}`, Identity, "Statment: unknown top-level element"},
		{"no statement", `{"Version":"2012-10-17"}`, Identity, "Statement: is required"},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, Identity, "Statement: must not be empty"},
		{"bad effect", `{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}`, Identity, `Statement[0].Effect: must be Allow or Deny, found "allow"`},
		{"bad sid", `{"Version":"2012-10-17","Statement":[{"Sid":"deploy-service","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, Identity, `Statement[0].Sid: "deploy-service" may hold only letters and digits`},
		{"duplicate sid", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, Identity, `Statement[1].Sid: "A" is used by another statement`},
		{"bad action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get","StartExecution"],"Resource":"*"}]}`, Identity, `Statement[0].Action[1]: "StartExecution" is not an action`},
		{"both action and notaction", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Put*","Resource":"*"}]}`, Identity, "Statement[0]: has both Action and NotAction"},
		{"no action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`, Identity, "Statement[0].Action: is required (or NotAction)"},
		{"bad resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3"}]}`, Identity, `Statement[0].Resource[0]: "arn:aws:s3" is not "*" or an ARN`},
		{"resource not string", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":[1]}]}`, Identity, "Statement[0].Resource[0]: must be a string, found a number"},
		{"no resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`, Identity, "Statement[0].Resource: is required"},
		{"principal in identity policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, Identity, "Statement[0].Principal: is not allowed in a permission policy"},
		{"unknown operator", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqual":{"aws:x":"y"}}}]}`, Identity, `Statement[0].Condition.StringEqual: unknown condition operator "StringEqual"`},
		{"NullIfExists", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:x":"true"}}}]}`, Identity, "unknown condition operator"},
		{"bad condition key", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"sub":"y"}}}]}`, Identity, `Statement[0].Condition.StringEquals.sub: "sub" is not a condition key`},
		{"unknown statement element", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Actions":"s3:*","Resource":"*"}]}`, Identity, "Statement[0].Actions: unknown statement element"},
		{"trust without principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, Trust, "Statement[0].Principal: is required"},
		{"trust with resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`, Trust, "Statement[0].Resource: is not allowed in a role trust policy"},
		{"bad federated", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`, Trust, `Statement[0].Principal.Federated[0]: "token.actions.githubusercontent.com" is not an OIDC/SAML provider ARN`},
		{"bad principal type", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"User":"x"},"Action":"sts:AssumeRole"}]}`, Trust, "Statement[0].Principal.User: unknown principal type"},
		{"bad service principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks"},"Action":"sts:AssumeRole"}]}`, Trust, `Statement[0].Principal.Service[0]: "ecs-tasks" is not a service principal`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateKind([]byte(tt.doc), tt.kind, 0)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v\nwant %q", err, tt.want)
			}
		})
	}
}

func TestValidateSize(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"Version": "2012-10-17", "Statement": [`)
	for i := 0; i < 80; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::bucket/some/long/prefix/*\"}")
	}
	b.WriteString("]}")
	err := Validate([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "more than the limit of 6144") {
		t.Fatalf("err = %v", err)
	}
	// Whitespace does not count.
	small := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	if err := ValidateKind([]byte(strings.ReplaceAll(small, ",", ",        ")), Identity, len(small)); err != nil {
		t.Fatal(err)
	}
	if err := ValidateKind([]byte(small), Identity, len(small)-1); err == nil {
		t.Fatal("one over the limit accepted")
	}
}

func TestPermissionsRoleInAnotherAccount(t *testing.T) {
	svc, _ := annotations.ParseServiceARN("arn:aws:ecs:us-east-1:222222222222:service/staging/web")
	_, err := Permissions(PermissionOptions{Service: svc, TaskDefinition: &TaskDefinition{Family: "web", TaskRoleARN: "arn:aws:iam::111111111111:role/web"}})
	if err == nil || !strings.Contains(err.Error(), "is in account 111111111111") {
		t.Fatalf("err = %v", err)
	}
}
