package testenv

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// iamCases are calls stagecrew makes, with the IAM requests they must map
// to.
var iamCases = []struct {
	call awsCall
	want []IAMRequest
}{
	{awsCall{service: "ecs", operation: "DescribeServices", body: map[string]any{"cluster": "prod", "services": []any{"web"}}},
		[]IAMRequest{{Action: "ecs:DescribeServices", Resource: "arn:aws:ecs:us-east-1:123456789012:service/prod/web", Context: map[string]string{"ecs:cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod"}}}},
	{awsCall{service: "ecs", operation: "UpdateService", body: map[string]any{"cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "service": "arn:aws:ecs:us-east-1:123456789012:service/prod/web"}},
		[]IAMRequest{{Action: "ecs:UpdateService", Resource: "arn:aws:ecs:us-east-1:123456789012:service/prod/web", Context: map[string]string{"ecs:cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod"}}}},
	{awsCall{service: "ecs", operation: "RegisterTaskDefinition", body: map[string]any{"family": "web", "taskRoleArn": "web-task", "executionRoleArn": "arn:aws:iam::123456789012:role/ecs/web-exec"}},
		[]IAMRequest{{Action: "ecs:RegisterTaskDefinition", Resource: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:*"},
			{Action: "iam:PassRole", Resource: "arn:aws:iam::123456789012:role/web-task", Context: map[string]string{"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
			{Action: "iam:PassRole", Resource: "arn:aws:iam::123456789012:role/ecs/web-exec", Context: map[string]string{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}},
	{awsCall{service: "ecs", operation: "DescribeTaskDefinition", body: map[string]any{"taskDefinition": "web"}},
		[]IAMRequest{{Action: "ecs:DescribeTaskDefinition", Resource: "*"}}},
	{awsCall{service: "ecs", operation: "RunTask", body: map[string]any{"cluster": "prod", "taskDefinition": "web:3"}},
		[]IAMRequest{{Action: "ecs:RunTask", Resource: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3", Context: map[string]string{"ecs:cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod"}}}},
	{awsCall{service: "ecs", operation: "DescribeTasks", body: map[string]any{"cluster": "prod", "tasks": []any{"abc"}}},
		[]IAMRequest{{Action: "ecs:DescribeTasks", Resource: "arn:aws:ecs:us-east-1:123456789012:task/prod/abc", Context: map[string]string{"ecs:cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod"}}}},
	{awsCall{service: "ecs", operation: "StopTask", body: map[string]any{"cluster": "prod", "task": "arn:aws:ecs:us-east-1:123456789012:task/prod/abc"}},
		[]IAMRequest{{Action: "ecs:StopTask", Resource: "arn:aws:ecs:us-east-1:123456789012:task/prod/abc", Context: map[string]string{"ecs:cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod"}}}},
	{awsCall{service: "ecs", operation: "ListTasks", body: map[string]any{"cluster": "prod", "startedBy": "x"}},
		[]IAMRequest{{Action: "ecs:ListTasks", Resource: "*", Context: map[string]string{"ecs:cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod"}}}},
	{awsCall{service: "states", operation: "StartExecution", body: map[string]any{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:pay"}},
		[]IAMRequest{{Action: "states:StartExecution", Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:pay"}}},
	{awsCall{service: "states", operation: "StartExecution", body: map[string]any{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:pay:live"}},
		[]IAMRequest{{Action: "states:StartExecution", Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:pay:live", Context: map[string]string{"states:StateMachineQualifier": "live"}}}},
	{awsCall{service: "states", operation: "GetExecutionHistory", body: map[string]any{"executionArn": "arn:aws:states:us-east-1:123456789012:execution:pay:x"}},
		[]IAMRequest{{Action: "states:GetExecutionHistory", Resource: "arn:aws:states:us-east-1:123456789012:execution:pay:x"}}},
	{awsCall{service: "states", operation: "UpdateStateMachine", body: map[string]any{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:pay", "publish": true}},
		[]IAMRequest{{Action: "states:UpdateStateMachine", Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:pay"}}},
	{awsCall{service: "states", operation: "CreateStateMachineAlias", body: map[string]any{"name": "live", "routingConfiguration": []any{map[string]any{"stateMachineVersionArn": "arn:aws:states:us-east-1:123456789012:stateMachine:pay:3", "weight": 100}}}},
		[]IAMRequest{{Action: "states:CreateStateMachineAlias", Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:pay:live", Context: map[string]string{"states:StateMachineQualifier": "live"}}}},
	{awsCall{service: "states", operation: "UpdateStateMachineAlias", body: map[string]any{"stateMachineAliasArn": "arn:aws:states:us-east-1:123456789012:stateMachine:pay:live"}},
		[]IAMRequest{{Action: "states:UpdateStateMachineAlias", Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:pay:live", Context: map[string]string{"states:StateMachineQualifier": "live"}}}},
	{awsCall{service: "states", operation: "ListStateMachineVersions", body: map[string]any{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:pay"}},
		[]IAMRequest{{Action: "states:ListStateMachineVersions", Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:pay"}}},
	{awsCall{service: "logs", operation: "GetLogEvents", body: map[string]any{"logGroupName": "/ecs/web", "logStreamName": "app/app/abc"}},
		[]IAMRequest{{Action: "logs:GetLogEvents", Resource: "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:log-stream:app/app/abc"}}},
	{awsCall{service: "codedeploy", operation: "CreateDeployment", body: map[string]any{"applicationName": "app", "deploymentGroupName": "grp"}},
		[]IAMRequest{{Action: "codedeploy:CreateDeployment", Resource: "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:app/grp"}}},
	{awsCall{service: "tagging", operation: "GetResources", body: map[string]any{}},
		[]IAMRequest{{Action: "tag:GetResources", Resource: "*"}}},
	{awsCall{service: "secretsmanager", operation: "GetSecretValue", body: map[string]any{"SecretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}},
		[]IAMRequest{{Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}}},
}

func TestIAMRequests(t *testing.T) {
	p := &IAMProxy{deployments: map[string]string{}}
	for _, c := range iamCases {
		c.call.region = "us-east-1"
		got, err := p.iamRequests(c.call, "123456789012")
		if err != nil {
			t.Errorf("%s:%s: %v", c.call.service, c.call.operation, err)
			continue
		}
		for i := range c.want {
			c.want[i].Account = "123456789012"
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(c.want)
		if string(g) != string(w) {
			t.Errorf("%s:%s:\n got %s\nwant %s", c.call.service, c.call.operation, g, w)
		}
	}
	if _, err := p.iamRequests(awsCall{service: "ecs", operation: "DeleteCluster", region: "us-east-1"}, "123456789012"); err == nil || !strings.Contains(err.Error(), "no IAM mapping for ecs:DeleteCluster") {
		t.Errorf("unmapped operation: %v", err)
	}
	if _, err := p.iamRequests(awsCall{service: "codedeploy", operation: "GetDeployment", region: "us-east-1", body: map[string]any{"deploymentId": "d-1"}}, "123456789012"); err == nil {
		t.Error("GetDeployment of an unknown deployment was mapped")
	}
}

// TestIAMRequestsAgainstReference checks every mapping against the Service
// Authorization Reference through iam-simulate: under a policy allowing
// everything, each request must be Allowed, with no resource of a type the
// action does not take and no context key the action does not know (either
// is an error from Decide). A policy allowing nothing denies each.
func TestIAMRequestsAgainstReference(t *testing.T) {
	sim := StartIAMSimulator(t)
	if t.Skipped() {
		return
	}
	p := &IAMProxy{deployments: map[string]string{}}
	all := map[string]json.RawMessage{"all": json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}
	none := map[string]json.RawMessage{"none": json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`)}
	for _, c := range iamCases {
		c.call.region = "us-east-1"
		reqs, err := p.iamRequests(c.call, "123456789012")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			r.Principal = "arn:aws:sts::123456789012:assumed-role/r/s"
			if d, err := sim.Decide(r, all); err != nil || !d.Allowed() {
				t.Errorf("%s on %s under Allow *: %+v %v", r.Action, r.Resource, d, err)
			}
			if d, err := sim.Decide(r, none); err != nil || d.Allowed() {
				t.Errorf("%s on %s under no grant: %+v %v", r.Action, r.Resource, d, err)
			}
		}
	}
}

func FuzzParseAWSCall(f *testing.F) {
	f.Add("AmazonEC2ContainerServiceV20141113.DescribeServices", "ecs", `{"cluster":"prod","services":["web"]}`)
	f.Add("AWSStepFunctions.StartExecution", "states", `{"stateMachineArn":"arn:aws:states:us-east-1:1:stateMachine:a:b"}`)
	f.Add("", "sts", "Action=AssumeRoleWithWebIdentity&RoleArn=arn")
	f.Add("Logs_20140328.GetLogEvents", "logs", `{"logGroupIdentifier":"arn:aws:logs:us-east-1:1:log-group:g"}`)
	f.Add("CodeDeploy_20141006.GetDeployment", "codedeploy", `{"deploymentId":1}`)
	f.Fuzz(func(t *testing.T, target, service, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		if target != "" {
			r.Header.Set("X-Amz-Target", target)
		}
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=x")
		call, _, err := parseAWSCall(r, []byte(body))
		if err != nil {
			return
		}
		p := &IAMProxy{deployments: map[string]string{}}
		reqs, err := p.iamRequests(call, "123456789012")
		if err != nil {
			return
		}
		for _, q := range reqs {
			if q.Action == "" || (q.Resource != "*" && !strings.HasPrefix(q.Resource, "arn:")) {
				t.Errorf("request %+v from %s %s", q, target, body)
			}
		}
	})
}
