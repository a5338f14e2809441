package stepfunctions_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/stepfunctions"
)

// Deploy the repository's definition to the staging alias as a canary:
// 10 % of the executions through the alias go to the new version for five
// minutes; a failed one rolls the alias back.
func ExampleDeployer_Deploy() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	sm, _ := annotations.ParseStateMachineARN("arn:aws:states:us-east-1:123456789012:stateMachine:orders")
	def, err := os.ReadFile("statemachine/definition.asl.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	d := &stepfunctions.Deployer{Client: sfn.NewFromConfig(cfg), Log: stepfunctions.ActionsLog{W: os.Stdout}}
	res, err := d.Deploy(ctx, stepfunctions.DeployRequest{
		StateMachine: sm, Alias: "staging",
		Definition: def, Source: "statemachine/definition.asl.json",
		Substitutions: map[string]string{"TableName": "orders-staging"},
		Commit:        os.Getenv("GITHUB_SHA"),
		Canary:        stepfunctions.Canary{Weight: 10, Window: 5 * time.Minute},
	})
	var invalid *stepfunctions.DefinitionError
	switch {
	case errors.As(err, &invalid):
		for _, f := range invalid.Findings {
			fmt.Println(f)
		}
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(res.Status, res.Values["version-arn"], "previous:", res.Values["previous-version-arn"])
	}
}

func ExampleSubstitute() {
	def := []byte(`{"Comment": "orders in ${Env}", "StartAt": "W",
  "States": {"W": {"Type": "Wait", "Seconds": ${Pause}, "End": true}}}`)
	out, err := stepfunctions.Substitute("definition.asl.json", def, map[string]string{"Env": `staging "blue"`, "Pause": "30"})
	fmt.Println(string(out), err)

	_, err = stepfunctions.Substitute("definition.asl.json", def, map[string]string{"Env": "staging"})
	fmt.Println(err)
	// Output:
	// {"Comment": "orders in staging \"blue\"", "StartAt": "W",
	//   "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}} <nil>
	// definition.asl.json: no value for ${Pause} (line 2): set it in the substitutions input or the stagecrew.dev/definition-substitutions annotations
}
