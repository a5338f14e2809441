// Package actions holds the GitHub Action adapters: Go code that reads the
// action's inputs, calls pkg/, and writes outputs, the job summary and the
// audit record. The action.yml files beside it (one folder per sub-action)
// run these adapters through the stagecrew binary.
package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/awsauth"
	"github.com/stagecrew/stagecrew/pkg/backstage"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/ecs"
	"github.com/stagecrew/stagecrew/pkg/logsafe"
	"github.com/stagecrew/stagecrew/pkg/policy"
	"github.com/stagecrew/stagecrew/pkg/report"
	"github.com/stagecrew/stagecrew/pkg/result"
	"github.com/stagecrew/stagecrew/pkg/stepfunctions"
)

// Errors Run returns; the step fails with each.
var (
	ErrDenied    = errors.New("stagecrew: denied by policy")
	ErrNotOK     = errors.New("stagecrew: the run did not succeed")
	ErrNoEntity  = errors.New("stagecrew: entity not found")
	ErrNoTarget  = errors.New("stagecrew: the entity names no target for this mode")
	ErrBadInputs = errors.New("stagecrew: invalid inputs")
)

// Deps are what Run reaches outside the process. Production code fills them
// from the runner's environment; tests point them at local servers.
type Deps struct {
	Action *githubactions.Action // inputs, outputs, summary, environment
	Log    io.Writer             // the job log
	Logger *slog.Logger
	Now    func() time.Time

	// Issuer is the OIDC issuer whose tokens are verified before the policy
	// decides (default: GitHub Actions' issuer).
	Issuer     string
	HTTPClient *http.Client
	// AWSEndpoint sends every AWS call to one endpoint (tests: moto).
	AWSEndpoint string
	// PolicyAction, when set, is the action Authorize asks the policy about
	// instead of the mode's, and no target or mode is resolved: the
	// credentials action (policy.ActionCredentials) needs only the role.
	PolicyAction string
}

// withDefaults fills what the caller left empty.
func (d Deps) withDefaults() Deps {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Log == nil {
		d.Log = io.Discard
	}
	if d.Issuer == "" {
		d.Issuer = awsauth.GitHubIssuer
	}
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return d
}

// Run is the root action: Authorize (entity, requester, decision, audit
// record, credentials), then the runner for the mode, then the reports.
// Whatever happens after the inputs are read and the facts loaded, it
// writes the outputs, the job summary and (when asked) the audit record
// before it returns; the returned error fails the step.
func Run(ctx context.Context, d Deps) (*result.Result, error) {
	d = d.withDefaults()
	g, err := Authorize(ctx, d)
	if g == nil {
		return nil, err
	}
	in := g.Inputs
	res := &result.Result{
		Target: result.Target{Entity: in.Entity, Environment: in.Environment},
		Status: result.Running,
		Audit:  g.Audit(),
	}
	if g.Entity != nil {
		res.Target.Entity, res.Target.Name = g.Entity.Ref().String(), g.Entity.Metadata.Name
	}
	if err != nil {
		// Denied: nothing was started.
		res.Status = result.Denied
		res.Failure = &result.Failure{Cause: g.Decision.Reason, Details: []string{"to allow it: " + g.Decision.Remedy}}
		finish(ctx, d, g, res)
		return res, err
	}

	runCtx := ctx
	if in.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, in.Timeout)
		defer cancel()
	}
	var runErr error
	var ran *result.Result
	switch g.Mode {
	case config.ModeStepFunctions:
		ran, runErr = runStepFunctions(runCtx, d, g, res.Audit)
	case config.ModeStepFunctionsDeploy:
		ran, runErr = runStepFunctionsDeploy(runCtx, d, g, res.Audit) // sfn_deploy.go
	case config.ModeECSDeploy, config.ModeECSRunTask:
		// The ECS runner writes plain progress lines; fold them like the
		// Step Functions runner's.
		fmt.Fprintf(d.Log, "::group::ECS %s %s\n", strings.TrimPrefix(g.Mode, "ecs-"), logSafe(g.Env.Service.String()))
		ran, runErr = runECS(runCtx, d, g)
		fmt.Fprintln(d.Log, "::endgroup::")
		if ran != nil {
			ran.Audit = res.Audit
		}
	}
	if ran != nil {
		res = ran
	}
	if runErr != nil {
		// It could not start, or stopped watching: report that as a failure
		// (never as success), saying whether something may still be running.
		res.Status = result.Failed
		res.Failure = &result.Failure{Cause: runErr.Error()}
		if res.ID != "" {
			res.Failure.Details = []string{"stagecrew stopped watching " + res.ID + "; it may still be running"}
		}
		finish(ctx, d, g, res)
		return res, runErr
	}
	finish(ctx, d, g, res)
	if res.Status == result.Running && !in.Wait {
		return res, nil // wait: false — started is the success
	}
	if !res.Status.OK() {
		return res, fmt.Errorf("%w: %s", ErrNotOK, report.Title(res))
	}
	return res, nil
}

