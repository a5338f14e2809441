package ecs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// bgEnv is moto with a blue/green service (deployment controller
// CODE_DEPLOY, a load balancer on web:8080), its CodeDeploy application and
// deployment group in moto, and the CodeDeploy stand-in in front
// (testenv.CodeDeployStandin: moto 5.2.1 keeps deployments but models no
// status progression, lifecycle events or StopDeployment).
type bgEnv struct {
	*motoEnv
	cd      *testenv.CodeDeployStandin
	cdURL   string // cd.URL
	firstTD string
}

func startBlueGreen(t *testing.T, scenario func(id string, poll int) testenv.CodeDeployState) *bgEnv {
	t.Helper()
	m := testenv.StartMoto(t)
	e := newMotoEnv(t, m.Config())
	ctx := context.Background()
	reg, err := e.runner(e.ecs, nil).Deploy(ctx, DeployOptions{RegisterOnly: true, TaskDefinitionFile: []byte(strings.Replace(motoTaskDef, `"name": "app"`, `"name": "web"`, 1))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("storefront"), TaskDefinition: aws.String(reg.ID),
		DesiredCount: aws.Int32(2), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: e.network,
		DeploymentController: &types.DeploymentController{Type: types.DeploymentControllerTypeCodeDeploy},
		LoadBalancers: []types.LoadBalancer{{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/0123456789abcdef"),
			ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}}}); err != nil {
		t.Fatal(err)
	}
	cd := codedeploy.NewFromConfig(m.Config())
	if _, err := cd.CreateApplication(ctx, &codedeploy.CreateApplicationInput{ApplicationName: aws.String("AppECS-prod-storefront"), ComputePlatform: cdtypes.ComputePlatformEcs}); err != nil {
		t.Fatal(err)
	}
	if _, err := cd.CreateDeploymentGroup(ctx, &codedeploy.CreateDeploymentGroupInput{ApplicationName: aws.String("AppECS-prod-storefront"),
		DeploymentGroupName: aws.String("DgpECS-prod-storefront"), ServiceRoleArn: aws.String("arn:aws:iam::123456789012:role/codedeploy"),
		DeploymentConfigName: aws.String("CodeDeployDefault.ECSAllAtOnce"),
		EcsServices:          []cdtypes.ECSService{{ClusterName: aws.String("prod"), ServiceName: aws.String("storefront")}},
		DeploymentStyle:      &cdtypes.DeploymentStyle{DeploymentOption: cdtypes.DeploymentOptionWithTrafficControl, DeploymentType: cdtypes.DeploymentTypeBlueGreen}}); err != nil {
		t.Fatal(err)
	}
	cds := testenv.StartCodeDeployStandin(t, m, scenario)
	return &bgEnv{motoEnv: e, cd: cds, cdURL: cds.URL, firstTD: reg.ID}
}

// Short names of the stand-in's scenario parts.
type cdState = testenv.CodeDeployState

func event(name, status string) map[string]any { return testenv.LifecycleEvent(name, status) }

func (b *bgEnv) runner(out *bytes.Buffer) *Runner {
	r := b.motoEnv.runner(b.ecs, out)
	cfg := b.cfg.Copy()
	cfg.BaseEndpoint = aws.String(b.cd.URL)
	r.CodeDeploy = codedeploy.NewFromConfig(cfg)
	return r
}

