package actions

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscodedeploy "github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/ecs"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// taggedCatalog names its service only by the awslabs plugin's tag
// annotation.
const taggedCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: storefront
  annotations:
    github.com/project-slug: acme/payments
    aws.amazon.com/amazon-ecs-service-tags: team=payments, app=storefront
    stagecrew.dev/environments: production
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/stagecrew-storefront
    stagecrew.dev/ecs-container: web
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
` + teamCatalog

// createShopService creates a service in cluster shop running the storefront
// task definition (registered by the first call).
func createShopService(t *testing.T, client *awsecs.Client, name string, tags map[string]string) string {
	t.Helper()
	ctx := context.Background()
	_, _ = client.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String("shop")})
	if list, _ := client.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("storefront")}); list != nil && len(list.TaskDefinitionArns) > 0 {
		td := list.TaskDefinitionArns[0] // registered by the first service
		createService(t, client, name, td, tags)
		return td
	}
	td, err := client.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{Family: aws.String("storefront"),
		ContainerDefinitions: []types.ContainerDefinition{
			{Name: aws.String("web"), Image: aws.String("nginx:1.27"), Memory: aws.Int32(256), Essential: aws.Bool(true)},
			{Name: aws.String("log-router"), Image: aws.String("fluent-bit:3"), Memory: aws.Int32(64), Essential: aws.Bool(false)}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(td.TaskDefinition.TaskDefinitionArn)
	createService(t, client, name, arn, tags)
	return arn
}

func createService(t *testing.T, client *awsecs.Client, name, td string, tags map[string]string) {
	t.Helper()
	var tt []types.Tag
	for k, v := range tags {
		tt = append(tt, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	_, err := client.CreateService(context.Background(), &awsecs.CreateServiceInput{Cluster: aws.String("shop"), ServiceName: aws.String(name),
		TaskDefinition: aws.String(td), DesiredCount: aws.Int32(1), Tags: tt})
	if err != nil {
		t.Fatal(err)
	}
}

// An entity with only the tag annotation: mode auto picks ECS, the service
// is found in moto through the Resource Groups Tagging API, and deployed
// (attached: same image); a second service with the same tags is an error
// listing both.
func TestRunECSTagLookupEndToEnd(t *testing.T) {
	h := newWorkspace(t, taggedCatalog, "MOTO_ECS_SERVICE_RUNNING=1")
	client := awsecs.NewFromConfig(h.moto.Config())
	td := createShopService(t, client, "storefront", map[string]string{"team": "payments", "app": "storefront"})
	createShopService(t, client, "checkout", map[string]string{"team": "payments", "app": "checkout"})
	h.env["INPUT_IMAGE"] = "nginx:1.27"
	h.env["INPUT_AWS-REGION"] = "us-east-1"
	res, err := h.run(t)
	if err != nil || res.Status != result.Succeeded || res.Target.Resource != "arn:aws:ecs:us-east-1:123456789012:service/shop/storefront" {
		t.Fatalf("Run: %v %+v", err, res)
	}
	out := h.read(t, "output.txt")
	if !strings.Contains(out, "task-definition-arn<<") || !strings.Contains(out, td) {
		t.Errorf("outputs lack the task definition ARN:\n%s", out)
	}

	createShopService(t, client, "storefront-canary", map[string]string{"team": "payments", "app": "storefront"})
	_, err = h.run(t)
	if !errors.Is(err, ErrNoTarget) || !errors.Is(err, ecs.ErrManyTaggedServices) || !strings.Contains(err.Error(), "service/shop/storefront, arn:aws:ecs:us-east-1:123456789012:service/shop/storefront-canary") {
		t.Errorf("two tagged services: %v", err)
	}
}

// Several containers' images, environment and secrets through the
// action's inputs, against moto with a real Secrets Manager secret; a
// secret of another account is refused before anything is registered,
// naming the line.
func TestRunECSEditsEndToEnd(t *testing.T) {
	h := newWorkspace(t, ecsCatalog, "MOTO_ECS_SERVICE_RUNNING=1")
	ctx := context.Background()
	client := awsecs.NewFromConfig(h.moto.Config())
	createShopService(t, client, "storefront", nil)
	sec, err := secretsmanager.NewFromConfig(h.moto.Config()).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("storefront/db"), SecretString: aws.String("s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	h.env["INPUT_IMAGES"] = "web=nginx:1.28\nlog-router=fluent-bit:4"
	h.env["INPUT_ENVIRONMENT-VARIABLES"] = "web:\n  LOG_LEVEL: debug\n"
	h.env["INPUT_SECRETS"] = "web.DB_PASSWORD=" + aws.ToString(sec.ARN) + "\nweb.API_KEY=arn:aws:ssm:us-east-1:210987654321:parameter/api-key"
	h.env["INPUT_TAGS"] = "team=payments"
	_, err = h.run(t)
	var ie *config.InputError
	if !errors.Is(err, ErrBadInputs) || !errors.As(err, &ie) || ie.Input != "secrets" || !strings.Contains(err.Error(), "line 2, value: web.API_KEY") || !strings.Contains(err.Error(), "account 210987654321") {
		t.Fatalf("foreign secret: %v", err)
	}
	list, _ := client.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("storefront")})
	if len(list.TaskDefinitionArns) != 1 {
		t.Fatalf("a refused deploy registered: %v", list.TaskDefinitionArns)
	}

	h.env["INPUT_SECRETS"] = "web.DB_PASSWORD=" + aws.ToString(sec.ARN)
	res, _ := h.run(t) // moto starts no deployment of a new revision: the run fails after registering
	if res == nil || res.Values[ecs.ValueRegistered] != "true" {
		t.Fatalf("deploy: %+v", res)
	}
	out, err := client.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("storefront:2"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	web, router := out.TaskDefinition.ContainerDefinitions[0], out.TaskDefinition.ContainerDefinitions[1]
	if aws.ToString(web.Image) != "nginx:1.28" || aws.ToString(router.Image) != "fluent-bit:4" || len(web.Environment) != 1 || len(web.Secrets) != 1 ||
		aws.ToString(web.Secrets[0].ValueFrom) != aws.ToString(sec.ARN) || len(out.Tags) != 1 {
		t.Errorf("revision 2: %+v %+v tags %v", web, router, out.Tags)
	}
	if o := h.read(t, "output.txt"); !strings.Contains(o, "task-definition-arn<<") || !strings.Contains(o, "task-definition/storefront:2") {
		t.Errorf("outputs:\n%s", o)
	}
}

func TestTaskInputs(t *testing.T) {
	g := &Grant{Inputs: config.Inputs{Subnets: "subnet-1, subnet-2\nsubnet-3", SecurityGroups: "sg-1", AssignPublicIP: "ENABLED",
		CapacityProviderStrategy: `[{"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 1}]`, Tags: "team=payments\nrun=42", PropagateTags: "TASK_DEFINITION"}}
	var o ecs.TaskOptions
	if err := taskInputs(g, &o); err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.Subnets, " ") != "subnet-1 subnet-2 subnet-3" || o.SecurityGroups[0] != "sg-1" || o.AssignPublicIP != types.AssignPublicIpEnabled ||
		aws.ToString(o.CapacityProviderStrategy[0].CapacityProvider) != "FARGATE_SPOT" || o.CapacityProviderStrategy[0].Weight != 3 || o.Tags["run"] != "42" {
		t.Errorf("options %+v", o)
	}
	for _, in := range []config.Inputs{{CapacityProviderStrategy: `[{"provider": "x"}]`}, {CapacityProviderStrategy: `[]`}, {Tags: "a"}, {PropagateTags: "SERVICE"}} {
		g.Inputs = in
		if err := taskInputs(g, &ecs.TaskOptions{}); !errors.Is(err, ErrBadInputs) {
			t.Errorf("%+v: %v", in, err)
		}
	}
}