func runECS(ctx context.Context, d Deps, g *Grant) (*result.Result, error) {
	in, entity, env, targets := g.Inputs, g.Entity, g.Env, g.Targets
	if err := resolveECSService(ctx, d, g, &env); err != nil {
		return nil, err
	}
	if env.Service.IsZero() {
		return nil, fmt.Errorf("%w: %s has no ECS service for %s (%s)", ErrNoTarget, entity.Ref(), in.Environment, annotations.KeyECSServiceARN)
	}
	r := withCodeDeploy(&ecs.Runner{ECS: awsecs.NewFromConfig(g.AWS), Logs: cloudwatchlogs.NewFromConfig(g.AWS), Out: d.Log,
		Wait: ecs.WaitOptions{Timeout: in.Timeout}, NoWait: !in.Wait}, g)
	container := in.Container
	if container == "" {
		container = targets.Container
	}
	target := result.Target{Entity: entity.Ref().String(), Environment: in.Environment, Name: entity.Metadata.Name, Resource: env.Service.String()}
	taskDef := in.TaskDefinition
	if taskDef == "" {
		taskDef = targets.TaskDefinition
	}
	if g.Mode == config.ModeECSRunTask {
		runID, job := g.runKey()
		topts := ecs.TaskOptions{Service: env.Service, TaskDefinition: taskArnOnly(taskDef), Container: container, Command: in.Command,
			StartedBy:    stepfunctions.ExecutionName(entity.Ref().String(), in.Environment, runID, job),
			StopOnCancel: in.StopOnCancel, Target: target}
		if err := taskInputs(g, &topts); err != nil {
			return nil, err
		}
		return r.RunTask(ctx, topts)
	}
	opts := ecs.DeployOptions{Service: env.Service, Container: container, Image: in.Image, RegisterOnly: in.RegisterOnly,
		Rollback: in.RollbackOnFailure, Target: target}
	switch {
	case strings.HasPrefix(taskDef, "arn:"):
		opts.TaskDefinitionARN = taskDef
	case taskDef != "":
		data, err := readWorkspaceFile(workspaceOf(g.GitHub), "task-definition", taskDef, maxTaskDefinition)
		if err != nil {
			return nil, fmt.Errorf("stagecrew: task definition: %w", err)
		}
		opts.TaskDefinitionFile = data
	}
	if err := deployInputs(g, &opts); err != nil {
		return nil, err
	}
	return r.Deploy(ctx, opts)
}

// taskArnOnly passes a registered task definition to a one-off task; a file
// is for deployments.
func taskArnOnly(s string) string {
	if strings.HasPrefix(s, "arn:") || (s != "" && !strings.ContainsAny(s, "/.")) {
		return s
	}
	return ""
}