// A blue/green deploy: the AppSpec built from the service's load balancer,
// progress through the lifecycle events, success; a rerun while it is in
// flight attaches to it.
func TestBlueGreenDeploy(t *testing.T) {
	b := startBlueGreen(t, func(id string, poll int) testenv.CodeDeployState {
		switch {
		case poll <= 2:
			return testenv.CodeDeployState{Status: "InProgress", Lifecycle: []map[string]any{testenv.LifecycleEvent("BeforeInstall", "Succeeded"), testenv.LifecycleEvent("Install", "InProgress")}}
		case poll <= 4:
			return testenv.CodeDeployState{Status: "InProgress", Lifecycle: []map[string]any{testenv.LifecycleEvent("BeforeInstall", "Succeeded"), testenv.LifecycleEvent("Install", "Succeeded"), testenv.LifecycleEvent("AfterAllowTestTraffic", "InProgress")}}
		}
		return testenv.CodeDeployState{Status: "Succeeded", Lifecycle: []map[string]any{testenv.LifecycleEvent("BeforeInstall", "Succeeded"), testenv.LifecycleEvent("Install", "Succeeded"), testenv.LifecycleEvent("AfterAllowTestTraffic", "Succeeded"), testenv.LifecycleEvent("AllowTraffic", "Succeeded")}}
	})
	ctx := context.Background()
	var out bytes.Buffer
	r := b.runner(&out)
	opts := DeployOptions{Service: b.svc, Container: "web", Image: "registry.example/storefront:2", KeepRevisions: 5,
		Target: result.Target{Entity: "component:default/storefront", Environment: "production"}}

	r.NoWait = true
	started, err := r.Deploy(ctx, opts)
	if err != nil || started.Status != result.Running || started.Values[ValueCodeDeployID] == "" || started.Values[ValueDeploymentController] != "CODE_DEPLOY" {
		t.Fatalf("start: %+v %v\n%s", started, err, &out)
	}
	r.NoWait = false
	res, err := r.Deploy(ctx, opts)
	if err != nil || res.Status != result.Succeeded || !res.Attached || res.ID != started.ID {
		t.Fatalf("rerun: %+v %v\n%s", res, err, &out)
	}
	if n := b.cd.Count("CreateDeployment"); n != 1 {
		t.Errorf("%d CreateDeployment calls", n)
	}
	// The AppSpec names the new revision, the service's container and port.
	var spec struct {
		Resources []map[string]struct {
			Type       string
			Properties struct {
				TaskDefinition   string
				LoadBalancerInfo struct {
					ContainerName string
					ContainerPort int
				}
			}
		}
	}
	create := b.cd.Creates()[0]
	rev := create["revision"].(map[string]any)["appSpecContent"].(map[string]any)
	if err := json.Unmarshal([]byte(rev["content"].(string)), &spec); err != nil {
		t.Fatal(err)
	}
	ts := spec.Resources[0]["TargetService"]
	if ts.Type != "AWS::ECS::Service" || tdKey(ts.Properties.TaskDefinition) != "storefront:2" || ts.Properties.LoadBalancerInfo.ContainerName != "web" || ts.Properties.LoadBalancerInfo.ContainerPort != 8080 {
		t.Errorf("AppSpec %s", rev["content"])
	}
	if rev["sha256"] != sha256Hex(rev["content"].(string)) || !strings.Contains(create["description"].(string), "storefront:2 for component:default/storefront in production") {
		t.Errorf("create %v", create)
	}
	if _, ok := create["autoRollbackConfiguration"]; ok {
		t.Errorf("rollback asked for without rollback-on-failure: %v", create)
	}
	log := out.String()
	for _, want := range []string{"lifecycle event Install: InProgress", "lifecycle event AfterAllowTestTraffic: Succeeded", "CodeDeploy deployment " + res.ID + " succeeded"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if !strings.HasPrefix(res.Links[0].URL, "https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/"+res.ID) {
		t.Errorf("links %v", res.Links)
	}
	// The service is not updated by stagecrew: CodeDeploy does it.
	if svc := b.service(t); !sameTD(aws.ToString(svc.TaskDefinition), b.firstTD) {
		t.Errorf("UpdateService was called on a CODE_DEPLOY service: %s", aws.ToString(svc.TaskDefinition))
	}
}

// A lifecycle hook fails: the result names the hook, its diagnostics, the
// deployment's error, and the rollback CodeDeploy did (asked for with
// rollback-on-failure).
func TestBlueGreenHookFailure(t *testing.T) {
	b := startBlueGreen(t, func(id string, poll int) testenv.CodeDeployState {
		if poll <= 2 {
			return testenv.CodeDeployState{Status: "InProgress", Lifecycle: []map[string]any{testenv.LifecycleEvent("Install", "Succeeded"), testenv.LifecycleEvent("AfterAllowTestTraffic", "InProgress")}}
		}
		failed := testenv.LifecycleEvent("AfterAllowTestTraffic", "Failed")
		failed["diagnostics"] = map[string]any{"errorCode": "ScriptFailed", "scriptName": "arn:aws:lambda:us-east-1:123456789012:function:smoke-test",
			"message": "smoke test: GET /health answered 502", "logTail": "checking /health\n502 Bad Gateway\n"}
		return testenv.CodeDeployState{Status: "Failed", Lifecycle: []map[string]any{testenv.LifecycleEvent("Install", "Succeeded"), failed, testenv.LifecycleEvent("AllowTraffic", "Skipped")},
			Error:    map[string]any{"code": "HOOK_EXECUTION_FAILURE", "message": "The deployment failed because one or more of the lifecycle event validation functions failed."},
			Rollback: map[string]any{"rollbackDeploymentId": "d-ROLLBACK0", "rollbackMessage": "Automatic rollback triggered by a failed deployment"}}
	})
	var out bytes.Buffer
	r := b.runner(&out)
	res, err := r.Deploy(context.Background(), DeployOptions{Service: b.svc, Image: "registry.example/storefront:3", Rollback: true,
		CodeDeploy: CodeDeployOptions{Config: "CodeDeployDefault.ECSCanary10Percent5Minutes"}})
	if err != nil || res.Status != result.Failed || res.Failure == nil {
		t.Fatalf("%+v %v\n%s", res, err, &out)
	}
	f := res.Failure
	if f.Error != "HOOK_EXECUTION_FAILURE" || !strings.Contains(f.Cause, "lifecycle event validation functions failed") || f.Where != res.ID+"/AfterAllowTestTraffic" {
		t.Errorf("failure %+v", f)
	}
	details := strings.Join(f.Details, "\n")
	for _, want := range []string{"[ScriptFailed] hook arn:aws:lambda:us-east-1:123456789012:function:smoke-test: smoke test: GET /health answered 502; log tail: checking /health | 502 Bad Gateway",
		"CodeDeploy rolled back in deployment d-ROLLBACK0"} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q:\n%s", want, details)
		}
	}
	if res.Values[ValueRollbackDeploymentID] != "d-ROLLBACK0" {
		t.Errorf("values %v", res.Values)
	}
	c := b.cd.Creates()[0]
	if c["deploymentConfigName"] != "CodeDeployDefault.ECSCanary10Percent5Minutes" || c["autoRollbackConfiguration"].(map[string]any)["enabled"] != true {
		t.Errorf("create %v", c)
	}
}

