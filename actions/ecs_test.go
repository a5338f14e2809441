package actions

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

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
` + teamCatalog

// TestRunECSDeployEndToEnd: mode auto picks ECS from the annotation, the
// image already running is deployed again, and the action attaches to the
// service's deployment instead of registering or deploying anything new.
func TestRunECSDeployEndToEnd(t *testing.T) {
	h := newWorkspace(t, ecsCatalog, "MOTO_ECS_SERVICE_RUNNING=1")
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
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	h.env["INPUT_IMAGE"] = "nginx:1.27"
	delete(h.env, "INPUT_AUDIT-LOG")
	res, err := h.run(t)
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
	if out := h.read(t, "output.txt"); !strings.Contains(out, "deployment-id<<") || !strings.Contains(out, "succeeded") {
		t.Errorf("outputs:\n%s", out)
	}
	if res.Audit.Actor != "octocat" || res.Audit.RoleARN != "arn:aws:iam::123456789012:role/stagecrew-storefront" {
		t.Errorf("audit = %+v", res.Audit)
	}

	// wait: false returns once the deployment is started (here, found).
	h.env["INPUT_WAIT"] = "false"
	res, err = h.run(t)
	if err != nil || res.Status != result.Running {
		t.Fatalf("wait false: %v, %+v", err, res)
	}
	if !strings.Contains(h.read(t, "output.txt"), "started") {
		t.Errorf("outputs lack started:\n%s", h.read(t, "output.txt"))
	}
}
