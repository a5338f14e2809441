package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestMotoRunsStateMachines proves the server executes ASL for real.
func TestMotoRunsStateMachines(t *testing.T) {
	m := StartMoto(t)
	client := sfn.NewFromConfig(m.Config())
	ctx := context.Background()
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("hello"),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/sfn"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == types.ExecutionStatusSucceeded {
			if aws.ToString(d.Output) != `{"ok": true}` && aws.ToString(d.Output) != `{"ok":true}` {
				t.Errorf("output = %s", aws.ToString(d.Output))
			}
			return
		}
		if d.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
			t.Fatalf("status %s", d.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
