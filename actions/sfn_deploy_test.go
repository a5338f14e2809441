package actions

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/result"
	"github.com/stagecrew/stagecrew/pkg/stepfunctions"
)

// deployCatalog is workspaceCatalog with a definition file, an alias per
// environment and substitutions.
var deployCatalog = strings.Replace(workspaceCatalog, "    stagecrew.dev/environments:", `    stagecrew.dev/state-machine-definition: statemachine/definition.asl.json
    stagecrew.dev/state-machine-alias.production: live
    stagecrew.dev/definition-substitutions: Table=payments, Pause=1
    stagecrew.dev/definition-substitutions.production: Table=payments-prod
    stagecrew.dev/environments:`, 1)

const deployDefinition = `{
  "StartAt": "Save",
  "States": {
    "Save": {"Type": "Pass", "Result": {"table": "${Table}", "queue": "${Queue}"}, "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": ${Pause}, "End": true}
  }
}`

// TestRunStepFunctionsDeploy: mode stepfunctions-deploy reads the
// definition named by the entity from the workspace, substitutes the
// annotations' values under the input's, publishes a version in moto with
// the commit as its description, creates the environment's alias, and
// writes the outputs; a second run publishes nothing; a placeholder
// without a value fails the step before any change.
func TestRunStepFunctionsDeploy(t *testing.T) {
	h := newWorkspace(t, deployCatalog)
	h.client = sfn.NewFromConfig(h.moto.Config())
	out, err := h.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String("payments"), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	h.smARN = aws.ToString(out.StateMachineArn)
	if err := os.MkdirAll(filepath.Join(h.dir, "statemachine"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "statemachine", "definition.asl.json"), []byte(deployDefinition), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env["INPUT_MODE"] = "stepfunctions-deploy"
	h.env["INPUT_SUBSTITUTIONS"] = "Queue=https://sqs.us-east-1.amazonaws.com/123456789012/payments?x=1,y=2"

	res, err := h.run(t)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	v1 := h.smARN + ":1"
	if res.Status != result.Succeeded || res.Values["version-arn"] != v1 || res.Values["alias-arn"] != h.smARN+":live" {
		t.Fatalf("result %+v", res)
	}
	ver, err := h.client.DescribeStateMachine(context.Background(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(v1)})
	if err != nil {
		t.Fatal(err)
	}
	def := aws.ToString(ver.Definition)
	if !strings.Contains(def, `"payments-prod"`) || !strings.Contains(def, "payments?x=1,y=2") || !strings.Contains(def, `"Seconds": 1`) {
		t.Errorf("deployed definition: %s", def)
	}
	if aws.ToString(ver.Description) != h.env["GITHUB_SHA"] {
		t.Errorf("version description %q", aws.ToString(ver.Description))
	}
	outputs := h.read(t, "output.txt")
	for _, want := range []string{"version-arn<<", v1, "alias-arn<<", h.smARN + ":live", "succeeded"} {
		if !strings.Contains(outputs, want) {
			t.Errorf("outputs lack %q:\n%s", want, outputs)
		}
	}
	if !strings.Contains(h.read(t, "audit.jsonl"), `"action":"stepfunctions:deploy"`) {
		t.Errorf("audit record: %s", h.read(t, "audit.jsonl"))
	}

	res, err = h.run(t)
	if err != nil || res.Values["published"] != "false" || res.Values["version-arn"] != v1 || res.Values["previous-version-arn"] != v1 {
		t.Fatalf("second run %+v, %v", res, err)
	}

	h.env["INPUT_SUBSTITUTIONS"] = ""
	res, err = h.run(t)
	if !errors.Is(err, stepfunctions.ErrUndefinedPlaceholder) || res == nil || res.Status != result.Failed {
		t.Fatalf("missing placeholder: %+v, %v", res, err)
	}
	if !strings.Contains(err.Error(), "${Queue} (line 4)") {
		t.Errorf("error does not name the placeholder: %v", err)
	}

	// A pull request plans: its comment holds the diff against what the
	// environment runs, and an invalid definition fails it with the
	// findings; nothing is published.
	h.env["INPUT_SUBSTITUTIONS"] = "Queue=q"
	h.env["INPUT_COMMENT"] = "true"
	event := `{"number": 7, "pull_request": {"number": 7, "head": {"sha": "0123456789abcdef0123456789abcdef01234567"}},
		"repository": {"default_branch": "main", "full_name": "acme/payments"}}`
	if err := os.WriteFile(filepath.Join(h.dir, "event.json"), []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env["GITHUB_EVENT_NAME"], h.env["GITHUB_REF"] = "pull_request", "refs/pull/7/merge"
	// staging: the default policy lets a pull request act there (in its
	// GitHub environment); staging has no alias, so the plan compares
	// with the state machine's own definition (production's, deployed above).
	h.env["INPUT_ENVIRONMENT"] = "staging"
	claims := testenv.GitHubClaims()
	claims["event_name"], claims["ref"], claims["environment"] = "pull_request", "refs/pull/7/merge", "staging"
	claims["sub"] = "repo:acme/payments:environment:staging"
	h.oidc.SetClaims(claims)
	res, err = h.run(t)
	if err != nil || res.Status != result.Succeeded || res.Values["plan"] != "a new version replacing "+h.smARN {
		t.Fatalf("plan: %+v, %v", res, err)
	}
	comments := h.gh.Comments(7)
	if len(comments) != 1 || !strings.Contains(comments[0].Body, "**Definition changes**") ||
		!strings.Contains(comments[0].Body, "-        \"queue\": \"https://sqs") || !strings.Contains(comments[0].Body, "+        \"queue\": \"q\"") ||
		!strings.Contains(comments[0].Body, "+        \"table\": \"payments\"") {
		t.Fatalf("plan comment: %+v", comments)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "statemachine", "definition.asl.json"), []byte(`{"StartAt":"Nope","States":{"P":{"Type":"Pass","End":true}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = h.run(t)
	if !errors.Is(err, ErrNotOK) || res.Status != result.Failed || !strings.Contains(res.Values["definition-findings"], "error:") {
		t.Fatalf("plan of an invalid definition: %+v, %v", res, err)
	}
	if body := h.gh.Comments(7)[0].Body; !strings.Contains(body, "**Definition findings**") || !strings.Contains(body, "Nope") {
		t.Errorf("findings not in the comment:\n%s", body)
	}
	if _, err := h.client.DescribeStateMachine(context.Background(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(h.smARN + ":2")}); err == nil {
		t.Error("a pull request published a version")
	}
}
