package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/awsauth"
	"github.com/stagecrew/stagecrew/pkg/backstage"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/iam"
	"github.com/stagecrew/stagecrew/pkg/policy"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// Grant is what Authorize established: who asked for what, where, what the
// policy decided, and (when allowed) the AWS credentials of the entity's
// role for the environment. Runners and reporters only read it.
type Grant struct {
	Inputs config.Inputs
	GitHub *githubactions.GitHubContext
	// Claims are the verified claims of the job's OIDC token.
	Claims awsauth.Claims

	Entity  *catalog.Entity
	Targets *annotations.Targets
	Env     annotations.Environment
	Mode    string // config.ModeStepFunctions, ModeECSDeploy or ModeECSRunTask; "" with Deps.PolicyAction
	Role    annotations.RoleARN

	// Requester is the user who asked for the run: for a run Backstage
	// dispatched (the backstage-task input), the task's creator; else zero,
	// and the OIDC actor asked.
	Requester catalog.Ref
	// Task is the scaffolder task the run came from, nil without one.
	Task *backstage.Task

	Decision    policy.Decision
	Record      policy.Record
	SessionName string
	// AWS holds the role's credentials; the zero Config when denied.
	AWS aws.Config
	// Backstage is the client for backstage-url, nil without it.
	Backstage *backstage.Client
	// Facts says where the entity, users, groups and policy were read.
	Facts string
}

// Audit returns the run's audit fields for results and reports.
func (g *Grant) Audit() result.Audit {
	gh := g.GitHub
	a := result.Audit{Actor: g.Claims.Actor, RoleARN: g.Role.String(), SessionName: g.SessionName, Repository: gh.Repository, SHA: gh.SHA,
		RunURL: fmt.Sprintf("%s/%s/actions/runs/%d", gh.ServerURL, gh.Repository, gh.RunID)}
	if g.Requester.Name != "" {
		a.Requester = g.Requester.String()
	}
	if g.Task != nil {
		a.BackstageTask = g.Task.ID
	}
	return a
}

// runKey is what makes a start idempotent: the GitHub run and job, or for a
// run Backstage dispatched, the scaffolder task, so that a replayed dispatch
// of the same task attaches to what the first one started.
func (g *Grant) runKey() (runID, job string) {
	if g.Task != nil {
		return "backstage-task-" + g.Task.ID, "backstage"
	}
	return strconv.FormatInt(g.GitHub.RunID, 10), g.GitHub.Job
}

