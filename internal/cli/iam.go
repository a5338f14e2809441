package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/iam"
	"github.com/stagecrew/stagecrew/pkg/logsafe"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// IAMOptions are the inputs and dependencies of 'stagecrew iam trust-policy'
// and 'stagecrew iam permissions'.
type IAMOptions struct {
	IO          *IOStreams
	EntityFile  string
	Name        string // which entity of a multi-document file
	Environment string

	// trust-policy
	Repository   string // OWNER/REPO; github.com/project-slug when empty
	Subject      string // "environment" or "branch"
	Branch       string
	ImmutableIDs string // OWNERID/REPOID
	Audience     string

	// permissions
	TaskDefinition string // path; stagecrew.dev/task-definition when empty
	Drift          bool   // the read-only policy of 'stagecrew drift' instead
	// StateMachineRole is the state machine's execution role a definition
	// deploy may pass (iam:PassRole, to Step Functions only).
	StateMachineRole string
	// Steps are the with: of the workflow steps that use the role (--input
	// and --step), read by pkg/config as the action reads them: the policy
	// adds what they make the action call (applySteps).
	Steps []map[string]string
	// BlueGreen: the service has the CODE_DEPLOY deployment controller
	// (which the entity does not record): add CodeDeploy's statements.
	BlueGreen bool
	// Service is the ECS service an entity with only
	// aws.amazon.com/amazon-ecs-service-tags resolves to (the policy names
	// it; the role may also find it by its tags).
	Service string
}

func iamFlags(c *Command, streams *IOStreams, opts *IAMOptions) func(args []string) error {
	fs := newFlagSet(c, streams)
	fs.StringVar(&opts.EntityFile, "entity", "", "catalog `file` holding the entity (required)")
	fs.StringVar(&opts.Name, "name", "", "metadata.name of the entity, when the file holds several")
	fs.StringVar(&opts.Environment, "environment", "", "stagecrew `environment` (required)")
	if c.Name == "iam trust-policy" {
		fs.StringVar(&opts.Repository, "repo", "", "GitHub `OWNER/REPO` whose workflows may assume the role (default: the entity's github.com/project-slug)")
		fs.StringVar(&opts.Subject, "sub", "environment", "subject `form`: environment (repo:R:environment:ENV) or branch (repo:R:ref:refs/heads/BRANCH)")
		fs.StringVar(&opts.Branch, "branch", "main", "`branch` for --sub branch")
		fs.StringVar(&opts.ImmutableIDs, "immutable-ids", "", "`OWNERID/REPOID`: pin the immutable subject form repo:OWNER@OWNERID/REPO@REPOID:...")
		fs.StringVar(&opts.Audience, "audience", iam.DefaultAudience, "the OIDC token's `aud`")
	} else if c.Name == "iam execution-role" {
		fs.StringVar(&opts.TaskDefinition, "task-definition", "", "ECS task definition JSON `file` whose containers' secrets ECS reads (default: the entity's stagecrew.dev/task-definition)")
		stepFlags(fs, &opts.Steps)
	} else {
		stepFlags(fs, &opts.Steps)
		fs.BoolVar(&opts.BlueGreen, "blue-green", false, "the service has the CODE_DEPLOY deployment controller: add CodeDeploy's statements (application and deployment group from the codedeploy-* inputs, else AppECS-CLUSTER-SERVICE and DgpECS-CLUSTER-SERVICE)")
		fs.StringVar(&opts.Service, "service", "", "the ECS service `ARN` the entity's aws.amazon.com/amazon-ecs-service-tags find (required for an entity with tags and no service ARN)")
		fs.StringVar(&opts.TaskDefinition, "task-definition", "", "ECS task definition JSON `file` (default: the entity's stagecrew.dev/task-definition, relative to the entity file's folder or a parent)")
		fs.BoolVar(&opts.Drift, "drift", false, "print the read-only policy 'stagecrew drift' needs in the environment's account and regions instead")
		fs.StringVar(&opts.StateMachineRole, "state-machine-role", "", "the state machine's execution role `ARN`: a definition deploy may pass it to Step Functions (iam:PassRole); without it, deploys that keep the role")
	}
	return func(args []string) error {
		rest, err := parseFlags(c, streams, fs, args)
		if err != nil {
			return err
		}
		switch {
		case len(rest) > 0:
			return usageErrorf("unexpected argument %q (see 'stagecrew %s --help')", rest[0], c.Name)
		case opts.EntityFile == "":
			return usageErrorf("--entity is required (see 'stagecrew %s --help')", c.Name)
		case opts.Environment == "":
			return usageErrorf("--environment is required (see 'stagecrew %s --help')", c.Name)
		case c.Name == "iam trust-policy" && opts.Subject != "environment" && opts.Subject != "branch":
			return usageErrorf("--sub must be environment or branch, not %q", opts.Subject)
		}
		return nil
	}
}