func TestDeployInputsRoles(t *testing.T) {
	role, _ := annotations.ParseRoleARN("arn:aws:iam::123456789012:role/stagecrew")
	g := &Grant{Role: role, Inputs: config.Inputs{TaskRoleARN: "arn:aws:iam::210987654321:role/task"}}
	var o ecs.DeployOptions
	if err := deployInputs(g, &o); !errors.Is(err, ErrBadInputs) || !strings.Contains(err.Error(), "task-role-arn") {
		t.Errorf("foreign role: %v", err)
	}
	g.Inputs = config.Inputs{TaskRoleARN: "arn:aws:iam::123456789012:role/task", DesiredCount: "0", StopOnCancel: true, KeepRevisions: 3, Images: "web=x:1"}
	if err := deployInputs(g, &o); err != nil || o.Edits.TaskRoleARN == "" || o.DesiredCount == nil || *o.DesiredCount != 0 || !o.RollbackOnCancel || o.KeepRevisions != 3 || o.Edits.Containers["web"].Image != "x:1" {
		t.Errorf("%+v %v", o, err)
	}
	g.Inputs = config.Inputs{Images: "web x:1"}
	if err := deployInputs(g, &o); !errors.Is(err, ErrBadInputs) || !strings.Contains(err.Error(), "input images: line 1, container") {
		t.Errorf("bad images: %v", err)
	}
}

