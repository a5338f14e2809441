package ecs_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/ecs"
)

// service is a stand-in for *ecs.Client (awsecs.NewFromConfig(cfg)) whose
// service already runs revision 7 of storefront, with image storefront:7.
type service struct{ ecs.API }

func (service) DescribeServices(context.Context, *awsecs.DescribeServicesInput, ...func(*awsecs.Options)) (*awsecs.DescribeServicesOutput, error) {
	td := "arn:aws:ecs:eu-west-1:111111111111:task-definition/storefront:7"
	return &awsecs.DescribeServicesOutput{Services: []types.Service{{
		ServiceName: aws.String("storefront"), Status: aws.String("ACTIVE"), TaskDefinition: aws.String(td),
		Deployments: []types.Deployment{{Id: aws.String("ecs-svc/42"), Status: aws.String("PRIMARY"), TaskDefinition: aws.String(td),
			RolloutState: types.DeploymentRolloutStateCompleted, DesiredCount: 2, RunningCount: 2}},
	}}}, nil
}

func (service) DescribeTaskDefinition(context.Context, *awsecs.DescribeTaskDefinitionInput, ...func(*awsecs.Options)) (*awsecs.DescribeTaskDefinitionOutput, error) {
	return &awsecs.DescribeTaskDefinitionOutput{TaskDefinition: &types.TaskDefinition{
		TaskDefinitionArn: aws.String("arn:aws:ecs:eu-west-1:111111111111:task-definition/storefront:7"), Family: aws.String("storefront"), Revision: 7,
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("storefront:7")}},
	}}, nil
}

type instant struct{}

func (instant) Now() time.Time                             { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
func (instant) Sleep(context.Context, time.Duration) error { return nil }

// Deploying the image a service already runs registers nothing and starts
// no deployment: the runner attaches to the running one and waits for it.
func ExampleRunner_Deploy() {
	svc, _ := annotations.ParseServiceARN("arn:aws:ecs:eu-west-1:111111111111:service/prod/storefront")
	r := &ecs.Runner{ECS: service{}, Out: os.Stdout, Clock: instant{}}
	res, err := r.Deploy(context.Background(), ecs.DeployOptions{Service: svc, Container: "web", Image: "storefront:7"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.ID, "attached:", res.Attached, "revision:", res.Values[ecs.ValueRevision])
	// Output:
	// task definition storefront:7 already has this content: not registering a new revision
	// service storefront already runs storefront:7 in deployment ecs-svc/42 (COMPLETED): waiting for it
	// deployment ecs-svc/42 (storefront:7): COMPLETED, 2/2 running, 0 pending
	// deployment ecs-svc/42 completed: 2/2 running storefront:7
	// succeeded ecs-svc/42 attached: true revision: 7
}

// A task definition file from the repository, with the image a build
// produced; RegisterInput, SetImage and SameTaskDefinition are what Deploy
// uses to register a revision only when its content is new.
func ExampleSetImage() {
	in, err := ecs.ParseTaskDefinition([]byte(`{"family": "storefront", "containerDefinitions": [{"name": "web", "image": "storefront:latest"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := ecs.SetImage(in, "worker", "storefront:8", nil); err != nil {
		fmt.Println(err)
	}
	_ = ecs.SetImage(in, "web", "storefront:8", map[string]string{"LOG_LEVEL": "info"})
	fmt.Println(*in.ContainerDefinitions[0].Image, *in.ContainerDefinitions[0].Environment[0].Name)
	// Output:
	// no such container: container "worker" is not in task definition storefront; its containers are: web
	// storefront:8 LOG_LEVEL
}
