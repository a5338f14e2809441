package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	awscodedeploy "github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	rgt "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/ecs"
	"github.com/stagecrew/stagecrew/pkg/iam"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// maxAppSpecFile bounds the codedeploy-appspec file (CodeDeploy takes 64 KiB).
const maxAppSpecFile = 64 << 10

// resolveECSService fills env.Service, when the entity names no ECS service
// ARN, from its aws.amazon.com/amazon-ecs-service-tags annotation through
// the Resource Groups Tagging API, in the role's account and the action's
// region (aws-region).
func resolveECSService(ctx context.Context, d Deps, g *Grant, env *annotations.Environment) error {
	if !env.Service.IsZero() || g.Targets == nil || len(g.Targets.ServiceTags) == 0 {
		return nil
	}
	s, err := ecs.FindServiceByTags(ctx, rgt.NewFromConfig(g.AWS), g.Targets.ServiceTags)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrNoTarget, g.Entity.Ref(), err)
	}
	if s.Account != g.Role.Account || s.Partition != g.Role.Partition {
		return fmt.Errorf("%w: the service tagged %s, %s, is not in the account of the role %s", ErrNoTarget, annotations.FormatTags(g.Targets.ServiceTags), s, g.Role)
	}
	fmt.Fprintf(d.Log, "stagecrew: %s found by its tags %s\n", logSafe(s.String()), logSafe(annotations.FormatTags(g.Targets.ServiceTags)))
	env.Service = s
	g.Env.Service = s
	return nil
}

// withCodeDeploy gives the runner its CodeDeploy client, for services with
// the CODE_DEPLOY deployment controller.
func withCodeDeploy(r *ecs.Runner, g *Grant) *ecs.Runner {
	r.CodeDeploy = awscodedeploy.NewFromConfig(g.AWS)
	return r
}

// inputError is a problem with one ECS input, in config's form.
func inputError(input string, err error) error {
	return fmt.Errorf("%w: %w", ErrBadInputs, &config.InputError{Input: input, Reason: err.Error()})
}

// deployInputs sets on o what the ECS deploy inputs of issue 13 ask:
// several containers' images, environment and secrets, roles, tags,
// service settings, clean-up, cancel behaviour and the CodeDeploy
// blue/green options. Secrets and roles must be in the role's account.
func deployInputs(g *Grant, o *ecs.DeployOptions) error {
	in := g.Inputs
	var images, env, secrets []ecs.ContainerValue
	var err error
	for _, p := range []struct {
		input, value string
		dst          *[]ecs.ContainerValue
		parse        func(string) ([]ecs.ContainerValue, error)
	}{
		{"images", in.Images, &images, ecs.ParseImages},
		{"environment-variables", in.EnvironmentVariables, &env, ecs.ParseContainerValues},
		{"secrets", in.Secrets, &secrets, ecs.ParseContainerValues},
	} {
		if p.value == "" {
			continue
		}
		if *p.dst, err = p.parse(p.value); err != nil {
			return inputError(p.input, err)
		}
	}
	for _, s := range secrets {
		ref, err := iam.ParseSecretRef(s.Value)
		if err == nil {
			err = ref.CheckAccount(g.Role.Partition, g.Role.Account)
		}
		if err != nil {
			return inputError("secrets", &ecs.LineError{Line: s.Line, Field: "value", Reason: fmt.Sprintf("%s.%s: %v", s.Container, s.Name, err)})
		}
	}
	for _, r := range []struct{ input, arn string }{{"task-role-arn", in.TaskRoleARN}, {"execution-role-arn", in.ExecutionRoleARN}} {
		if r.arn == "" {
			continue
		}
		role, err := annotations.ParseRoleARN(r.arn)
		if err != nil {
			return inputError(r.input, err)
		}
		if role.Account != g.Role.Account || role.Partition != g.Role.Partition {
			return inputError(r.input, fmt.Errorf("%w: %s is not in the account of the environment's role %s", iam.ErrForeignAccount, role, g.Role))
		}
	}
	o.Edits = ecs.Edits{Containers: ecs.EditsFromValues(images, env, secrets), TaskRoleARN: in.TaskRoleARN, ExecutionRoleARN: in.ExecutionRoleARN}
	if in.Tags != "" {
		if o.Edits.Tags, err = parseTags(in.Tags); err != nil {
			return inputError("tags", err)
		}
	}
	if in.DesiredCount != "" {
		n, err := strconv.ParseInt(in.DesiredCount, 10, 32)
		if err != nil {
			return inputError("desired-count", err)
		}
		c := int32(n)
		o.DesiredCount = &c
	}
	o.ForceNewDeployment = in.ForceNewDeployment
	o.PropagateTags = types.PropagateTags(in.PropagateTags)
	o.EnableECSManagedTags = in.EnableECSManagedTags
	o.KeepRevisions = in.KeepRevisions
	o.RollbackOnCancel = in.StopOnCancel
	o.CodeDeploy = ecs.CodeDeployOptions{Application: in.CodeDeployApplication, DeploymentGroup: in.CodeDeployDeploymentGroup, Config: in.CodeDeployConfig}
	if in.CodeDeployAppSpec != "" {
		if o.CodeDeploy.AppSpec, err = readWorkspaceFile(workspaceOf(g.GitHub), "codedeploy-appspec", in.CodeDeployAppSpec, maxAppSpecFile); err != nil {
			return fmt.Errorf("stagecrew: %w", err)
		}
	}
	return nil
}

