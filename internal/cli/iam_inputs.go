package cli

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/ecs"
	"github.com/stagecrew/stagecrew/pkg/iam"
)

// stepFlags adds --input NAME=VALUE and --step to fs, collecting into
// *steps the with: of workflow steps of one role: --input adds to the
// current step, --step starts another. The values are read by pkg/config
// as the action reads them (readStep), so the command and the action
// cannot disagree on names, defaults, modes or validation.
func stepFlags(fs *flag.FlagSet, steps *[]map[string]string) {
	current := func() map[string]string {
		if len(*steps) == 0 {
			*steps = append(*steps, map[string]string{})
		}
		return (*steps)[len(*steps)-1]
	}
	fs.Func("input", "an input of the workflow step, as in its with: (`NAME=VALUE`; repeat for each input): the policy adds what the step's inputs make the action call", func(v string) error {
		name, value, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return fmt.Errorf("want NAME=VALUE, as in a step's with:, not %q", v)
		}
		if !slices.Contains(config.InputNames(), name) {
			return fmt.Errorf("%q is not an input of the stagecrew action", name)
		}
		step := current()
		if _, dup := step[name]; dup {
			return fmt.Errorf("input %s given twice in one step (start another with --step)", name)
		}
		step[name] = value
		return nil
	})
	fs.BoolFunc("step", "start another workflow step of the same role: the following --input flags are its with:", func(string) error {
		*steps = append(*steps, map[string]string{})
		return nil
	})
}

// readStep reads one step's inputs with pkg/config, the environment being
// the command's, and returns them with the mode resolved as the action
// resolves auto.
func readStep(i int, with map[string]string, environment string, env annotations.Environment, targets *annotations.Targets) (config.Inputs, string, error) {
	if e, ok := with["environment"]; ok && e != environment {
		return config.Inputs{}, "", usageErrorf("step %d: input environment=%q differs from --environment %q", i+1, e, environment)
	}
	vars := map[string]string{"INPUT_ENVIRONMENT": environment}
	for k, v := range with {
		vars["INPUT_"+strings.ToUpper(k)] = v
	}
	in, err := config.Read(githubactions.New(githubactions.WithGetenv(func(k string) string { return vars[k] })))
	if err != nil {
		return config.Inputs{}, "", usageErrorf("step %d: %v", i+1, err)
	}
	mode := in.Mode
	if mode == config.ModeAuto {
		switch {
		case !env.StateMachine.IsZero():
			mode = config.ModeStepFunctions
		case !env.Service.IsZero(), targets != nil && len(targets.ServiceTags) > 0:
			mode = config.ModeECSDeploy
		}
		if err := in.CheckMode(mode); err != nil {
			return config.Inputs{}, "", usageErrorf("step %d (mode auto is %s for this entity): %v", i+1, mode, err)
		}
	}
	return in, mode, nil
}

// applySteps adds to po what the steps' inputs make the action call
// besides the entity's baseline: keep-revisions, tags, extra roles and
// CodeDeploy (ecs-deploy), tags (ecs-run-task), a definition deploy and its
// alias (stepfunctions-deploy). blueGreen says the service has the
// CODE_DEPLOY deployment controller, which the entity does not record.
func applySteps(po *iam.PermissionOptions, steps []map[string]string, environment string, env annotations.Environment, targets *annotations.Targets, blueGreen bool) error {
	var cd *iam.CodeDeployGroup
	for i, with := range steps {
		in, mode, err := readStep(i, with, environment, env, targets)
		if err != nil {
			return err
		}
		switch mode {
		case config.ModeECSDeploy:
			po.Deploy.KeepRevisions = po.Deploy.KeepRevisions || in.KeepRevisions > 0
			po.Deploy.Tags = po.Deploy.Tags || in.Tags != ""
			for _, r := range []string{in.TaskRoleARN, in.ExecutionRoleARN} {
				if r != "" && !slices.Contains(po.Deploy.PassRoles, r) {
					po.Deploy.PassRoles = append(po.Deploy.PassRoles, r)
				}
			}
			if in.CodeDeployApplication != "" || in.CodeDeployDeploymentGroup != "" {
				g := codeDeployGroup(env.Service, in.CodeDeployApplication, in.CodeDeployDeploymentGroup)
				if cd != nil && *cd != g {
					return usageErrorf("step %d: CodeDeploy group %s/%s differs from another step's %s/%s", i+1, g.Application, g.DeploymentGroup, cd.Application, cd.DeploymentGroup)
				}
				cd = &g
			}
		case config.ModeECSRunTask:
			po.Deploy.Tags = po.Deploy.Tags || in.Tags != ""
		case config.ModeStepFunctionsDeploy:
			if po.StateMachine.IsZero() {
				return invalidf("step %d: mode stepfunctions-deploy, but the entity has no state machine in %q (%s)", i+1, environment, annotations.KeyStateMachineARN)
			}
			alias := in.Alias
			if alias == "" {
				alias = env.StateMachineAlias
			}
			if po.DefinitionDeploy == nil {
				po.DefinitionDeploy = &iam.DefinitionDeploy{}
			}
			if alias != "" && po.DefinitionDeploy.Alias != "" && po.DefinitionDeploy.Alias != alias {
				return usageErrorf("step %d: alias %q differs from another step's %q (one policy moves one alias)", i+1, alias, po.DefinitionDeploy.Alias)
			}
			if alias != "" {
				po.DefinitionDeploy.Alias = alias
			}
		}
	}
	if blueGreen && cd == nil {
		g := codeDeployGroup(env.Service, "", "")
		cd = &g
	}
	if cd != nil {
		if env.Service.IsZero() {
			return invalidf("CodeDeploy statements need the ECS service, and the entity has none in %q", environment)
		}
		po.Deploy.CodeDeploy = cd
	}
	return nil
}

// codeDeployGroup applies the action's defaults (ecs.CodeDeployOptions):
// the names the ECS console gives a blue/green service's application and
// deployment group.
func codeDeployGroup(svc annotations.ServiceARN, app, group string) iam.CodeDeployGroup {
	if app == "" {
		app = "AppECS-" + svc.Cluster + "-" + svc.Service
	}
	if group == "" {
		group = "DgpECS-" + svc.Cluster + "-" + svc.Service
	}
	return iam.CodeDeployGroup{Application: app, DeploymentGroup: group}
}

// stepSecrets returns the secrets input's valueFrom ARNs of every
// ecs-deploy step, for the execution role.
func stepSecrets(steps []map[string]string, environment string, env annotations.Environment, targets *annotations.Targets) ([]string, error) {
	var out []string
	for i, with := range steps {
		in, mode, err := readStep(i, with, environment, env, targets)
		if err != nil {
			return nil, err
		}
		if mode != config.ModeECSDeploy || in.Secrets == "" {
			continue
		}
		vals, err := ecs.ParseContainerValues(in.Secrets)
		if err != nil {
			return nil, usageErrorf("step %d: input secrets: %v", i+1, err)
		}
		for _, v := range vals {
			out = append(out, v.Value)
		}
	}
	return out, nil
}
