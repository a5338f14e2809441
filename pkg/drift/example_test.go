package drift_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	taggingtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/drift"
)

// account is a stand-in for one AWS account and region, for this example
// only (the package's tests run against moto): one state machine,
// "checkout-v2", tagged for the checkout entity, and no ECS service.
type account struct{}

const renamed = "arn:aws:states:eu-west-1:111111111111:stateMachine:checkout-v2"

func (account) GetResources(context.Context, *tagging.GetResourcesInput, ...func(*tagging.Options)) (*tagging.GetResourcesOutput, error) {
	return &tagging.GetResourcesOutput{ResourceTagMappingList: []taggingtypes.ResourceTagMapping{{
		ResourceARN: aws.String(renamed),
		Tags:        []taggingtypes.Tag{{Key: aws.String(drift.TagEntity), Value: aws.String("component:default/checkout")}},
	}}}, nil
}

func (account) ListStateMachines(context.Context, *sfn.ListStateMachinesInput, ...func(*sfn.Options)) (*sfn.ListStateMachinesOutput, error) {
	return &sfn.ListStateMachinesOutput{StateMachines: []sfntypes.StateMachineListItem{{StateMachineArn: aws.String(renamed)}}}, nil
}

func (account) DescribeStateMachine(context.Context, *sfn.DescribeStateMachineInput, ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error) {
	return nil, fmt.Errorf("not called in this example")
}

func (account) DescribeStateMachineAlias(context.Context, *sfn.DescribeStateMachineAliasInput, ...func(*sfn.Options)) (*sfn.DescribeStateMachineAliasOutput, error) {
	return nil, fmt.Errorf("not called in this example")
}

func (account) DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{}}, nil
}

const catalogFile = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    stagecrew.dev/role-arn: arn:aws:iam::111111111111:role/drift
    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:eu-west-1:111111111111:stateMachine:checkout
spec:
  type: service
  lifecycle: production
  owner: payments
`

// The catalog names a state machine that was renamed: Scan reports the
// phantom and the orphan tagged for the entity, and Suggest proposes the
// new ARN.
func ExampleScan() {
	docs, _ := catalog.Decode("catalog-info.yaml", []byte(catalogFile), catalog.DecodeOptions{})
	rep, err := drift.Scan(context.Background(), drift.Options{
		Entities: []*catalog.Entity{docs[0].Entity},
		// In a workflow: awsauth.Config with the environment's role.
		Config: func(ctx context.Context, role annotations.RoleARN, region string) (aws.Config, error) {
			return aws.Config{Region: region}, nil
		},
		Clients: func(aws.Config) drift.Clients {
			return drift.Clients{ECS: account{}, SFN: account{}, Tagging: account{}}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings {
		fmt.Printf("%s %s: %s\n", f.Kind, f.Entity, f.Message)
	}
	changes, _ := drift.Suggest(rep, drift.SuggestOptions{ReadFile: func(string) ([]byte, error) { return []byte(catalogFile), nil }})
	for _, c := range changes {
		fmt.Println(c.Notes[0])
	}
	fmt.Println("calls:", rep.Stats.Calls)
	// Output:
	// orphan component:default/checkout: state machine is tagged for component:default/checkout, which does not annotate it (its aws.amazon.com/aws-stepfunctions-state-machine-arn names arn:aws:states:eu-west-1:111111111111:stateMachine:checkout, which does not exist: probably renamed)
	// phantom component:default/checkout: no such state machine: checkout in account 111111111111, region eu-west-1; arn:aws:states:eu-west-1:111111111111:stateMachine:checkout-v2 is tagged for this entity: probably renamed
	// component:default/checkout: aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:eu-west-1:111111111111:stateMachine:checkout -> arn:aws:states:eu-west-1:111111111111:stateMachine:checkout-v2
	// calls: 2
}