// Authorize reads the inputs, verifies the job's OIDC token, reads the
// entity, users, groups and policy from places the change under review
// cannot rewrite, establishes who asked (the Backstage task's creator when
// backstage-task is set), lets the policy decide, writes the audit record
// and, when allowed, returns credentials for the entity's role.
//
// Once the token is verified, anything that keeps the decision from being
// made on trusted facts — an unreadable default branch or Backstage, an
// unknown entity, a task that cannot be trusted — is a denial: audited,
// nothing touches AWS, and Authorize returns the Grant (Decision says why)
// with an error wrapping ErrDenied.
func Authorize(ctx context.Context, d Deps) (*Grant, error) {
	d = d.withDefaults()
	a := d.Action
	in, err := config.Read(a)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInputs, err)
	}
	gh, err := a.Context()
	if err != nil {
		return nil, fmt.Errorf("stagecrew: reading the GitHub context: %w", err)
	}
	g := &Grant{Inputs: in, GitHub: gh}

	// Who runs this job, from the verified OIDC token rather than from
	// environment variables anyone in the job could set.
	// The token source masks the token before anything else is logged,
	// and reports a refused request by its status, never its body.
	token, err := awsauth.IDTokenSource(a, in.Audience)(ctx)
	if err != nil {
		return nil, fmt.Errorf("stagecrew: %w", err)
	}
	if g.Claims, err = awsauth.VerifyToken(ctx, token, d.Issuer, in.Audience, d.HTTPClient); err != nil {
		return nil, fmt.Errorf("stagecrew: verifying the workflow's OIDC token: %w", err)
	}
	c := g.Claims
	g.SessionName = awsauth.SessionName(c.Actor, fmt.Sprintf("%s-%s", c.RunID, c.RunAttempt))
	pin := policy.Input{Environment: in.Environment, Actor: c.Actor,
		Repository: c.Repository, Event: c.EventName, Ref: c.Ref, GitHubEnvironment: c.Environment,
		Subject: c.Subject, DefaultBranch: defaultBranch(gh)}
	if in.BackstageTask != "" {
		pin.Task = &policy.Task{ID: in.BackstageTask}
	}
	deny := func(err error) (*Grant, error) {
		g.Decision = policy.Decision{Actor: c.Actor, Reason: err.Error(), Remedy: remedyOf(err)}
		if werr := g.audit(d, pin); werr != nil {
			return nil, werr
		}
		return g, fmt.Errorf("%w: %w", ErrDenied, err)
	}

	facts, err := openTrusted(ctx, d, in, gh)
	if err != nil {
		return deny(err)
	}
	if in.BackstageURL != "" {
		token := in.BackstageToken
		if token != "" {
			d.Action.AddMask(token)
		}
		if in.BackstageTokenSecret != "" {
			if token, err = backstageTokenFromSecret(ctx, d, in, facts); err != nil {
				return deny(err)
			}
		}
		if g.Backstage, err = newBackstage(d, in, token); err != nil {
			return nil, err
		}
		facts.useBackstage(g.Backstage)
	}
	g.Facts = facts.Source
	fmt.Fprintf(d.Log, "stagecrew: policy, catalog and entity read from %s\n", logSafe(facts.Source))
	pol, err := facts.Policy(ctx, in.PolicyFile)
	if err != nil {
		return deny(err)
	}
	if g.Entity, err = facts.Entity(ctx, in.Entity); err != nil {
		return deny(backstageAuth(err, in))
	}
	pin.Entity = g.Entity
	if pin.Catalog, err = facts.Catalog(ctx); err != nil {
		return deny(err)
	}

	if g.Targets, err = annotations.Read(g.Entity); err != nil {
		return nil, fmt.Errorf("stagecrew: the entity's annotations: %w", err)
	}
	if g.Env, err = g.Targets.ForEnvironment(in.Environment); err != nil && !errors.Is(err, annotations.ErrNoRole) {
		return nil, fmt.Errorf("stagecrew: %w", err)
	}
	if g.Role, err = awsauth.ResolveRole(g.Targets, in.Environment, in.RoleARN); err != nil {
		return nil, fmt.Errorf("stagecrew: %w", err)
	}
	if d.PolicyAction != "" {
		pin.Action = d.PolicyAction // credentials only: no mode, no target
	} else {
		if g.Mode, err = resolveMode(in.Mode, g.Entity, g.Env); err != nil {
			return nil, err
		}
		if err := in.CheckMode(g.Mode); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadInputs, err)
		}
		pin.Action = map[string]string{config.ModeStepFunctions: policy.ActionStepFunctionsStart, config.ModeECSDeploy: policy.ActionECSDeploy,
			config.ModeECSRunTask: policy.ActionECSRunTask, config.ModeStepFunctionsDeploy: policy.ActionStepFunctionsDeploy}[g.Mode]
	}

	if in.BackstageTask != "" {
		if g.Requester, g.Task, err = requester(ctx, d, g, pol); g.Task != nil {
			pin.Task.Template = g.Task.Spec.TemplateInfo.EntityRef
		}
		if err != nil {
			return deny(err)
		}
		pin.Requester = g.Requester
		// The role session carries the requester's name, so CloudTrail
		// shows who asked, not the bot that dispatched the workflow.
		g.SessionName = awsauth.SessionName(g.Requester.Name, fmt.Sprintf("%s-%s", c.RunID, c.RunAttempt))
	}
	g.Decision = policy.Decide(ctx, pin, pol)
	if err := g.audit(d, pin); err != nil {
		return nil, err
	}
	if !g.Decision.Allowed {
		return g, fmt.Errorf("%w: %s; %s", ErrDenied, g.Decision.Reason, g.Decision.Remedy)
	}
	fmt.Fprintf(d.Log, "stagecrew: %s may %s %s in %s (%s)\n", logSafe(whoLabel(g)), pin.Action, g.Entity.Ref(), logSafe(in.Environment), logSafe(g.Decision.Rule))

	// Credentials: the workflow's OIDC token for the role, refreshed on
	// their own during long waits.
	expectedSub := ""
	if slug := g.Entity.Metadata.Annotations[catalog.AnnotationGitHubSlug]; slug != "" {
		expectedSub, _ = iam.Subject(iam.TrustOptions{Repository: slug, Environment: in.Environment})
	}
	region := in.AWSRegion
	if region == "" {
		region = targetRegion(g.Env)
	}
	g.AWS, err = awsauth.Config(ctx, awsauth.Options{RoleARN: g.Role, SessionName: g.SessionName, Duration: time.Duration(in.RoleSessionDuration) * time.Second,
		Audience: in.Audience, ExpectedSub: expectedSub, Region: region, Endpoint: d.AWSEndpoint, HTTPClient: d.HTTPClient, Action: a, Logger: d.Logger})
	if err != nil {
		return nil, fmt.Errorf("stagecrew: %w", err)
	}
	if d.AWSEndpoint != "" {
		g.AWS.BaseEndpoint = aws.String(d.AWSEndpoint)
	}
	return g, nil
}