func TestECSDeployOutputs(t *testing.T) {
	reg := &result.Result{ID: "arn:td:1", Values: map[string]string{ecs.ValueTaskDefinition: "arn:td:1"}}
	if d, td, cd := ecsDeployOutputs(reg); d != "" || td != "arn:td:1" || cd != "" {
		t.Errorf("register-only: %q %q %q", d, td, cd)
	}
	bg := &result.Result{ID: "d-1", Values: map[string]string{ecs.ValueTaskDefinition: "arn:td:2", ecs.ValueCodeDeployID: "d-1"}}
	if d, td, cd := ecsDeployOutputs(bg); d != "d-1" || td != "arn:td:2" || cd != "d-1" {
		t.Errorf("blue/green: %q %q %q", d, td, cd)
	}
}

// A blue/green service (CODE_DEPLOY controller) deployed through the
// action: every AWS call goes through the CodeDeploy stand-in, which passes
// all but CodeDeploy's missing parts to moto; the outputs carry the
// CodeDeploy deployment id and the new revision.
func TestRunECSBlueGreenEndToEnd(t *testing.T) {
	h := newWorkspace(t, ecsCatalog)
	ctx := context.Background()
	client := awsecs.NewFromConfig(h.moto.Config())
	if _, err := client.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	td, err := client.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{Family: aws.String("storefront"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("nginx:1.27"), Memory: aws.Int32(256), Essential: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: aws.String("shop"), ServiceName: aws.String("storefront"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1),
		DeploymentController: &types.DeploymentController{Type: types.DeploymentControllerTypeCodeDeploy},
		LoadBalancers: []types.LoadBalancer{{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/0123456789abcdef"),
			ContainerName: aws.String("web"), ContainerPort: aws.Int32(80)}}}); err != nil {
		t.Fatal(err)
	}
	cd := awscodedeploy.NewFromConfig(h.moto.Config())
	if _, err := cd.CreateApplication(ctx, &awscodedeploy.CreateApplicationInput{ApplicationName: aws.String("storefront"), ComputePlatform: cdtypes.ComputePlatformEcs}); err != nil {
		t.Fatal(err)
	}
	if _, err := cd.CreateDeploymentGroup(ctx, &awscodedeploy.CreateDeploymentGroupInput{ApplicationName: aws.String("storefront"), DeploymentGroupName: aws.String("production"),
		ServiceRoleArn: aws.String("arn:aws:iam::123456789012:role/codedeploy")}); err != nil {
		t.Fatal(err)
	}
	standin := testenv.StartCodeDeployStandin(t, h.moto, func(_ string, poll int) testenv.CodeDeployState {
		if poll < 3 {
			return testenv.CodeDeployState{Status: "InProgress", Lifecycle: []map[string]any{testenv.LifecycleEvent("Install", "InProgress")}}
		}
		return testenv.CodeDeployState{Status: "Succeeded", Lifecycle: []map[string]any{testenv.LifecycleEvent("Install", "Succeeded"), testenv.LifecycleEvent("AllowTraffic", "Succeeded")}}
	})
	h.env["INPUT_IMAGE"] = "nginx:1.28"
	h.env["INPUT_CODEDEPLOY-APPLICATION"] = "storefront"
	h.env["INPUT_CODEDEPLOY-DEPLOYMENT-GROUP"] = "production"
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return h.env[k] }), githubactions.WithWriter(os.Stderr))
	res, err := Run(ctx, Deps{Action: a, Issuer: h.oidc.URL, AWSEndpoint: standin.URL, Log: os.Stderr})
	if err != nil || res.Status != result.Succeeded || res.Values[ecs.ValueCodeDeployID] == "" || res.ID != res.Values[ecs.ValueCodeDeployID] {
		t.Fatalf("Run: %v %+v", err, res)
	}
	out := h.read(t, "output.txt")
	for _, want := range []string{"codedeploy-deployment-id<<", res.ID, "task-definition-arn<<", "task-definition/storefront:2", "/codesuite/codedeploy/deployments/" + res.ID} {
		if !strings.Contains(out, want) {
			t.Errorf("outputs lack %q:\n%s", want, out)
		}
	}
	if n := standin.Count("CreateDeployment"); n != 1 {
		t.Errorf("%d CreateDeployment calls", n)
	}
}
