package cli

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/iam"
)

// FuzzIAMStepInputs parses --input and --step flags built from the input
// (lines "NAME=VALUE", "--step" lines between steps) and applies the steps
// to an ECS and Step Functions entity's options. Nothing may panic; a
// step only holds names of the action's inputs; and whatever the inputs,
// the policy grants nothing outside the entity's account.
func FuzzIAMStepInputs(f *testing.F) {
	f.Add("mode=ecs-deploy\nkeep-revisions=5\ntags=a=b\n--step\nmode=ecs-run-task\ntags=c=d")
	f.Add("codedeploy-application=x\ntask-role-arn=arn:aws:iam::999999999999:role/x")
	f.Add("mode=stepfunctions-deploy\nalias=live\n--step\nmode=stepfunctions-deploy\nalias=other")
	f.Add("secrets=web:\n  A: arn:aws:ssm:us-east-1:123456789012:parameter/a\nenvironment=prod\n=\nmode")
	svc, err := annotations.ParseServiceARN("arn:aws:ecs:us-east-1:123456789012:service/prod/web")
	if err != nil {
		f.Fatal(err)
	}
	sm, err := annotations.ParseStateMachineARN("arn:aws:states:us-east-1:123456789012:stateMachine:sfn")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			return
		}
		var steps []map[string]string
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		stepFlags(fs, &steps)
		var args []string
		for _, line := range strings.Split(text, "\n") {
			if line == "--step" {
				args = append(args, "--step")
			} else {
				args = append(args, "--input", line)
			}
		}
		if fs.Parse(args) != nil {
			return
		}
		for _, s := range steps {
			for name := range s {
				if !slices.Contains(config.InputNames(), name) {
					t.Fatalf("step holds %q, not an input", name)
				}
			}
		}
		env := annotations.Environment{Service: svc, StateMachine: sm}
		po := iam.PermissionOptions{Service: svc, StateMachine: sm, TaskDefinition: &iam.TaskDefinition{Family: "web"}}
		if applySteps(&po, steps, "prod", env, &annotations.Targets{}, false) != nil {
			return
		}
		doc, err := iam.Permissions(po)
		if err != nil {
			return
		}
		b, err := doc.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "::999999999999:") || strings.Contains(string(b), ":999999999999:") {
			t.Fatalf("another account granted:\n%s", b)
		}
		if err := iam.Validate(b); err != nil {
			t.Fatalf("policy does not validate: %v\n%s", err, b)
		}
	})
}