// audit builds the decision's record and appends it to the audit log.
func (g *Grant) audit(d Deps, pin policy.Input) error {
	a := g.Audit()
	g.Record = policy.NewRecord(pin, g.Decision, policy.RunDetails{RoleARN: g.Role.String(), SessionName: g.SessionName, SHA: g.GitHub.SHA, RunURL: a.RunURL})
	if g.Record.Entity == "" {
		g.Record.Entity = g.Inputs.Entity // not resolved: what was asked for
	}
	g.Record.Time = d.Now().UTC().Format(time.RFC3339)
	return writeAudit(g.Inputs.AuditLog, workspaceOf(g.GitHub), d.Action.Getenv("RUNNER_TEMP"), g.Record, d.Now)
}

// backstageAuth explains a refusal of stagecrew's credentials by Backstage.
func backstageAuth(err error, in config.Inputs) error {
	if !errors.Is(err, backstage.ErrUnauthorized) {
		return err
	}
	how := fmt.Sprintf("its OIDC token for audience %q", in.BackstageAudience)
	if in.BackstageToken != "" || in.BackstageTokenSecret != "" {
		how = "the static token"
	}
	return &policy.TaskError{Task: in.BackstageTask, Check: "backstage-auth",
		Reason: fmt.Sprintf("Backstage refused stagecrew's credentials, %s (%v)", how, err),
		Remedy: fmt.Sprintf("configure backend.auth.externalAccess with a jwks entry for the GitHub OIDC issuer and audience %q (examples/backstage/app-config.yaml), or pass backstage-token-secret", in.BackstageAudience)}
}

// requester reads the Backstage task the run names and checks it against
// the run; any failure to establish the requester is a refusal.
func requester(ctx context.Context, d Deps, g *Grant, pol *policy.Policy) (catalog.Ref, *backstage.Task, error) {
	in := g.Inputs
	task, err := g.Backstage.Task(ctx, in.BackstageTask)
	switch {
	case errors.Is(err, backstage.ErrNotFound):
		return catalog.Ref{}, nil, &policy.TaskError{Task: in.BackstageTask, Check: "unknown", Reason: "Backstage has no such task"}
	case errors.Is(err, backstage.ErrUnauthorized):
		return catalog.Ref{}, nil, backstageAuth(err, in)
	case err != nil:
		return catalog.Ref{}, nil, &policy.TaskError{Task: in.BackstageTask, Check: "unreadable", Reason: fmt.Sprintf("reading it from Backstage: %v", err)}
	}
	run := policy.TaskRun{Actor: g.Claims.Actor, Ref: g.Claims.Ref, Now: d.Now(),
		// The entity this run would act on, however the input named it.
		Parameters: map[string]string{"entity": g.Entity.Ref().String(), "environment": in.Environment, "image": in.Image, "input": in.Input}}
	pt := policy.Task{ID: task.ID, CreatedBy: task.CreatedBy, CreatedAt: task.CreatedAt, Status: task.Status,
		Template: task.Spec.TemplateInfo.EntityRef, Parameters: task.Spec.Parameters}
	user, err := policy.CheckTask(pt, run, pol)
	return user, task, err
}

func remedyOf(err error) string {
	var te *policy.TaskError
	if errors.As(err, &te) && te.Remedy != "" {
		return te.Remedy
	}
	return "dispatch the run from Backstage again"
}

func whoLabel(g *Grant) string {
	if g.Requester.Name != "" {
		return fmt.Sprintf("%s (asked in Backstage, task %s; dispatched by %s)", g.Requester, g.Task.ID, g.Claims.Actor)
	}
	return g.Claims.Actor
}

// newBackstage builds the Backstage client. Without a static token it
// authenticates with the job's own OIDC token for backstage-audience, which
// Backstage verifies through an externalAccess jwks entry: no secret.
func newBackstage(d Deps, in config.Inputs, token string) (*backstage.Client, error) {
	opts := []backstage.Option{backstage.WithHTTPClient(d.HTTPClient), backstage.WithLogger(d.Logger)}
	if token == "" {
		opts = append(opts, backstage.WithTokenSource(awsauth.IDTokenSource(d.Action, in.BackstageAudience)))
	}
	return backstage.New(in.BackstageURL, token, opts...)
}

func resolveMode(mode string, entity *catalog.Entity, env annotations.Environment) (string, error) {
	if mode != config.ModeAuto {
		return mode, nil
	}
	switch {
	case !env.StateMachine.IsZero():
		return config.ModeStepFunctions, nil
	case !env.Service.IsZero(), entity.Metadata.Annotations[annotations.KeyECSServiceTags] != "":
		return config.ModeECSDeploy, nil
	}
	return "", fmt.Errorf("%w: %s has neither %s nor %s", ErrNoTarget, entity.Ref(), annotations.KeyStateMachineARN, annotations.KeyECSServiceARN)
}

func workspaceOf(gh *githubactions.GitHubContext) string {
	if gh.Workspace == "" {
		return "."
	}
	return gh.Workspace
}

// auditJSON is the record as the audit-record output holds it.
func auditJSON(rec policy.Record) string {
	b, _ := json.Marshal(rec)
	return strings.TrimSpace(string(b))
}