func runStepFunctions(ctx context.Context, d Deps, g *Grant, audit result.Audit) (*result.Result, error) {
	in, gh, entity, env := g.Inputs, g.GitHub, g.Entity, g.Env
	if env.StateMachine.IsZero() {
		return nil, fmt.Errorf("%w: %s has no state machine for %s (%s)", ErrNoTarget, entity.Ref(), in.Environment, annotations.KeyStateMachineARN)
	}
	ghv := stepfunctions.GitHub{Repository: gh.Repository, SHA: gh.SHA, Ref: gh.Ref, Actor: gh.Actor,
		RunID: strconv.FormatInt(gh.RunID, 10), RunAttempt: strconv.FormatInt(gh.RunAttempt, 10), PRNumber: prString(gh), ServerURL: gh.ServerURL}
	if g.Requester.Name != "" {
		ghv.Actor = g.Requester.String() // who asked, for templates that record it
	}
	input, err := executionInput(in, workspaceOf(gh), ghv, entity, in.Environment)
	if err != nil {
		return nil, err
	}
	r := &stepfunctions.Runner{Client: sfn.NewFromConfig(g.AWS), Timeout: in.Timeout, StopOnCancel: in.StopOnCancel, NoWait: !in.Wait,
		Log: stepfunctions.ActionsLog{W: d.Log}}
	runID, job := g.runKey()
	return r.Run(ctx, stepfunctions.Request{StateMachine: env.StateMachine, Entity: entity.Ref().String(), Environment: in.Environment,
		RunID: runID, Job: job, Input: input, Redrive: in.Redrive, Audit: audit})
}

// executionInput is the input of the execution: the entity's template
// rendered with the GitHub context, with the input (or input file) merged
// over it key by key.
func executionInput(in config.Inputs, workspace string, gh stepfunctions.GitHub, entity *catalog.Entity, environment string) (string, error) {
	base := "{}"
	if tmpl := entity.Metadata.Annotations[annotations.KeyExecutionInput]; tmpl != "" {
		s, err := stepfunctions.RenderInput(tmpl, gh, environment, entity.Ref().String())
		if err != nil {
			return "", err
		}
		base = s
	}
	over := in.Input
	if in.InputFile != "" {
		b, err := readWorkspaceFile(workspace, "input-file", in.InputFile, stepfunctions.MaxInputBytes)
		if err != nil {
			return "", err
		}
		if err := stepfunctions.CheckInput(string(b)); err != nil {
			return "", fmt.Errorf("input-file %s: %w", logSafe(in.InputFile), err)
		}
		over = string(b)
	}
	if over == "" {
		return base, stepfunctions.CheckInput(base)
	}
	var b, o map[string]any
	if err := json.Unmarshal([]byte(base), &b); err != nil || b == nil {
		return over, stepfunctions.CheckInput(over) // a template that is not an object is replaced whole
	}
	if err := json.Unmarshal([]byte(over), &o); err != nil || o == nil {
		return over, stepfunctions.CheckInput(over)
	}
	for k, v := range o {
		b[k] = v
	}
	merged, err := json.Marshal(b)
	if err != nil {
		return "", err
	}
	return string(merged), stepfunctions.CheckInput(string(merged))
}