// cancelOnPoll cancels the context at the n-th GetDeployment, as the
// runner's SIGTERM would.
type cancelOnPoll struct {
	CodeDeployAPI
	n      int
	cancel context.CancelFunc
}

func (c *cancelOnPoll) GetDeployment(ctx context.Context, in *codedeploy.GetDeploymentInput, opts ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return c.CodeDeployAPI.GetDeployment(ctx, in, opts...)
}

// Cancelled while CodeDeploy shifts traffic: with RollbackOnCancel the
// deployment is stopped with automatic rollback; without, it is left.
func TestBlueGreenCancel(t *testing.T) {
	b := startBlueGreen(t, func(string, int) testenv.CodeDeployState {
		return testenv.CodeDeployState{Status: "InProgress", Lifecycle: []map[string]any{testenv.LifecycleEvent("Install", "Succeeded"), testenv.LifecycleEvent("AllowTraffic", "InProgress")}}
	})
	for i, back := range []bool{false, true} {
		var out bytes.Buffer
		r := b.runner(&out)
		ctx, cancel := context.WithCancel(context.Background())
		r.CodeDeploy = &cancelOnPoll{CodeDeployAPI: r.CodeDeploy, n: 3, cancel: cancel}
		res, err := r.Deploy(ctx, DeployOptions{Service: b.svc, Image: "registry.example/storefront:" + []string{"4", "5"}[i], RollbackOnCancel: back})
		cancel()
		if err != nil || res.Status != result.Cancelled {
			t.Fatalf("back=%v: %+v %v\n%s", back, res, err, &out)
		}
		if !back {
			if len(b.cd.Stops()) != 0 || !strings.Contains(res.Failure.Cause, "the deployment goes on") {
				t.Errorf("left: stops %v, %+v", b.cd.Stops(), res.Failure)
			}
			continue
		}
		if len(b.cd.Stops()) != 1 || b.cd.Stops()[0] != (testenv.CodeDeployStop{ID: res.ID, AutoRollback: true}) || res.Values[ValueCodeDeployStop] != "Pending" ||
			!strings.Contains(res.Failure.Cause, "told to stop and roll back (the workflow run was cancelled)") {
			t.Errorf("stop on cancel: stops %v, %v, %+v", b.cd.Stops(), res.Values, res.Failure)
		}
	}
}

func TestAppSpec(t *testing.T) {
	td := "arn:aws:ecs:us-east-1:123456789012:task-definition/storefront:9"
	file := []byte("version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: <TASK_DEFINITION>\n        LoadBalancerInfo:\n          ContainerName: web\n          ContainerPort: 8080\nHooks:\n  - AfterAllowTestTraffic: arn:aws:lambda:us-east-1:123456789012:function:smoke\n")
	content, sha, err := AppSpec(file, td, nil)
	if err != nil || !strings.Contains(content, `"TaskDefinition":"`+td+`"`) || !strings.Contains(content, `"AfterAllowTestTraffic":"arn:aws:lambda:us-east-1:123456789012:function:smoke"`) || sha != sha256Hex(content) {
		t.Errorf("%s %s %v", content, sha, err)
	}
	for _, bad := range [][]byte{[]byte("version: 0.0\n"), []byte("[1, 2]"), []byte("Resources:\n  - TargetService:\n      Type: AWS::ECS::Service\n")} {
		if _, _, err := AppSpec(bad, td, nil); !errors.Is(err, ErrAppSpec) {
			t.Errorf("AppSpec(%q) = %v", bad, err)
		}
	}
	if _, _, err := AppSpec(nil, td, &types.Service{}); !errors.Is(err, ErrAppSpec) || !strings.Contains(err.Error(), "give an AppSpec file") {
		t.Errorf("no load balancer: %v", err)
	}
}

func FuzzAppSpec(f *testing.F) {
	f.Add([]byte("version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties: {TaskDefinition: x}\n"))
	f.Add([]byte(`{"Resources": [{"a": {"Type": "AWS::ECS::Service", "Properties": null}}]}`))
	f.Fuzz(func(t *testing.T, file []byte) {
		content, sha, err := AppSpec(file, "arn:aws:ecs:us-east-1:123456789012:task-definition/f:1", nil)
		if err != nil {
			if !errors.Is(err, ErrAppSpec) {
				t.Fatalf("error %v does not wrap ErrAppSpec", err)
			}
			return
		}
		if !json.Valid([]byte(content)) || sha != sha256Hex(content) || !strings.Contains(content, "task-definition/f:1") {
			t.Fatalf("content %s", content)
		}
	})
}
