package ecs

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/iam"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// TestBlueGreenUnderEnforcedIAM runs blue/green deploys of a CODE_DEPLOY
// service (one to success, one cancelled and stopped with rollback) under
// credentials carrying exactly the policy pkg/iam generates for it, every
// call authorized twice: by moto with IAM enforced (signature and action,
// see testenv.Moto.EnforceIAM) and by IAMProxies in front of moto and of
// the CodeDeploy stand-in (resource and conditions, iam-simulate). Blue/
// green is not wired into the action yet, so this is the library entry
// point; actions/enforced_test.go runs the rolling deploy, run-task and
// Step Functions through actions.Run.
//
// moto sees only the CodeDeploy calls the stand-in forwards (CreateDeployment,
// GetDeployment, ListDeployments); StopDeployment, ListDeploymentTargets
// and GetDeploymentTarget are answered by the stand-in (moto answers 500
// to them), so only the proxy decides those.
func TestBlueGreenUnderEnforcedIAM(t *testing.T) {
	sim := testenv.StartIAMSimulator(t)
	if t.Skipped() {
		return
	}
	start := time.Now()
	var first string // the first deployment succeeds; later ones stay in flight
	b := startBlueGreen(t, func(id string, poll int) cdState {
		if first == "" {
			first = id
		}
		if id != first || poll <= 2 {
			return cdState{Status: "InProgress", Lifecycle: []map[string]any{event("Install", "Succeeded"), event("AllowTraffic", "InProgress")}}
		}
		return cdState{Status: "Succeeded", Lifecycle: []map[string]any{event("Install", "Succeeded"), event("AllowTraffic", "Succeeded")}}
	})
	ctx := context.Background()
	moto := &testenv.Moto{URL: aws.ToString(b.cfg.BaseEndpoint)}

	td, err := iam.ParseTaskDefinition([]byte(strings.Replace(motoTaskDef, `"name": "app"`, `"name": "web"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	policyDoc := func(without string) []byte {
		doc, err := iam.Permissions(iam.PermissionOptions{Service: b.svc, TaskDefinition: td, Deploy: iam.DeployOptions{KeepRevisions: true,
			CodeDeploy: &iam.CodeDeployGroup{Application: "AppECS-prod-storefront", DeploymentGroup: "DgpECS-prod-storefront"}}})
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
	trust, err := iam.TrustPolicy(iam.TrustOptions{Account: "123456789012", Repository: "acme/storefront", Environment: "production"})
	if err != nil {
		t.Fatal(err)
	}
	trustJSON, _ := trust.JSON()
	for _, c := range []testenv.AWSCall{
		testenv.IAMQuery("CreateRole", "RoleName", "stagecrew-storefront", "AssumeRolePolicyDocument", string(trustJSON)),
		testenv.IAMQuery("PutRolePolicy", "RoleName", "stagecrew-storefront", "PolicyName", "stagecrew", "PolicyDocument", projection),
	} {
		if resp, err := c.Do(ctx, b.cfg); err != nil || resp.Status != 200 {
			t.Fatalf("%v: %v %+v", c.Form.Get("Action"), err, resp)
		}
	}

	ecsProxy := testenv.StartIAMProxy(t, moto.URL, sim)
	cdProxy := testenv.StartIAMProxy(t, b.cdURL, sim)
	moto.EnforceIAM(t, 1) // the one free call: the unsigned AssumeRoleWithWebIdentity
	defer moto.RelaxIAM(t)
	assumed, err := sts.NewFromConfig(b.cfg).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/stagecrew-storefront"), RoleSessionName: aws.String("octocat"), WebIdentityToken: aws.String("header.payload.signature")})
	if err != nil {
		t.Fatal(err)
	}
	creds := credentials.NewStaticCredentialsProvider(aws.ToString(assumed.Credentials.AccessKeyId), aws.ToString(assumed.Credentials.SecretAccessKey), aws.ToString(assumed.Credentials.SessionToken))
	principal := aws.ToString(assumed.AssumedRoleUser.Arn)
	enforce := func(p []byte) {
		for _, proxy := range []*testenv.IAMProxy{ecsProxy, cdProxy} {
			proxy.Calls()
			proxy.Enforce(principal, "123456789012", map[string]json.RawMessage{"stagecrew": p})
		}
	}
	calls := func() (ops []string, denied *testenv.IAMRequest, motoDenied string) {
		for _, proxy := range []*testenv.IAMProxy{ecsProxy, cdProxy} {
			for _, c := range proxy.Calls() {
				if c.Err != "" {
					t.Errorf("%s: %s", c.Operation, c.Err)
				}
				if !slices.Contains(ops, c.Operation) {
					ops = append(ops, c.Operation)
				}
				if c.Denied != nil && denied == nil {
					denied = c.Denied
				}
				if c.MotoDenied {
					motoDenied = c.Operation
				}
			}
		}
		return ops, denied, motoDenied
	}
	cfgFor := func(url string) aws.Config {
		c := b.cfg.Copy()
		c.BaseEndpoint, c.Credentials = aws.String(url), creds
		return c
	}
	runner := func(out *bytes.Buffer) *Runner {
		return &Runner{ECS: ecs.NewFromConfig(cfgFor(ecsProxy.URL)), Logs: cloudwatchlogs.NewFromConfig(cfgFor(ecsProxy.URL)),
			CodeDeploy: codedeploy.NewFromConfig(cfgFor(cdProxy.URL)), Out: out,
			Wait: WaitOptions{MinDelay: 50 * time.Millisecond, MaxDelay: 400 * time.Millisecond, Timeout: time.Minute}}
	}

	t.Logf("setup: %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()

	// To success.
	enforce(policy)
	var out bytes.Buffer
	res, err := runner(&out).Deploy(ctx, DeployOptions{Service: b.svc, Container: "web", Image: "registry.example/storefront:2", KeepRevisions: 5})
	ops, denied, motoDenied := calls()
	if err != nil || res.Status != result.Succeeded || denied != nil || motoDenied != "" {
		t.Fatalf("blue/green: %+v %v, denied %+v, moto denied %q\n%s", res, err, denied, motoDenied, &out)
	}
	for _, want := range []string{"ecs:DescribeServices", "ecs:RegisterTaskDefinition", "codedeploy:CreateDeployment", "codedeploy:GetDeployment", "codedeploy:ListDeploymentTargets", "codedeploy:GetDeploymentTarget"} {
		if !slices.Contains(ops, want) {
			t.Errorf("the deploy made no %s call (calls: %v): nothing was proven about it", want, ops)
		}
	}

	t.Logf("blue/green to success: %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()

	// Cancelled during traffic shifting, stopped with rollback.
	enforce(policy)
	out.Reset()
	r := runner(&out)
	cctx, cancel := context.WithCancel(ctx)
	r.CodeDeploy = &cancelOnPoll{CodeDeployAPI: r.CodeDeploy, n: 3, cancel: cancel}
	res, err = r.Deploy(cctx, DeployOptions{Service: b.svc, Container: "web", Image: "registry.example/storefront:3", RollbackOnCancel: true})
	cancel()
	ops, denied, motoDenied = calls()
	if err != nil || res.Status != result.Cancelled || res.Values[ValueCodeDeployStop] != "Pending" || denied != nil || motoDenied != "" || !slices.Contains(ops, "codedeploy:StopDeployment") {
		t.Fatalf("cancel: %+v %v, denied %+v, moto denied %q, calls %v\n%s", res, err, denied, motoDenied, ops, &out)
	}

	t.Logf("blue/green cancelled: %v", time.Since(start).Round(time.Millisecond))

	// Not vacuous: without the statement for the targets and the stop
	// (on "*", as IAM authorizes them), the watch is denied (the runner
	// keeps polling the deployment, which stays in flight here, until its
	// timeout).
	enforce(policyDoc("BlueGreenTargets"))
	out.Reset()
	r = runner(&out)
	r.Wait.Timeout = 2 * time.Second
	res, err = r.Deploy(ctx, DeployOptions{Service: b.svc, Container: "web", Image: "registry.example/storefront:4"})
	_, denied, _ = calls()
	if denied == nil || !strings.HasPrefix(denied.Action, "codedeploy:") || denied.Resource != "*" || (err == nil && res.Status.OK()) {
		t.Errorf("without BlueGreenTargets: %+v %v, denied %+v\n%s", res, err, denied, &out)
	}

	// Nor is moto's layer: without codedeploy:CreateDeployment in its
	// copy, moto itself refuses the start.
	moto.RelaxIAM(t)
	projection, err = testenv.MotoProjection(policy, "codedeploy:CreateDeployment")
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := testenv.IAMQuery("PutRolePolicy", "RoleName", "stagecrew-storefront", "PolicyName", "stagecrew", "PolicyDocument", projection).Do(ctx, b.cfg); err != nil || resp.Status != 200 {
		t.Fatalf("PutRolePolicy: %v %+v", err, resp)
	}
	moto.EnforceIAM(t, 0)
	enforce(policy)
	out.Reset()
	res, err = runner(&out).Deploy(ctx, DeployOptions{Service: b.svc, Container: "web", Image: "registry.example/storefront:5"})
	_, denied, motoDenied = calls()
	if denied != nil || motoDenied != "codedeploy:CreateDeployment" || (err == nil && res.Status.OK()) {
		t.Errorf("moto without codedeploy:CreateDeployment: %+v %v, proxy denied %+v, moto denied %q\n%s", res, err, denied, motoDenied, &out)
	}
}
