package actions

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/result"
)

const ecsCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: storefront
  annotations:
    github.com/project-slug: acme/payments
    aws.amazon.com/amazon-ecs-service-arn: arn:aws:ecs:us-east-1:123456789012:service/shop/storefront
    stagecrew.dev/environments: production
    stagecrew.dev/role-arn: arn:aws:iam::123456789012:role/stagecrew-storefront
    stagecrew.dev/ecs-container: web
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  children: []
  members: [jane]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jane
  annotations:
    github.com/user-login: octocat
spec:
  memberOf: []
`

// TestRunECSDeployEndToEnd: mode auto picks ECS from the annotation, the
// image already running is deployed again, and the action attaches to the
// service's deployment instead of registering or deploying anything new.
func TestRunECSDeployEndToEnd(t *testing.T) {
	moto := testenv.StartMoto(t, "MOTO_ECS_SERVICE_RUNNING=1")
	oidc := testenv.StartOIDC(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "catalog-info.yaml"), []byte(ecsCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "event.json"), []byte(`{"repository": {"default_branch": "main"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	client := awsecs.NewFromConfig(moto.Config())
	if _, err := client.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	td, err := client.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{Family: aws.String("storefront"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("nginx:1.27"), Memory: aws.Int32(256), Essential: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: aws.String("shop"), ServiceName: aws.String("storefront"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GITHUB_WORKSPACE": dir, "GITHUB_REPOSITORY": "acme/payments", "GITHUB_SHA": "abc", "GITHUB_REF": "refs/heads/main",
		"GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "deploy", "GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_EVENT_PATH": filepath.Join(dir, "event.json"), "GITHUB_OUTPUT": filepath.Join(dir, "out.txt"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
		"INPUT_ENVIRONMENT":   "production", "INPUT_IMAGE": "nginx:1.27", "INPUT_TIMEOUT": "2m",
	}
	for k, v := range oidc.Env() {
		env[k] = v
	}
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return env[k] }), githubactions.WithWriter(os.Stderr))
	res, err := Run(ctx, Deps{Action: a, Issuer: oidc.URL, AWSEndpoint: moto.URL, Log: os.Stderr})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Status != result.Succeeded || res.Target.Kind != result.ECSDeployment || res.ID == "" {
		t.Fatalf("result = %+v", res)
	}
	list, err := client.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("storefront")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.TaskDefinitionArns) != 1 {
		t.Errorf("re-deploying the running image registered %d revisions, want 1", len(list.TaskDefinitionArns))
	}
	out, _ := os.ReadFile(filepath.Join(dir, "out.txt"))
	if !strings.Contains(string(out), "deployment-id<<") || !strings.Contains(string(out), "succeeded") {
		t.Errorf("outputs:\n%s", out)
	}
	if res.Audit.Actor != "octocat" || res.Audit.RoleARN != "arn:aws:iam::123456789012:role/stagecrew-storefront" {
		t.Errorf("audit = %+v", res.Audit)
	}
}