// finish writes what every run leaves behind: outputs, the job summary, the
// pull request comment and check run, the Backstage notification, refresh
// and event. Reporting problems are logged, never allowed to change the
// run's outcome.
func finish(ctx context.Context, d Deps, g *Grant, res *result.Result) {
	in, gh := g.Inputs, g.GitHub
	if res.EndedAt.IsZero() && res.Status.Terminal() {
		res.EndedAt = d.Now()
	}
	status := strings.ReplaceAll(string(res.Status), "_", "-")
	switch {
	case res.Status == result.Running:
		status = "started" // wait: false
	case res.Status.OK() && in.RegisterOnly && res.Target.Kind == result.ECSDeployment:
		status = "registered"
	}
	out := config.Outputs{Status: status, Output: res.Output, AuditRecord: auditJSON(g.Record)}
	switch res.Target.Kind {
	case result.StepFunctionsExecution:
		out.ExecutionARN = res.ID
	case result.ECSDeployment:
		out.DeploymentID, out.TaskDefinitionARN, out.CodeDeployDeploymentID = ecsDeployOutputs(res)
	case result.ECSTask:
		out.TaskARN = res.ID
		if code, err := strconv.Atoi(res.Values["exit-code"]); err == nil {
			out.ExitCode = &code
		}
	}
	if len(res.Links) > 0 {
		out.ConsoleURL = res.Links[0].URL
	}
	// Reporting never changes the outcome: a runner file that cannot be
	// written is logged and the comment, check run and Backstage still go.
	if err := out.Write(d.Action.Getenv); err != nil {
		fmt.Fprintf(d.Log, "::warning::stagecrew: writing outputs: %s\n", logSafe(err.Error()))
	}
	md := report.Markdown(res, d.Now())
	if err := config.AppendStepSummary(d.Action.Getenv, md); err != nil {
		fmt.Fprintf(d.Log, "::warning::stagecrew: writing the job summary: %s\n", logSafe(err.Error()))
	}
	reportToGitHub(ctx, d, in, gh, res, md)
	notifyBackstage(ctx, d, g, res)
}

// notifyBackstage tells the entity's owners and the requester in Backstage
// how the run went (with links to the run and to the execution or
// deployment), asks the catalog to refresh the entity, and publishes the
// result as an event. Problems are logged only.
func notifyBackstage(ctx context.Context, d Deps, g *Grant, res *result.Result) {
	bs, in := g.Backstage, g.Inputs
	if bs == nil || !in.Notify || g.Entity == nil {
		return
	}
	entity := g.Entity.Ref()
	recipients := []catalog.Ref{entity} // an entity reaches its owners
	if g.Requester.Name != "" {
		recipients = append(recipients, g.Requester)
	}
	severity := backstage.SeverityNormal
	if !res.Status.OK() {
		severity = backstage.SeverityHigh
	}
	who := res.Audit.Actor
	if res.Audit.Requester != "" {
		who = res.Audit.Requester + " (through Backstage)"
	}
	desc := fmt.Sprintf("%s by %s (%s).", res.Status, who, shortSHA(res.Audit.SHA))
	if res.Failure != nil && res.Failure.Cause != "" {
		desc += " " + res.Failure.Cause
	}
	for _, l := range res.Links {
		desc += fmt.Sprintf(" %s: %s", l.Title, l.URL)
	}
	if _, err := bs.Notify(ctx, backstage.Notification{Recipients: recipients, Title: report.Title(res),
		Description: desc, Link: res.Audit.RunURL, Severity: severity,
		Topic: "stagecrew", Scope: "stagecrew:" + res.Target.Entity + ":" + res.Target.Environment + ":" + res.Audit.RunURL}); err != nil {
		fmt.Fprintf(d.Log, "stagecrew: Backstage notification: %s\n", logSafe(err.Error()))
	}
	if err := bs.Refresh(ctx, entity); err != nil {
		fmt.Fprintf(d.Log, "stagecrew: Backstage catalog refresh: %s\n", logSafe(err.Error()))
	}
	if err := bs.PublishEvent(ctx, "stagecrew", res); err != nil {
		d.Logger.Debug("Backstage event not published", "error", err)
	}
}

