package actions

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/asl"
	"github.com/stagecrew/stagecrew/pkg/config"
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
	res, err := dep.Deploy(ctx, req)
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
		Canary:      stepfunctions.Canary{Weight: in.CanaryWeight, Window: in.CanaryWindow},
		Entity:      entity.Ref().String(), Environment: in.Environment, Audit: audit,
	}, nil
}
