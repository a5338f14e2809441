package stepfunctions

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
)

func startMotoForBench(b *testing.B) *testenv.Moto { return testenv.StartMoto(b) }

// machineB is machine for benchmarks.
func (e *motoEnv) machineB(b *testing.B, definition string) annotations.StateMachineARN {
	b.Helper()
	e.m.Reset(b)
	out, err := e.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name:       aws.String(fmt.Sprintf("sm-%d", e.n.Add(1))),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/sfn"),
		Definition: aws.String(definition),
	})
	if err != nil {
		b.Fatalf("CreateStateMachine: %v", err)
	}
	sm, err := annotations.ParseStateMachineARN(aws.ToString(out.StateMachineArn))
	if err != nil {
		b.Fatal(err)
	}
	return sm
}
