// Package result holds what a run produced — its target, status, timings,
// links, failure explanation and audit fields — in one type that the Step
// Functions and ECS runners fill and every reporter (outputs, job summary,
// pull request comment, check run, Backstage notification) reads.
package result

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Status is how a run ended (or that it is still going).
type Status string

// Statuses. Only Succeeded is a success; everything else fails the step.
const (
	Running     Status = "running"
	Succeeded   Status = "succeeded"
	Failed      Status = "failed"
	TimedOut    Status = "timed_out"    // the target itself timed out (Step Functions TIMED_OUT)
	Aborted     Status = "aborted"      // stopped by someone or something else
	Cancelled   Status = "cancelled"    // the workflow run was cancelled while stagecrew waited
	WaitTimeout Status = "wait_timeout" // stagecrew stopped waiting; the target may still run
	Denied      Status = "denied"       // the policy refused; nothing was started
)

// OK reports whether the status is a success.
func (s Status) OK() bool { return s == Succeeded }

// Terminal reports whether the target will not change any more.
func (s Status) Terminal() bool { return s != Running && s != WaitTimeout && s != Cancelled }

// Kind is what was run.
type Kind string

// Kinds of target.
const (
	StepFunctionsExecution Kind = "stepfunctions-execution"
	StepFunctionsDeploy    Kind = "stepfunctions-deploy" // a definition published as a version behind an alias
	ECSDeployment          Kind = "ecs-deployment"
	ECSTask                Kind = "ecs-task"
)

// Target is what the run acted on.
type Target struct {
	Kind        Kind   `json:"kind"`
	Entity      string `json:"entity"`      // the catalog entity's ref
	Environment string `json:"environment"` // stagecrew environment name
	Resource    string `json:"resource"`    // ARN of the state machine or ECS service/task definition
	Name        string `json:"name"`        // short name for people
}

// Link is a URL for people, such as the AWS console page of the execution.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Failure explains a run that did not succeed.
type Failure struct {
	Where   string         `json:"where,omitempty"`   // the failing state, or the container
	Error   string         `json:"error,omitempty"`   // error name or stop code
	Cause   string         `json:"cause,omitempty"`   // cause, stoppedReason, rollout reason
	Exits   map[string]int `json:"exits,omitempty"`   // container exit codes
	Details []string       `json:"details,omitempty"` // more lines: stopped tasks, events
}

// Audit says who did what with which role.
type Audit struct {
	Actor string `json:"actor"` // the GitHub login the workflow ran as
	// Requester is the user who asked for the run in Backstage (the
	// scaffolder task's creator) when Backstage dispatched it; then Actor
	// is only the dispatcher.
	Requester     string `json:"requester,omitempty"`
	BackstageTask string `json:"backstageTask,omitempty"`
	RoleARN       string `json:"roleArn,omitempty"`
	SessionName   string `json:"sessionName,omitempty"`
	Repository    string `json:"repository,omitempty"`
	SHA           string `json:"sha,omitempty"`
	RunURL        string `json:"runUrl,omitempty"`
}

// Result is the outcome of one run.
type Result struct {
	Target    Target            `json:"target"`
	Status    Status            `json:"status"`
	ID        string            `json:"id"` // execution ARN, deployment id or task ARN
	StartedAt time.Time         `json:"startedAt"`
	EndedAt   time.Time         `json:"endedAt,omitzero"`
	Attached  bool              `json:"attached,omitempty"` // an earlier start was found and waited for instead of starting again
	Links     []Link            `json:"links,omitempty"`
	Failure   *Failure          `json:"failure,omitempty"`
	Output    string            `json:"output,omitempty"` // capped at MaxOutput bytes
	Truncated bool              `json:"truncated,omitempty"`
	Values    map[string]string `json:"values,omitempty"` // kind-specific: revision, exit-code, deployment id
	Audit     Audit             `json:"audit"`
}

// MaxOutput caps Result.Output (GitHub step outputs and comments have limits).
const MaxOutput = 32 << 10

// SetOutput stores out, cut to MaxOutput bytes on a UTF-8 boundary.
func (r *Result) SetOutput(out string) {
	if len(out) <= MaxOutput {
		r.Output, r.Truncated = out, false
		return
	}
	cut := MaxOutput
	for cut > 0 && !utf8Start(out[cut]) {
		cut--
	}
	r.Output, r.Truncated = out[:cut], true
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// Duration is how long the run took (so far).
func (r *Result) Duration(now time.Time) time.Duration {
	end := r.EndedAt
	if end.IsZero() {
		end = now
	}
	if r.StartedAt.IsZero() {
		return 0
	}
	return end.Sub(r.StartedAt)
}

// consoleHost is the AWS console host of a partition.
func consoleHost(partition, region string) string {
	switch partition {
	case "aws-cn":
		return "console.amazonaws.cn"
	case "aws-us-gov":
		return "console.amazonaws-us-gov.com"
	}
	return region + ".console.aws.amazon.com"
}

// ExecutionConsoleURL links a Step Functions execution ARN to its page in the
// AWS console.
func ExecutionConsoleURL(executionARN string) (string, error) {
	a, err := arn.Parse(executionARN)
	if err != nil {
		return "", fmt.Errorf("result: execution ARN %q: %w", executionARN, err)
	}
	return fmt.Sprintf("https://%s/states/home?region=%s#/v2/executions/details/%s",
		consoleHost(a.Partition, a.Region), url.QueryEscape(a.Region), url.PathEscape(executionARN)), nil
}

// ServiceConsoleURL links an ECS service to its page in the AWS console.
func ServiceConsoleURL(partition, region, cluster, service string) string {
	return fmt.Sprintf("https://%s/ecs/v2/clusters/%s/services/%s/deployments?region=%s",
		consoleHost(partition, region), url.PathEscape(cluster), url.PathEscape(service), url.QueryEscape(region))
}

// TaskConsoleURL links an ECS task ARN to its page in the AWS console.
func TaskConsoleURL(taskARN string) (string, error) {
	a, err := arn.Parse(taskARN)
	if err != nil {
		return "", fmt.Errorf("result: task ARN %q: %w", taskARN, err)
	}
	parts := strings.Split(a.Resource, "/") // task/CLUSTER/ID
	if len(parts) != 3 || parts[0] != "task" {
		return "", fmt.Errorf("result: %q is not a task ARN of the form task/CLUSTER/ID", taskARN)
	}
	return fmt.Sprintf("https://%s/ecs/v2/clusters/%s/tasks/%s/configuration?region=%s",
		consoleHost(a.Partition, a.Region), url.PathEscape(parts[1]), url.PathEscape(parts[2]), url.QueryEscape(a.Region)), nil
}