// reportToGitHub posts or updates the pull request's sticky comment and
// creates the check run, as the inputs ask, through the REST API at
// GITHUB_API_URL. Failures are logged only.
func reportToGitHub(ctx context.Context, d Deps, in config.Inputs, gh *githubactions.GitHubContext, res *result.Result, md string) {
	if !in.Comment && !in.CheckRun {
		return
	}
	if in.GitHubToken == "" {
		fmt.Fprintln(d.Log, "stagecrew: github-token is empty: no pull request comment or check run")
		return
	}
	owner, repo, ok := strings.Cut(gh.Repository, "/")
	if !ok {
		fmt.Fprintf(d.Log, "stagecrew: GITHUB_REPOSITORY %q is not OWNER/REPO: no pull request comment or check run\n", logSafe(gh.Repository))
		return
	}
	client, err := report.NewGitHubClient(d.HTTPClient, gh.APIURL, in.GitHubToken)
	if err != nil {
		fmt.Fprintf(d.Log, "stagecrew: %s\n", logSafe(err.Error()))
		return
	}
	pub := report.NewGitHub(client)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute) // retries wait out rate limits, within reason
	defer cancel()
	pr, sha := pullRequest(gh)
	if in.Comment && pr == 0 {
		fmt.Fprintf(d.Log, "stagecrew: a %s event has no pull request to comment on\n", logSafe(gh.EventName))
	}
	if in.Comment && pr > 0 {
		url, err := pub.StickyComment(ctx, owner, repo, pr, report.Marker(res.Target.Entity, res.Target.Environment), md)
		if err != nil {
			fmt.Fprintf(d.Log, "stagecrew: pull request comment: %s\n", logSafe(err.Error()))
		} else {
			fmt.Fprintf(d.Log, "stagecrew: pull request comment: %s\n", url)
		}
	}
	if in.CheckRun {
		if sha == "" {
			sha = gh.SHA
		}
		url, err := pub.CheckRun(ctx, owner, repo, sha, res, md)
		if err != nil {
			fmt.Fprintf(d.Log, "stagecrew: check run: %s\n", logSafe(err.Error()))
		} else {
			fmt.Fprintf(d.Log, "stagecrew: check run: %s\n", url)
		}
	}
}

// pullRequest returns the number and head commit of the pull request the
// event is for, or 0 and "" (GITHUB_SHA of a pull_request event is the
// merge commit, not the head the check run belongs on).
func pullRequest(gh *githubactions.GitHubContext) (int, string) {
	pr, ok := gh.Event["pull_request"].(map[string]any)
	if !ok {
		return 0, ""
	}
	n, _ := pr["number"].(float64)
	sha := ""
	if head, ok := pr["head"].(map[string]any); ok {
		sha, _ = head["sha"].(string)
	}
	return int(n), sha
}

func writeAudit(path, workspace, runnerTemp string, rec policy.Record, now func() time.Time) error {
	if path == "" {
		return nil
	}
	f, err := openAuditLog(path, workspace, runnerTemp)
	if err != nil {
		return fmt.Errorf("stagecrew: audit-log: %w", err)
	}
	defer f.Close()
	if err := policy.NewAuditWriter(f, policy.WithClock(now)).Write(rec); err != nil {
		return fmt.Errorf("stagecrew: audit-log: %w", err)
	}
	return f.Close()
}

func hasTarget(e *catalog.Entity) bool {
	for k := range e.Metadata.Annotations {
		if k == annotations.KeyStateMachineARN || k == annotations.KeyECSServiceARN || k == annotations.KeyECSServiceTags ||
			strings.HasPrefix(k, annotations.Prefix+"state-machine-arn.") || strings.HasPrefix(k, annotations.Prefix+"ecs-service-arn.") {
			return true
		}
	}
	return false
}

func targetRegion(env annotations.Environment) string {
	switch {
	case !env.StateMachine.IsZero():
		return env.StateMachine.Region
	case !env.Service.IsZero():
		return env.Service.Region
	}
	return ""
}

func defaultBranch(gh *githubactions.GitHubContext) string {
	if repo, ok := gh.Event["repository"].(map[string]any); ok {
		if b, ok := repo["default_branch"].(string); ok {
			return b
		}
	}
	return ""
}

// prString is the number of the event's pull request, or "".
func prString(gh *githubactions.GitHubContext) string {
	if n, _ := pullRequest(gh); n > 0 {
		return strconv.Itoa(n)
	}
	return ""
}

// logSafe keeps an outside string from starting a workflow command.
func logSafe(s string) string { return logsafe.String(s) }
