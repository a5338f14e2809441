package testenv

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// InAccount returns a configuration pointed at the server whose calls act
// in account (12 digits) and region: credentials of a role assumed in that
// account, which moto scopes to the role's account. Resources created
// with it live in that account, as in a multi-account organisation.
func (m *Moto) InAccount(t testing.TB, account, region string) aws.Config {
	t.Helper()
	cfg := m.Config()
	cfg.Region = region
	out, err := sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/testenv-setup"), RoleSessionName: aws.String("testenv-setup")})
	if err != nil {
		t.Fatalf("testenv: assume a role in account %s: %v", account, err)
	}
	c := out.Credentials
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return cfg
}

// ModelStateMachines turns moto's execution of Step Functions state
// machines off. With execution on (StartMoto's default), moto 5.2.1 keeps
// state machines in its executing backend, which the Resource Groups
// Tagging API's GetResources does not read: tagged state machines are
// never listed there. Tests that list tags, and execute nothing, call it.
func (m *Moto) ModelStateMachines(t testing.TB) {
	t.Helper()
	m.post(t, "/moto-api/config", `{"stepfunctions": {"execute_state_machine": false}}`)
}