func iamTrustPolicyCommand() *Command {
	c := &Command{
		Name:    "iam trust-policy",
		Summary: "Print the IAM role trust policy that lets only the entity's workflow assume its role",
		Usage:   "iam trust-policy --entity FILE --environment ENV [--repo OWNER/REPO] [--sub environment|branch] [--branch NAME] [--immutable-ids OWNERID/REPOID] [--audience AUD]",
		Examples: `  # the role of production, assumable by jobs in the GitHub environment "production"
  stagecrew iam trust-policy --entity catalog-info.yaml --environment production

  # jobs on the main branch, immutable repository IDs
  stagecrew iam trust-policy --entity catalog-info.yaml --environment staging \
    --sub branch --branch main --immutable-ids 1234567/89012345

The account and partition come from the environment's role
(stagecrew.dev/role-arn[.ENV]); the repository from github.com/project-slug.`,
	}
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		opts := &IAMOptions{IO: streams}
		if err := iamFlags(c, streams, opts)(args); err != nil {
			return err
		}
		return IAMTrustPolicyRun(ctx, opts)
	}
	return c
}

func iamPermissionsCommand() *Command {
	c := &Command{
		Name:    "iam permissions",
		Summary: "Print the least-privilege IAM permission policy for the entity's resources in one environment",
		Usage:   "iam permissions --entity FILE --environment ENV [--task-definition FILE] [--input NAME=VALUE]... [--step --input NAME=VALUE...]... [--blue-green] [--service ARN] [--state-machine-role ARN] [--drift]",
		Examples: `  stagecrew iam permissions --entity catalog-info.yaml --environment production

  # the deploy step's with: (keep-revisions, tags) and a run-task step's
  stagecrew iam permissions --entity catalog-info.yaml --environment production \
    --input mode=ecs-deploy --input keep-revisions=5 --input tags=team=payments \
    --step --input mode=ecs-run-task --input command='["bin/migrate"]'

  # a blue/green service with the console's CodeDeploy names
  stagecrew iam permissions --entity catalog-info.yaml --environment production --blue-green

Each --input is an input of the stagecrew action as a step's with: gives it,
read and checked as the action reads it (mode auto is decided from the
entity); --step starts another step of the same role. Inputs that make the
action call more add their statements: keep-revisions (deregistering
revisions), tags (tagging on create), task-role-arn and execution-role-arn
(iam:PassRole), codedeploy-application and codedeploy-deployment-group
(blue/green), mode stepfunctions-deploy and alias (publishing versions,
moving the alias). An entity found by its amazon-ecs-service-tags gets
tag:GetResources.

The policy covers the entity's state machine (and its executions) and ECS
service, task definition family, task roles and awslogs group, and nothing
else; only ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition are on
"*", because AWS supports no narrower resource for them, and ecs:ListTasks,
held to the service's cluster by the ecs:cluster condition.`,
	}
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		opts := &IAMOptions{IO: streams}
		if err := iamFlags(c, streams, opts)(args); err != nil {
			return err
		}
		return IAMPermissionsRun(ctx, opts)
	}
	return c
}

