package ecs

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// twoContainers is a task definition with a web container and a log
// router sidecar.
const twoContainers = `{
  "family": "storefront",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256", "memory": "512",
  "containerDefinitions": [
    {"name": "web", "image": "registry.example/web:1", "essential": true,
     "environment": [{"name": "MODE", "value": "web"}],
     "secrets": [{"name": "OLD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/storefront/old"}]},
    {"name": "log-router", "image": "registry.example/fluent-bit:1", "essential": false}
  ]
}`

// Several containers' images, environment and secrets, and the roles, in
// one deploy against moto; the secret is a real Secrets Manager secret in
// moto. A rerun registers nothing; an unknown container lists the real ones.
func TestDeployEditsAgainstMoto(t *testing.T) {
	e := startMotoEnv(t)
	ctx := context.Background()
	sec, err := secretsmanager.NewFromConfig(e.cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("storefront/db"), SecretString: aws.String("s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r := e.runner(e.ecs, &out)
	reg, err := r.Deploy(ctx, DeployOptions{RegisterOnly: true, TaskDefinitionFile: []byte(twoContainers)})
	if err != nil {
		t.Fatal(err)
	}
	e.createService(t, reg.ID)

	images, _ := ParseImages("web=registry.example/web:2\nlog-router=registry.example/fluent-bit:2")
	env, _ := ParseContainerValues("web:\n  LOG_LEVEL: debug\n  MODE: canary\nlog-router:\n  FLB_LOG_LEVEL: info\n")
	secrets, _ := ParseContainerValues("web.DB_PASSWORD=" + aws.ToString(sec.ARN) + "\nweb.OLD=arn:aws:ssm:us-east-1:123456789012:parameter/storefront/new")
	edits := Edits{Containers: EditsFromValues(images, env, secrets),
		TaskRoleARN:      "arn:aws:iam::123456789012:role/storefront-task",
		ExecutionRoleARN: "arn:aws:iam::123456789012:role/storefront-exec",
		Tags:             map[string]string{"team": "payments"}}
	for i := range 2 {
		res, err := r.Deploy(ctx, DeployOptions{Service: e.svc, Edits: edits})
		if err != nil {
			t.Fatalf("deploy %d: %v\n%s", i, err, &out)
		}
		if want := []string{"true", "false"}[i]; res.Values[ValueRegistered] != want {
			t.Errorf("deploy %d registered=%s", i, res.Values[ValueRegistered])
		}
		if revs := e.revisions(t); len(revs) != 2 {
			t.Fatalf("revisions %v", revs)
		}
	}
	td, err := e.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("storefront:2"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	got := td.TaskDefinition
	web, router := got.ContainerDefinitions[0], got.ContainerDefinitions[1]
	if aws.ToString(web.Image) != "registry.example/web:2" || aws.ToString(router.Image) != "registry.example/fluent-bit:2" {
		t.Errorf("images %s %s", aws.ToString(web.Image), aws.ToString(router.Image))
	}
	if env := pairs(web.Environment); env != "MODE=canary,LOG_LEVEL=debug" {
		t.Errorf("web environment %s", env)
	}
	if env := pairs(router.Environment); env != "FLB_LOG_LEVEL=info" {
		t.Errorf("log-router environment %s", env)
	}
	var sb []string
	for _, s := range web.Secrets {
		sb = append(sb, aws.ToString(s.Name)+"="+aws.ToString(s.ValueFrom))
	}
	if strings.Join(sb, ",") != "OLD=arn:aws:ssm:us-east-1:123456789012:parameter/storefront/new,DB_PASSWORD="+aws.ToString(sec.ARN) {
		t.Errorf("web secrets %v", sb)
	}
	if aws.ToString(got.TaskRoleArn) != edits.TaskRoleARN || aws.ToString(got.ExecutionRoleArn) != edits.ExecutionRoleARN {
		t.Errorf("roles %s %s", aws.ToString(got.TaskRoleArn), aws.ToString(got.ExecutionRoleArn))
	}
	if len(td.Tags) != 1 || aws.ToString(td.Tags[0].Key) != "team" {
		t.Errorf("tags %+v", td.Tags)
	}

	// Unknown containers: every one named, and the real ones listed.
	bad := Edits{Containers: map[string]ContainerEdit{"wbe": {Image: "x"}, "sidecar": {Image: "y"}, "web": {Image: "z"}}}
	_, err = r.Deploy(ctx, DeployOptions{Service: e.svc, Edits: bad})
	if !errors.Is(err, ErrNoContainer) || !strings.Contains(err.Error(), `containers ["sidecar" "wbe"] are not in task definition storefront; its containers are: web, log-router`) {
		t.Errorf("unknown containers: %v", err)
	}
	if revs := e.revisions(t); len(revs) != 2 {
		t.Errorf("a failed edit registered: %v", revs)
	}
	// An ARN is deployed as it is.
	if _, err := r.Deploy(ctx, DeployOptions{Service: e.svc, TaskDefinitionARN: reg.ID, Edits: edits}); !errors.Is(err, ErrOptions) {
		t.Errorf("ARN with edits: %v", err)
	}
}

func pairs(kvs []types.KeyValuePair) string {
	var s []string
	for _, kv := range kvs {
		s = append(s, aws.ToString(kv.Name)+"="+aws.ToString(kv.Value))
	}
	return strings.Join(s, ",")
}
