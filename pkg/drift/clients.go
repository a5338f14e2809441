package drift

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	taggingschemas "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/schemas"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// ECSAPI is the one ECS call drift makes (ten services a call).
type ECSAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
}

// SFNAPI is the Step Functions calls drift makes.
type SFNAPI interface {
	sfn.ListStateMachinesAPIClient
	DescribeStateMachine(ctx context.Context, in *sfn.DescribeStateMachineInput, optFns ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error)
	DescribeStateMachineAlias(ctx context.Context, in *sfn.DescribeStateMachineAliasInput, optFns ...func(*sfn.Options)) (*sfn.DescribeStateMachineAliasOutput, error)
}

// TaggingAPI is the Resource Groups Tagging API call drift makes: the tags
// of every ECS service and state machine of a region, a page at a time.
type TaggingAPI interface {
	tagging.GetResourcesAPIClient
}

var (
	_ ECSAPI     = (*ecs.Client)(nil)
	_ SFNAPI     = (*sfn.Client)(nil)
	_ TaggingAPI = (*tagging.Client)(nil)
)

// Clients are the AWS clients of one role in one region.
type Clients struct {
	ECS     ECSAPI
	SFN     SFNAPI
	Tagging TaggingAPI
}

// NewClients builds the SDK clients from cfg with the SDK's own retries
// turned off: drift retries in one place, with package poll's schedule,
// and counts every attempt and every throttling answer. The tagging
// client speaks AWS JSON 1.1.
func NewClients(cfg aws.Config) Clients {
	nop := func() aws.Retryer { return aws.NopRetryer{} }
	return Clients{
		ECS: ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.Retryer = nop() }),
		SFN: sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.Retryer = nop() }),
		Tagging: tagging.NewFromConfig(cfg, func(o *tagging.Options) {
			o.Retryer = nop()
			// AWS JSON 1.1 whatever the module version: the SDK prefers RPC
			// v2 CBOR from v1.42.0, which moto 5.2.1 (the tests' AWS)
			// answers 404; AWS serves both with the same answers.
			o.Protocol = awsjson.New11(taggingschemas.ResourceGroupsTaggingAPI_20170126)
		}),
	}
}