// taskInputs sets on o the run-task inputs of issue 13: network, launch
// and tag overrides.
func taskInputs(g *Grant, o *ecs.TaskOptions) error {
	in := g.Inputs
	o.Subnets, o.SecurityGroups = splitList(in.Subnets), splitList(in.SecurityGroups)
	o.AssignPublicIP = types.AssignPublicIp(in.AssignPublicIP)
	o.LaunchType = types.LaunchType(in.LaunchType)
	if in.CapacityProviderStrategy != "" {
		var items []types.CapacityProviderStrategyItem
		dec := json.NewDecoder(strings.NewReader(in.CapacityProviderStrategy))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&items); err != nil {
			return inputError("capacity-provider-strategy", fmt.Errorf("is not a JSON array of {\"capacityProvider\", \"weight\", \"base\"}: %w", err))
		}
		for i, it := range items {
			if it.CapacityProvider == nil || *it.CapacityProvider == "" {
				return inputError("capacity-provider-strategy", fmt.Errorf("item %d has no capacityProvider", i+1))
			}
		}
		if len(items) == 0 {
			return inputError("capacity-provider-strategy", errors.New("is an empty array"))
		}
		o.CapacityProviderStrategy = items
	}
	if in.Tags != "" {
		tags, err := parseTags(in.Tags)
		if err != nil {
			return inputError("tags", err)
		}
		o.Tags = tags
	}
	if in.PropagateTags == string(types.PropagateTagsService) {
		return inputError("propagate-tags", errors.New("SERVICE is for deployments; a one-off task copies TASK_DEFINITION tags or NONE"))
	}
	o.PropagateTags = types.PropagateTags(in.PropagateTags)
	o.EnableECSManagedTags = in.EnableECSManagedTags
	return nil
}

// parseTags reads key=value pairs separated by commas or new lines.
func parseTags(s string) (map[string]string, error) {
	return annotations.ParseTags(strings.Join(splitList(s), ","))
}

// splitList splits a list input at commas and new lines, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// ecsDeployOutputs returns the deployment-id, task-definition-arn and
// codedeploy-deployment-id outputs of an ECS deployment's result. A
// register-only run has no deployment: its ARN is task-definition-arn only.
func ecsDeployOutputs(res *result.Result) (deploymentID, taskDefinitionARN, codeDeployID string) {
	taskDefinitionARN = res.Values[ecs.ValueTaskDefinition]
	if res.ID != taskDefinitionARN {
		deploymentID = res.ID
	}
	return deploymentID, taskDefinitionARN, res.Values[ecs.ValueCodeDeployID]
}
