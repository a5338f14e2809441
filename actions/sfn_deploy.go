package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/asl"
	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/drift"
	"github.com/stagecrew/stagecrew/pkg/report"
	"github.com/stagecrew/stagecrew/pkg/result"
	"github.com/stagecrew/stagecrew/pkg/stepfunctions"
)

// runStepFunctionsDeploy is the runner of mode stepfunctions-deploy: the
// definition file (definition-file, else stagecrew.dev/state-machine-definition)
// from the workspace, substituted (the substitutions input over
// stagecrew.dev/definition-substitutions[.<env>]), validated, published as a
// version with the commit as its description, and the alias (alias, else
// stagecrew.dev/state-machine-alias.<env>) moved to it, at once or as a
// canary. It writes the version-arn, alias-arn and previous-version-arn
// outputs itself.
func runStepFunctionsDeploy(ctx context.Context, d Deps, g *Grant, audit result.Audit) (*result.Result, error) {
	in, entity, env := g.Inputs, g.Entity, g.Env
	if env.StateMachine.IsZero() {
		return nil, fmt.Errorf("%w: %s has no state machine for %s (%s)", ErrNoTarget, entity.Ref(), in.Environment, annotations.KeyStateMachineARN)
	}
	req, err := deployRequest(g, audit)
	if err != nil {
		return nil, err
	}
	dep := &stepfunctions.Deployer{Client: sfn.NewFromConfig(g.AWS), Log: stepfunctions.ActionsLog{W: d.Log}}
	if isPullRequest(g.GitHub.EventName) {
		return planDeploy(ctx, dep, req)
	}
	res, err := dep.Deploy(ctx, req)
	var invalid *stepfunctions.DefinitionError
	if errors.As(err, &invalid) {
		// The findings go to the summary and comment, not only the log.
		res = deployResult(req)
		res.Values[report.ValueDefinitionFindings] = findingLines(invalid.Findings)
	}
	if res != nil {
		pairs := [][2]string{}
		for _, k := range []string{"version-arn", "alias-arn", "previous-version-arn"} {
			if v := res.Values[k]; v != "" {
				pairs = append(pairs, [2]string{k, v})
			}
		}
		if werr := config.AppendFileCommands(d.Action.Getenv, "GITHUB_OUTPUT", pairs); werr != nil {
			fmt.Fprintf(d.Log, "::warning::stagecrew: writing outputs: %s\n", logSafe(werr.Error()))
		}
	}
	return res, err
}

// isPullRequest: a pull request plans a deploy (validation and the diff
// against what each environment runs, in its comment), never makes one.
func isPullRequest(event string) bool {
	return event == "pull_request" || event == "pull_request_target"
}

// maxDiff bounds the diff put in a result (the comment is cut to GitHub's
// limit anyway; this keeps the rest of it readable).
const maxDiff = 48 << 10

// planDeploy validates the definition and diffs it against what the
// environment runs, changing nothing: a result for the pull request's
// comment, Failed when the definition has errors.
func planDeploy(ctx context.Context, dep *stepfunctions.Deployer, req stepfunctions.DeployRequest) (*result.Result, error) {
	res := deployResult(req)
	p, err := dep.Plan(ctx, req)
	if err != nil {
		return res, err
	}
	res.Values["plan"] = "no change: " + p.DeployedFrom + " runs this definition"
	if p.Changed {
		res.Values["plan"] = "a new version replacing " + p.DeployedFrom
	}
	if len(p.Findings) > 0 {
		res.Values[report.ValueDefinitionFindings] = findingLines(p.Findings)
	}
	if p.Changed {
		before, errB := drift.CanonicalJSON(p.Deployed)
		after, errA := drift.CanonicalJSON(p.Definition)
		if errB != nil || errA != nil { // not JSON: compare the text as it is
			before, after = string(p.Deployed), string(p.Definition)
		}
		diff := drift.UnifiedDiff(p.DeployedFrom, req.Source+" (after substitution)", before, after, 3)
		if len(diff) > maxDiff {
			diff = diff[:maxDiff] + "\n... (diff cut)\n"
		}
		res.Values[report.ValueDefinitionDiff] = diff
	}
	res.Status, res.EndedAt = result.Succeeded, time.Now()
	if asl.HasErrors(p.Findings) {
		res.Status = result.Failed
		res.Failure = &result.Failure{Error: "invalid definition", Cause: req.Source + " has errors; see the definition findings"}
	}
	return res, nil
}

// deployResult is the result of a deploy that did not get as far as the
// Deployer's own.
func deployResult(req stepfunctions.DeployRequest) *result.Result {
	sm := req.StateMachine.Unqualified()
	return &result.Result{
		Target:    result.Target{Kind: result.StepFunctionsDeploy, Entity: req.Entity, Environment: req.Environment, Resource: sm.String(), Name: sm.Name},
		Status:    result.Running,
		StartedAt: time.Now(),
		Audit:     req.Audit,
		Values:    map[string]string{},
	}
}

func findingLines(fs []asl.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

// deployRequest gathers what Deploy needs from the inputs, the entity's
// annotations and the workspace.
func deployRequest(g *Grant, audit result.Audit) (stepfunctions.DeployRequest, error) {
	in, gh, entity, env, targets := g.Inputs, g.GitHub, g.Entity, g.Env, g.Targets
	path := in.DefinitionFile
	if path == "" {
		path = targets.StateMachineDefinition
	}
	if path == "" {
		return stepfunctions.DeployRequest{}, fmt.Errorf("%w: %s names no definition file (%s or the definition-file input)",
			ErrNoTarget, entity.Ref(), annotations.KeyStateMachineDefinition)
	}
	def, err := readWorkspaceFile(workspaceOf(gh), "definition-file", path, asl.MaxDefinitionSize)
	if err != nil {
		return stepfunctions.DeployRequest{}, fmt.Errorf("stagecrew: %w", err)
	}
	subs := targets.SubstitutionsFor(in.Environment)
	if in.Substitutions != "" {
		over, err := annotations.ParseSubstitutionLines(in.Substitutions)
		if err != nil {
			return stepfunctions.DeployRequest{}, fmt.Errorf("%w: substitutions: %w", ErrBadInputs, err)
		}
		if subs == nil {
			subs = map[string]string{}
		}
		maps.Copy(subs, over)
	}
	alias := in.Alias
	if alias == "" {
		alias = env.StateMachineAlias
	}
	return stepfunctions.DeployRequest{
		StateMachine: env.StateMachine, Alias: alias,
		Definition: def, Source: path, Substitutions: subs, Commit: gh.SHA,
		Canary: stepfunctions.Canary{Weight: in.CanaryWeight, Window: in.CanaryWindow},
		Entity: entity.Ref().String(), Environment: in.Environment, Audit: audit,
	}, nil
}
