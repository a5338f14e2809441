package config

import (
	"fmt"
	"reflect"
	"strconv"
)

// Values of the status output.
const (
	StatusSucceeded  = "succeeded"  // the execution, deployment or task ended well
	StatusFailed     = "failed"     // it failed, or the task exited non-zero
	StatusTimedOut   = "timed-out"  // the timeout passed first
	StatusAborted    = "aborted"    // it was stopped (by someone, or by stop-on-cancel)
	StatusStarted    = "started"    // wait is false: started, not waited for
	StatusRegistered = "registered" // register-only: the task definition was registered
)

// Outputs are the outputs of the stagecrew action, one field per output,
// described like Inputs. Empty fields are not written.
type Outputs struct {
	Status       string `json:"status" jsonschema:"enum=succeeded,enum=failed,enum=timed-out,enum=aborted,enum=cancelled,enum=wait-timeout,enum=denied,enum=started,enum=registered" jsonschema_description:"How it ended: succeeded, failed, timed-out (the target timed out), aborted (stopped by someone else), cancelled (the workflow run was cancelled), wait-timeout (the action stopped waiting; the target may still run), denied (the policy refused; nothing started), started (with wait: false) or registered (with register-only)."`
	ExecutionARN string `json:"execution-arn,omitempty" jsonschema_description:"The ARN of the Step Functions execution started or redriven."`
	DeploymentID string `json:"deployment-id,omitempty" jsonschema_description:"The ID of the ECS deployment (ecs-deploy)."`
	TaskARN      string `json:"task-arn,omitempty" jsonschema_description:"The ARN of the one-off ECS task (ecs-run-task)."`
	ExitCode     *int   `json:"exit-code,omitempty" jsonschema_description:"The exit code of the one-off task's essential container (ecs-run-task)."`
	ConsoleURL   string `json:"console-url,omitempty" jsonschema:"format=uri" jsonschema_description:"A link to the execution, deployment or task in the AWS console."`
	Output       string `json:"output,omitempty" jsonschema:"contentMediaType=application/json" jsonschema_description:"The output of the Step Functions execution, as JSON."`
	AuditRecord  string `json:"audit-record,omitempty" jsonschema:"contentMediaType=application/json" jsonschema_description:"The audit record of the run, as JSON: who ran what, where, and how it ended."`

	// The revision an ECS deploy deployed or registered, and the CodeDeploy
	// deployment of a blue/green one.
	TaskDefinitionARN      string `json:"task-definition-arn,omitempty" jsonschema_description:"The ARN of the task definition revision deployed or registered (ecs-deploy)."`
	CodeDeployDeploymentID string `json:"codedeploy-deployment-id,omitempty" jsonschema_description:"The ID of the CodeDeploy deployment of a blue/green service (ecs-deploy of a service with the CODE_DEPLOY deployment controller)."`

	// What a definition deploy published (stepfunctions-deploy); its
	// runner writes them.
	VersionARN         string `json:"version-arn,omitempty" jsonschema_description:"The ARN of the state machine version the definition is published as (stepfunctions-deploy); the existing version when the definition and role were already deployed."`
	AliasARN           string `json:"alias-arn,omitempty" jsonschema_description:"The ARN of the environment's alias the deploy moved (stepfunctions-deploy)."`
	PreviousVersionARN string `json:"previous-version-arn,omitempty" jsonschema_description:"The version the alias routed to before the deploy, to roll back to (stepfunctions-deploy); empty for a new alias."`
}

// Values returns the non-empty outputs by name, in field order.
func (o Outputs) Values() [][2]string {
	var out [][2]string
	v := reflect.ValueOf(o)
	for i, f := range reflect.VisibleFields(v.Type()) {
		name := jsonName(f)
		fv := v.Field(i)
		var s string
		switch x := fv.Interface().(type) {
		case string:
			s = x
		case *int:
			if x != nil {
				s = strconv.Itoa(*x)
			}
		default:
			panic(fmt.Sprintf("config: output %s has unsupported type %T", name, x))
		}
		if s != "" {
			out = append(out, [2]string{name, s})
		}
	}
	return out
}

// Write sets every non-empty output in the file GITHUB_OUTPUT names (getenv
// reads the environment), all in one write, each value in a heredoc with its
// own random delimiter: no value can end another early or forge one. On an
// error (GITHUB_OUTPUT unset, not a regular file, not writable) nothing is
// written and the error wraps ErrFileCommand; it never panics.
func (o Outputs) Write(getenv func(string) string) error {
	return AppendFileCommands(getenv, "GITHUB_OUTPUT", o.Values())
}