// invalidf is an error that exits with ExitInvalid: the entity lacks what
// the command needs.
func invalidf(format string, args ...any) error {
	return &ExitError{Code: ExitInvalid, Err: fmt.Errorf(format, args...)}
}

// loadIAMEntity reads the entity, its annotations and the environment's
// resolved targets.
func loadIAMEntity(opts *IAMOptions) (*catalog.Entity, annotations.Environment, *annotations.Targets, error) {
	var zero annotations.Environment
	data, err := safefile.ReadFile(opts.EntityFile, catalog.DefaultMaxFileSize)
	if err != nil {
		return nil, zero, nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("cannot read %s: %s", opts.EntityFile, readProblem(err))}
	}
	// One document at a time; only the first match and a few names for the
	// message are kept, however many entities the file holds.
	const maxNames = 10
	var (
		first   *catalog.Entity
		matches int
		names   []string
		docErr  error
	)
	err = catalog.DecodeEach(opts.EntityFile, data, catalog.DecodeOptions{}, func(d catalog.Document) bool {
		if d.Err != nil {
			docErr = d.Err
			return false
		}
		if opts.Name == "" || strings.EqualFold(d.Entity.Metadata.Name, opts.Name) {
			matches++
			if first == nil {
				first = d.Entity
			}
			if len(names) < maxNames {
				names = append(names, d.Entity.Metadata.Name)
			}
		}
		return true
	})
	if docErr != nil {
		return nil, zero, nil, &ExitError{Code: ExitUsage, Err: docErr}
	}
	if err != nil {
		return nil, zero, nil, &ExitError{Code: ExitUsage, Err: err}
	}
	switch {
	case matches == 0 && opts.Name != "":
		return nil, zero, nil, usageErrorf("%s holds no entity named %q", opts.EntityFile, opts.Name)
	case matches == 0:
		return nil, zero, nil, usageErrorf("%s holds no entity", opts.EntityFile)
	case matches > 1:
		list := strings.Join(names, ", ")
		if matches > len(names) {
			list += fmt.Sprintf(" and %d more", matches-len(names))
		}
		return nil, zero, nil, usageErrorf("%s holds %d entities (%s); choose one with --name", opts.EntityFile, matches, list)
	}
	e := first
	targets, err := annotations.Read(e)
	if err != nil {
		return nil, zero, nil, &ExitError{Code: ExitInvalid, Err: err}
	}
	envTargets, err := targets.ForEnvironment(opts.Environment)
	if errors.Is(err, annotations.ErrUnknownEnvironment) {
		// --environment names no environment of the entity: a usage error.
		return nil, zero, nil, usageErrorf("%s: %v", e.Ref(), err)
	}
	return e, envTargets, targets, err // err: nil or ErrNoRole
}

// IAMTrustPolicyRun prints the trust policy.
func IAMTrustPolicyRun(_ context.Context, opts *IAMOptions) error {
	e, envTargets, _, err := loadIAMEntity(opts)
	if errors.Is(err, annotations.ErrNoRole) {
		return invalidf("%s has no IAM role for environment %q: set %s or %s (the trust policy belongs to that role, in its account)",
			e.Ref(), opts.Environment, annotations.KeyRoleARN, annotations.KeyRoleARNFor(opts.Environment))
	}
	if err != nil {
		return err
	}
	repo := opts.Repository
	if repo == "" {
		slug, _ := e.Annotation(catalog.AnnotationGitHubSlug)
		if strings.TrimSpace(slug) == "" {
			return invalidf("%s has no %s annotation naming its repository: add it, or pass --repo OWNER/REPO", e.Ref(), catalog.AnnotationGitHubSlug)
		}
		repo = strings.TrimSpace(slug)
	}
	o := iam.TrustOptions{
		Partition: envTargets.Role.Partition, Account: envTargets.Role.Account,
		Repository: repo, Environment: opts.Environment, Branch: opts.Branch, Audience: opts.Audience,
	}
	if opts.Subject == "branch" {
		o.Form = iam.SubjectBranch
	}
	if opts.ImmutableIDs != "" {
		var ok bool
		o.OwnerID, o.RepositoryID, ok = strings.Cut(opts.ImmutableIDs, "/")
		if !ok {
			return usageErrorf("--immutable-ids must be OWNERID/REPOID, not %q", opts.ImmutableIDs)
		}
	}
	doc, err := iam.TrustPolicy(o)
	if err != nil {
		if opts.Repository == "" && strings.Contains(err.Error(), "OWNER/REPO") {
			return invalidf("%s: %s: %v", e.Ref(), catalog.AnnotationGitHubSlug, err)
		}
		return usageErrorf("%v", err)
	}
	return printPolicy(opts.IO, doc, iam.ValidateTrust)
}

