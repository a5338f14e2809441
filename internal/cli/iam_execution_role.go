package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/iam"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

func iamExecutionRoleCommand() *Command {
	c := &Command{
		Name:    "iam execution-role",
		Summary: "Print the IAM permissions the ECS task execution role needs to read the containers' secrets",
		Usage:   "iam execution-role --entity FILE --environment ENV [--task-definition FILE] [--input NAME=VALUE]... [--step --input NAME=VALUE...]...",
		Examples: `  stagecrew iam execution-role --entity catalog-info.yaml --environment production

  # the secrets a deploy step adds (its with: secrets)
  stagecrew iam execution-role --entity catalog-info.yaml --environment production \
    --input mode=ecs-deploy --input secrets='web.DB_PASSWORD=arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf'

The secrets are the task definition's (its containers' valueFrom) and the
secrets input of every ecs-deploy step: secretsmanager:GetSecretValue on the
Secrets Manager secrets, ssm:GetParameters on the SSM parameters. Each must
be in the account of the environment's role. ECS reads them with the
execution role when a task starts; the deploying role never does. A secret
encrypted with a customer managed KMS key needs kms:Decrypt on that key
besides, which the ARNs do not reveal.`,
	}
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		opts := &IAMOptions{IO: streams}
		if err := iamFlags(c, streams, opts)(args); err != nil {
			return err
		}
		return IAMExecutionRoleRun(ctx, opts)
	}
	return c
}

// IAMExecutionRoleRun prints iam.ExecutionRolePermissions for the secrets
// of the entity's task definition and of the steps' secrets inputs.
func IAMExecutionRoleRun(_ context.Context, opts *IAMOptions) error {
	e, envTargets, targets, err := loadIAMEntity(opts)
	if err != nil && !errors.Is(err, annotations.ErrNoRole) {
		return err
	}
	// The account secrets must be in: the role's, as the action checks;
	// without a role, the service's.
	partition, account := envTargets.Role.Partition, envTargets.Role.Account
	if account == "" {
		partition, account = envTargets.Service.Partition, envTargets.Service.Account
	}
	if account == "" {
		return invalidf("%s has no IAM role and no ECS service in %q: set %s or %s (secrets must be in its account)",
			e.Ref(), opts.Environment, annotations.KeyRoleARN, annotations.KeyECSServiceARN)
	}
	var secrets []string
	if opts.TaskDefinition != "" || targets.TaskDefinition != "" {
		td, err := readIAMTaskDefinition(opts, e, targets)
		if err != nil {
			return err
		}
		secrets = td.Secrets
	}
	more, err := stepSecrets(opts.Steps, opts.Environment, envTargets, targets)
	if err != nil {
		return err
	}
	for _, s := range more {
		if !slices.Contains(secrets, s) {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return invalidf("%s in %q: no secrets in the task definition or the secrets inputs: the execution role needs no read permission", e.Ref(), opts.Environment)
	}
	doc, err := iam.ExecutionRolePermissions(iam.ExecutionRoleOptions{Secrets: secrets, Partition: partition, Account: account})
	if err != nil {
		return invalidf("%s in %q: %v", e.Ref(), opts.Environment, err)
	}
	return printPolicy(opts.IO, doc, iam.Validate)
}

// readIAMTaskDefinition reads --task-definition, else the file the entity's
// stagecrew.dev/task-definition names (relative to the entity file's
// folder or a parent).
func readIAMTaskDefinition(opts *IAMOptions, e *catalog.Entity, targets *annotations.Targets) (*iam.TaskDefinition, error) {
	path := opts.TaskDefinition
	if path == "" {
		if targets.TaskDefinition == "" {
			return nil, invalidf("%s has an ECS service but no %s annotation naming its task definition file (its family and roles scope ecs:RunTask and iam:PassRole); add it or pass --task-definition",
				e.Ref(), annotations.KeyTaskDefinition)
		}
		var err error
		if path, err = findUp(filepath.Dir(opts.EntityFile), targets.TaskDefinition); err != nil {
			return nil, invalidf("%s: %s: %v", e.Ref(), annotations.KeyTaskDefinition, err)
		}
	}
	data, err := safefile.ReadFile(path, catalog.DefaultMaxFileSize)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("cannot read %s: %s", path, readProblem(err))}
	}
	td, err := iam.ParseTaskDefinition(data)
	if err != nil {
		return nil, invalidf("%s: %v", path, err)
	}
	return td, nil
}

// serviceByTags sets the service of an entity that names its ECS service
// by aws.amazon.com/amazon-ecs-service-tags alone, as the action finds it:
// --service says which one the tags find (the policy must name it), and
// the role gets tag:GetResources.
func serviceByTags(opts *IAMOptions, e *catalog.Entity, po *iam.PermissionOptions, env *annotations.Environment, targets *annotations.Targets) error {
	byTags := env.Service.IsZero() && targets != nil && len(targets.ServiceTags) > 0
	switch {
	case opts.Service == "" && byTags:
		return invalidf("%s finds its ECS service by its tags %s in %q: pass the service they find with --service ARN (the policy names it)",
			e.Ref(), annotations.FormatTags(targets.ServiceTags), opts.Environment)
	case opts.Service == "":
		return nil
	case !byTags:
		return usageErrorf("--service is for an entity that finds its ECS service by %s; %s names its service", annotations.KeyECSServiceTags, e.Ref())
	}
	svc, err := annotations.ParseServiceARN(opts.Service)
	if err != nil {
		return usageErrorf("--service: %v", err)
	}
	if r := env.Role; !r.IsZero() && (svc.Account != r.Account || svc.Partition != r.Partition) {
		// The action refuses a tagged service outside the role's account.
		return usageErrorf("--service: %s is not in the account of the role %s", svc, r)
	}
	po.Service, env.Service = svc, svc
	po.Deploy.FindByTags = true
	return nil
}
