package stepfunctions

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/iam"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// testDeployUnderEnforcedIAM (a subtest of TestDeployAgainstMoto, on its
// server): a deploy (publish, new alias, canary to 100 %)
// under credentials carrying exactly the policy pkg/iam generates for it,
// each call authorized by moto with IAM enforced (signature and action)
// and by an IAMProxy in front of moto (resource and conditions,
// iam-simulate); without the alias statement, the alias calls are denied.
func testDeployUnderEnforcedIAM(t *testing.T, e *motoEnv) {
	sim := testenv.StartIAMSimulator(t)
	if t.Skipped() {
		return
	}
	sm := e.machine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	ctx := context.Background()
	cfg := e.m.Config()
	role, _ := annotations.ParseRoleARN(roleA)
	policyDoc := func(without string) []byte {
		doc, err := iam.Permissions(iam.PermissionOptions{StateMachine: sm, DefinitionDeploy: &iam.DefinitionDeploy{Alias: "staging", Role: role}})
		if err != nil {
			t.Fatal(err)
		}
		doc.Statement = slices.DeleteFunc(doc.Statement, func(s iam.Statement) bool { return s.Sid == without })
		out, err := doc.JSON()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	policy := policyDoc("")
	projection, err := testenv.MotoProjection(policy)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := iam.TrustPolicy(iam.TrustOptions{Account: "123456789012", Repository: "acme/orders", Environment: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	trustJSON, _ := trust.JSON()
	for _, c := range []testenv.AWSCall{
		testenv.IAMQuery("CreateRole", "RoleName", "stagecrew-orders", "AssumeRolePolicyDocument", string(trustJSON)),
		testenv.IAMQuery("PutRolePolicy", "RoleName", "stagecrew-orders", "PolicyName", "stagecrew", "PolicyDocument", projection),
	} {
		if resp, err := c.Do(ctx, cfg); err != nil || resp.Status != 200 {
			t.Fatalf("%v: %v %+v", c.Form.Get("Action"), err, resp)
		}
	}
	proxy := testenv.StartIAMProxy(t, e.m.URL, sim)
	e.m.EnforceIAM(t, 1) // the one free call: the unsigned AssumeRoleWithWebIdentity
	defer e.m.RelaxIAM(t)
	assumed, err := sts.NewFromConfig(cfg).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/stagecrew-orders"), RoleSessionName: aws.String("octocat"), WebIdentityToken: aws.String("header.payload.signature")})
	if err != nil {
		t.Fatal(err)
	}
	creds := credentials.NewStaticCredentialsProvider(aws.ToString(assumed.Credentials.AccessKeyId), aws.ToString(assumed.Credentials.SecretAccessKey), aws.ToString(assumed.Credentials.SessionToken))
	principal := aws.ToString(assumed.AssumedRoleUser.Arn)
	pcfg := cfg.Copy()
	pcfg.BaseEndpoint, pcfg.Credentials = aws.String(proxy.URL), creds
	d := &Deployer{Client: sfn.NewFromConfig(pcfg), MinDelay: 20 * time.Millisecond, MaxDelay: 50 * time.Millisecond}
	calls := func() (ops []string, denied *testenv.IAMRequest) {
		for _, c := range proxy.Calls() {
			if c.Err != "" {
				t.Errorf("%s: %s", c.Operation, c.Err)
			}
			if !slices.Contains(ops, c.Operation) {
				ops = append(ops, c.Operation)
			}
			if (c.Denied != nil || c.MotoDenied) && denied == nil {
				denied = c.Denied
				if denied == nil {
					denied = &testenv.IAMRequest{Action: c.Operation + " (moto)"}
				}
			}
		}
		return ops, denied
	}

	proxy.Enforce(principal, "123456789012", map[string]json.RawMessage{"stagecrew": policy})
	if _, err := d.Deploy(ctx, deployRequest(sm, defV1)); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	req := deployRequest(sm, defV2)
	req.Canary = Canary{Weight: 10, Window: 100 * time.Millisecond}
	res, err := d.Deploy(ctx, req)
	ops, denied := calls()
	if err != nil || res.Status != result.Succeeded || denied != nil {
		t.Fatalf("canary deploy: %+v, %v, denied %+v", res, err, denied)
	}
	for _, want := range []string{"states:DescribeStateMachine", "states:UpdateStateMachine", "states:CreateStateMachineAlias",
		"states:DescribeStateMachineAlias", "states:UpdateStateMachineAlias", "states:ListExecutions"} {
		if !slices.Contains(ops, want) {
			t.Errorf("no %s call (calls %v): nothing was proven about it", want, ops)
		}
	}

	// Not vacuous: without DeployAlias the alias cannot be read.
	proxy.Enforce(principal, "123456789012", map[string]json.RawMessage{"stagecrew": policyDoc("DeployAlias")})
	_, err = d.Deploy(ctx, deployRequest(sm, defV1))
	if _, denied := calls(); err == nil || denied == nil || denied.Action != "states:DescribeStateMachineAlias" {
		t.Errorf("without DeployAlias: %v, denied %+v", err, denied)
	}
}
