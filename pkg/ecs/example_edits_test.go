package ecs_test

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/pkg/ecs"
)

// The environment-variables and secrets inputs, in their YAML form, and
// the images input, applied to a task definition with two containers.
func ExampleParseContainerValues() {
	env, err := ecs.ParseContainerValues("web:\n  LOG_LEVEL: debug\nworker:\n  QUEUE: jobs\n")
	if err != nil {
		panic(err)
	}
	images, _ := ecs.ParseImages("web=registry.example/web:2")
	in := &awsecs.RegisterTaskDefinitionInput{Family: aws.String("storefront"), ContainerDefinitions: []types.ContainerDefinition{
		{Name: aws.String("web"), Image: aws.String("registry.example/web:1")},
		{Name: aws.String("worker"), Image: aws.String("registry.example/worker:1")},
	}}
	if err := (ecs.Edits{Containers: ecs.EditsFromValues(images, env, nil)}).Apply(in); err != nil {
		panic(err)
	}
	for _, c := range in.ContainerDefinitions {
		fmt.Println(aws.ToString(c.Name), aws.ToString(c.Image), aws.ToString(c.Environment[0].Name))
	}
	_, err = ecs.ParseContainerValues("web.LOG_LEVEL=debug\nweb.LOG_LEVEL=info")
	fmt.Println(err)
	// Output:
	// web registry.example/web:2 LOG_LEVEL
	// worker registry.example/worker:1 QUEUE
	// line 2, name: web.LOG_LEVEL is set twice (lines 1 and 2)
}

// The AppSpec of a blue/green deployment, built from the service's load
// balancer.
func ExampleAppSpec() {
	svc := &types.Service{LoadBalancers: []types.LoadBalancer{{ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}}}
	content, _, err := ecs.AppSpec(nil, "arn:aws:ecs:eu-west-1:111111111111:task-definition/storefront:8", svc)
	if err != nil {
		panic(err)
	}
	fmt.Println(content)
	// Output:
	// {"Resources":[{"TargetService":{"Properties":{"LoadBalancerInfo":{"ContainerName":"web","ContainerPort":8080},"TaskDefinition":"arn:aws:ecs:eu-west-1:111111111111:task-definition/storefront:8"},"Type":"AWS::ECS::Service"}}],"version":"0.0"}
}