// IAMPermissionsRun prints the permission policy.
func IAMPermissionsRun(_ context.Context, opts *IAMOptions) error {
	e, envTargets, targets, err := loadIAMEntity(opts)
	if err != nil && !errors.Is(err, annotations.ErrNoRole) {
		return err // the role is not needed to write its permissions
	}
	if opts.Drift {
		if len(opts.Steps) > 0 || opts.BlueGreen || opts.Service != "" {
			return usageErrorf("--drift prints the read-only policy of 'stagecrew drift': --input, --step, --blue-green and --service do not apply")
		}
		return driftPermissionsRun(opts, e, envTargets)
	}
	po := iam.PermissionOptions{StateMachine: envTargets.StateMachine, Service: envTargets.Service}
	if err := serviceByTags(opts, e, &po, &envTargets, targets); err != nil {
		return err
	}
	if !po.StateMachine.IsZero() && (targets.StateMachineDefinition != "" || envTargets.StateMachineAlias != "" || opts.StateMachineRole != "") {
		// The entity deploys its definition (mode stepfunctions-deploy).
		po.DefinitionDeploy = &iam.DefinitionDeploy{Alias: envTargets.StateMachineAlias}
		if opts.StateMachineRole != "" {
			r, err := annotations.ParseRoleARN(opts.StateMachineRole)
			if err != nil {
				return usageErrorf("--state-machine-role: %v", err)
			}
			po.DefinitionDeploy.Role = r
		}
	}
	if po.StateMachine.IsZero() && po.Service.IsZero() {
		return invalidf("%s has nothing to grant in %q: set %s or %s (or their stagecrew.dev/*.%s overrides)",
			e.Ref(), opts.Environment, annotations.KeyStateMachineARN, annotations.KeyECSServiceARN, opts.Environment)
	}
	if !po.Service.IsZero() {
		if po.TaskDefinition, err = readIAMTaskDefinition(opts, e, targets); err != nil {
			return err
		}
	}
	if err := applySteps(&po, opts.Steps, opts.Environment, envTargets, targets, opts.BlueGreen); err != nil {
		return err
	}
	doc, err := iam.Permissions(po)
	if err != nil {
		return invalidf("%s in %q: %v", e.Ref(), opts.Environment, err)
	}
	return printPolicy(opts.IO, doc, iam.Validate)
}

// findUp looks for rel in dir and its parents (the annotation is relative
// to the repository root, which holds or contains the entity file).
func findUp(dir, rel string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(abs, filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", fmt.Errorf("%s is not in %s or any folder above it", rel, dir)
		}
		abs = parent
	}
}

func printPolicy(streams *IOStreams, doc *iam.Document, validate func([]byte) error) error {
	b, err := doc.JSON()
	if err != nil {
		return err
	}
	if err := validate(b); err != nil {
		return invalidf("generated policy does not validate: %v", err)
	}
	// The policy holds values from the entity file (the repository slug,
	// ARNs): written so that none can act as a workflow command.
	_, err = streams.Out.Write(logsafe.JSON(b))
	return err
}
