package config

import (
	"time"

	"github.com/invopop/jsonschema"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

// Modes of the action: what it does to the entity's target.
const (
	ModeAuto          = "auto"          // decided by the entity's annotations
	ModeStepFunctions = "stepfunctions" // start a Step Functions execution
	ModeECSDeploy     = "ecs-deploy"    // deploy a new task definition to an ECS service
	ModeECSRunTask    = "ecs-run-task"  // run a one-off ECS task
	// ModeStepFunctionsDeploy publishes the state machine's definition as a
	// version and moves the environment's alias to it.
	ModeStepFunctionsDeploy = "stepfunctions-deploy"
)

// Modes lists the values of the mode input.
var Modes = []string{ModeAuto, ModeStepFunctions, ModeECSDeploy, ModeECSRunTask, ModeStepFunctionsDeploy}

// Bounds of the inputs that take a number or a duration.
const (
	MinRoleSessionDuration = 900   // seconds; STS's minimum
	MaxRoleSessionDuration = 43200 // seconds; STS's maximum, if the role allows it
	MinTimeout             = time.Second
	MaxTimeout             = 120 * time.Hour // the longest a self-hosted runner's job may run
)

// Inputs are the inputs of the stagecrew action, one field per input, named
// by the json tag. The jsonschema tags give each input's title, default and
// allowed values, jsonschema_description its description in action.yml and
// the schema; a field without omitempty is a required input.
type Inputs struct {
	// Mode says what the action does; auto picks it from the entity's
	// annotations.
	Mode string `json:"mode,omitempty" jsonschema:"title=Mode,default=auto,enum=auto,enum=stepfunctions,enum=ecs-deploy,enum=ecs-run-task,enum=stepfunctions-deploy" jsonschema_description:"What to run: stepfunctions starts an execution of the entity's state machine, ecs-deploy deploys a new task definition to its ECS service, ecs-run-task runs a one-off task, stepfunctions-deploy publishes the state machine's definition from the repository as a new version and moves the environment's alias to it. auto decides from the entity's annotations (a state machine ARN means stepfunctions, an ECS service ARN ecs-deploy)."`

	// Entity is a catalog file path or an entity reference.
	Entity string `json:"entity,omitempty" jsonschema:"title=Entity,default=catalog-info.yaml" jsonschema_description:"The catalog entity to act for: a path to its catalog-info.yaml in the repository, or an entity reference such as component:default/payments-api (read from backstage-url)."`

	// Environment selects the role and targets of the entity.
	Environment string `json:"environment" jsonschema:"title=Environment,minLength=1,maxLength=63" jsonschema_description:"The environment to act on, one of those the entity lists in stagecrew.dev/environments. It selects the IAM role and the targets (stagecrew.dev/role-arn.<env> and the other per-environment annotations)."`

	// RoleARN overrides the role from the entity's annotations.
	RoleARN string `json:"role-arn,omitempty" jsonschema:"title=Role ARN" jsonschema_description:"The IAM role to assume with the workflow's OIDC token, instead of the one the entity's annotations name for the environment."`

	// Audience is the audience of the OIDC token.
	Audience string `json:"audience,omitempty" jsonschema:"title=Audience,default=sts.amazonaws.com" jsonschema_description:"The audience of the GitHub OIDC token, as the role's trust policy expects it."`

	// RoleSessionDuration is in seconds.
	RoleSessionDuration int `json:"role-session-duration,omitempty" jsonschema:"title=Role session duration,default=3600,minimum=900,maximum=43200" jsonschema_description:"How long the role session lasts, in seconds (900 to 43200; above 3600 the role's maximum session duration must allow it)."`

	// AWSRegion is empty when the region comes from the target's ARN.
	AWSRegion string `json:"aws-region,omitempty" jsonschema:"title=AWS region" jsonschema_description:"The AWS region to call. By default, the region of the target's ARN."`

	// Input is the JSON text of the execution input.
	Input string `json:"input,omitempty" jsonschema:"title=Execution input" jsonschema_description:"The input of the Step Functions execution, as JSON. It is merged over the entity's stagecrew.dev/execution-input template. Not with input-file."`

	// InputFile is a repository path of a JSON file.
	InputFile string `json:"input-file,omitempty" jsonschema:"title=Execution input file" jsonschema_description:"A JSON file holding the input of the Step Functions execution. Not with input."`

	// Image is the container image to deploy or run.
	Image string `json:"image,omitempty" jsonschema:"title=Image" jsonschema_description:"The container image to deploy or run, such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:... It replaces the image of the container the container input names."`

	// Container names the container whose image Image replaces.
	Container string `json:"container,omitempty" jsonschema:"title=Container" jsonschema_description:"The container whose image is replaced. By default, the entity's stagecrew.dev/ecs-container, or the task definition's only container."`

	// TaskDefinition is a repository file or a task definition ARN.
	TaskDefinition string `json:"task-definition,omitempty" jsonschema:"title=Task definition" jsonschema_description:"The task definition to register and deploy or run: a JSON file in the repository, or the ARN of a registered revision. By default, the entity's stagecrew.dev/task-definition, or the service's current task definition."`

	// RegisterOnly registers the task definition without deploying it.
	RegisterOnly bool `json:"register-only,omitempty" jsonschema:"title=Register only,default=false" jsonschema_description:"Register the new task definition revision and stop, without deploying or running it."`

	// RollbackOnFailure redeploys the previous task definition after a failed deployment.
	RollbackOnFailure bool `json:"rollback-on-failure,omitempty" jsonschema:"title=Roll back on failure,default=false" jsonschema_description:"When an ECS deployment fails, deploy the task definition the service ran before."`

	// Images sets the images of several containers.
	Images string `json:"images,omitempty" jsonschema:"title=Images" jsonschema_description:"The images of several containers of the task definition, one container=image per line, such as web=123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:... A container the task definition lacks is an error listing the real ones. With image and container, the same container cannot be named in both."`

	// EnvironmentVariables sets environment variables per container (the
	// environment input names the stagecrew environment).
	EnvironmentVariables string `json:"environment-variables,omitempty" jsonschema:"title=Environment variables" jsonschema_description:"Environment variables of the task definition's containers: lines of container.NAME=value, or YAML mapping each container to its variables (web: {LOG_LEVEL: debug}). Variables of the same name are replaced, the others kept."`

	// Secrets sets secrets (valueFrom) per container.
	Secrets string `json:"secrets,omitempty" jsonschema:"title=Secrets" jsonschema_description:"Secrets of the task definition's containers, as environment variables ECS fills from Secrets Manager or SSM Parameter Store: lines of container.NAME=ARN, or YAML mapping each container to its secrets. Each value is the full ARN of a secret (arn:aws:secretsmanager:...:secret:NAME, optionally with :json-key:version-stage:version-id) or of a parameter (arn:aws:ssm:...:parameter/NAME), in the account of the environment's role. The task execution role needs read access to them (stagecrew iam permissions lists it)."`

	// TaskRoleARN sets the task role of the new revision.
	TaskRoleARN string `json:"task-role-arn,omitempty" jsonschema:"title=Task role ARN" jsonschema_description:"The IAM role the task's containers run with, set on the new task definition revision. It must be in the account of the environment's role."`

	// ExecutionRoleARN sets the task execution role of the new revision.
	ExecutionRoleARN string `json:"execution-role-arn,omitempty" jsonschema:"title=Execution role ARN" jsonschema_description:"The IAM role ECS uses to pull the image, write logs and read secrets, set on the new task definition revision. It must be in the account of the environment's role."`

	// DesiredCount sets the service's desired count.
	DesiredCount string `json:"desired-count,omitempty" jsonschema:"title=Desired count" jsonschema_description:"The number of tasks the service runs after the deployment. By default the service keeps its count."`

	// ForceNewDeployment starts a deployment even when nothing changed.
	ForceNewDeployment bool `json:"force-new-deployment,omitempty" jsonschema:"title=Force new deployment,default=false" jsonschema_description:"Start a new deployment even when the service already runs the task definition (to pull a moved image tag, or replace every task)."`

	// Tags are set on the new task definition revision and the one-off task.
	Tags string `json:"tags,omitempty" jsonschema:"title=Tags" jsonschema_description:"Tags for the new task definition revision (ecs-deploy) or the one-off task (ecs-run-task): key=value pairs separated by commas or new lines."`

	// PropagateTags says where a service's or task's tags come from.
	PropagateTags string `json:"propagate-tags,omitempty" jsonschema:"title=Propagate tags,enum=SERVICE,enum=TASK_DEFINITION,enum=NONE" jsonschema_description:"Copy the tags of the service (SERVICE, ecs-deploy only) or of the task definition (TASK_DEFINITION) to the tasks; NONE stops copying. By default the service's setting is kept."`

	// EnableECSManagedTags turns on ECS managed tags.
	EnableECSManagedTags bool `json:"enable-ecs-managed-tags,omitempty" jsonschema:"title=Enable ECS managed tags,default=false" jsonschema_description:"Turn on Amazon ECS managed tags (aws:ecs:clusterName, aws:ecs:serviceName) for the service's tasks or the one-off task. false leaves the service's setting as it is."`

	// Subnets override the one-off task's subnets.
	Subnets string `json:"subnets,omitempty" jsonschema:"title=Subnets" jsonschema_description:"Subnet IDs for the one-off task (awsvpc), separated by commas or new lines. By default the service's."`

	// SecurityGroups override the one-off task's security groups.
	SecurityGroups string `json:"security-groups,omitempty" jsonschema:"title=Security groups" jsonschema_description:"Security group IDs for the one-off task (awsvpc), separated by commas or new lines. By default the service's."`

	// AssignPublicIP overrides the one-off task's public IP setting.
	AssignPublicIP string `json:"assign-public-ip,omitempty" jsonschema:"title=Assign public IP,enum=ENABLED,enum=DISABLED" jsonschema_description:"Whether the one-off task's network interface gets a public IP (awsvpc). By default the service's setting."`

	// LaunchType overrides the one-off task's launch type.
	LaunchType string `json:"launch-type,omitempty" jsonschema:"title=Launch type,enum=EC2,enum=FARGATE,enum=EXTERNAL" jsonschema_description:"The launch type of the one-off task, instead of the service's launch type or capacity provider strategy. Not with capacity-provider-strategy."`

	// CapacityProviderStrategy overrides the one-off task's capacity providers.
	CapacityProviderStrategy string `json:"capacity-provider-strategy,omitempty" jsonschema:"title=Capacity provider strategy" jsonschema_description:"The capacity provider strategy of the one-off task, as a JSON array such as [{\"capacityProvider\": \"FARGATE_SPOT\", \"weight\": 1}], instead of the service's. Not with launch-type."`

	// KeepRevisions deregisters older revisions of the family.
	KeepRevisions int `json:"keep-revisions,omitempty" jsonschema:"title=Keep revisions,minimum=1,maximum=1000" jsonschema_description:"After a successful deployment, deregister the ACTIVE revisions of the task definition family older than the newest N, never one the service's deployments use or the one it ran before. By default none are deregistered."`

	// CodeDeployApplication names the CodeDeploy application of a blue/green service.
	CodeDeployApplication string `json:"codedeploy-application,omitempty" jsonschema:"title=CodeDeploy application,maxLength=100" jsonschema_description:"The CodeDeploy application of a service with the CODE_DEPLOY deployment controller (blue/green). By default AppECS-CLUSTER-SERVICE, the name the ECS console gives it."`

	// CodeDeployDeploymentGroup names the CodeDeploy deployment group.
	CodeDeployDeploymentGroup string `json:"codedeploy-deployment-group,omitempty" jsonschema:"title=CodeDeploy deployment group,maxLength=100" jsonschema_description:"The CodeDeploy deployment group of a blue/green service. By default DgpECS-CLUSTER-SERVICE, the name the ECS console gives it."`

	// CodeDeployAppSpec is a repository path of an AppSpec file.
	CodeDeployAppSpec string `json:"codedeploy-appspec,omitempty" jsonschema:"title=CodeDeploy AppSpec" jsonschema_description:"An AppSpec file (YAML or JSON) in the repository for a blue/green deployment, for its lifecycle hooks; its TaskDefinition is set to the new revision. By default the AppSpec is built from the service's load balancer container name and port."`

	// CodeDeployConfig names the deployment configuration.
	CodeDeployConfig string `json:"codedeploy-config,omitempty" jsonschema:"title=CodeDeploy deployment configuration,maxLength=100" jsonschema_description:"The CodeDeploy deployment configuration of a blue/green deployment, such as CodeDeployDefault.ECSCanary10Percent5Minutes. By default the deployment group's."`

	// Command overrides the container's command of a one-off task.
	Command []string `json:"command,omitempty" jsonschema:"title=Command" jsonschema_description:"The command of the one-off task, overriding the container's, as a JSON array of strings such as [\"bin/migrate\", \"--up\"]."`

	// Wait makes the action wait for the execution, deployment or task to end.
	Wait bool `json:"wait,omitempty" jsonschema:"title=Wait,default=true" jsonschema_description:"Wait for the execution, deployment or task to end, and fail the step when it fails. With false, the action ends once it has started it."`

	// Timeout bounds the wait.
	Timeout time.Duration `json:"timeout,omitempty" jsonschema:"title=Timeout" jsonschema_description:"How long to wait, as a Go duration such as 45m or 1h30m (1s to 120h). When it passes, the step fails with status timed-out."`

	// StopOnCancel stops what the action started when the workflow is cancelled.
	StopOnCancel bool `json:"stop-on-cancel,omitempty" jsonschema:"title=Stop on cancel,default=false" jsonschema_description:"When the workflow run is cancelled or the timeout passes, stop the execution or task the action started."`

	// Redrive redrives the last failed execution instead of starting one.
	Redrive bool `json:"redrive,omitempty" jsonschema:"title=Redrive,default=false" jsonschema_description:"Redrive the state machine's most recent failed execution from the state that failed, instead of starting a new one."`

	// DefinitionFile is the repository path of the ASL definition to deploy.
	DefinitionFile string `json:"definition-file,omitempty" jsonschema:"title=Definition file" jsonschema_description:"The repository path of the state machine's ASL definition to deploy (stepfunctions-deploy). By default, the entity's stagecrew.dev/state-machine-definition."`

	// Substitutions are NAME=value lines for the definition's ${Name} placeholders.
	Substitutions string `json:"substitutions,omitempty" jsonschema:"title=Definition substitutions" jsonschema_description:"Values of the definition's ${Name} placeholders, one NAME=value a line (stepfunctions-deploy). They beat the entity's stagecrew.dev/definition-substitutions and stagecrew.dev/definition-substitutions.<env> annotations; a placeholder without a value fails the step."`

	// Alias is the state machine alias the deploy moves.
	Alias string `json:"alias,omitempty" jsonschema:"title=Alias,maxLength=80" jsonschema_description:"The state machine alias to move to the new version (stepfunctions-deploy). By default, the entity's stagecrew.dev/state-machine-alias.<env>; without either, the version is published and no alias moves."`

	// CanaryWeight is the percent of the alias's executions the new version takes during the canary.
	CanaryWeight int `json:"canary-weight,omitempty" jsonschema:"title=Canary weight,minimum=0,maximum=99" jsonschema_description:"Move the alias as a canary (stepfunctions-deploy): this percent of the executions through the alias go to the new version for canary-window; a failed, timed-out or aborted one rolls the alias back, none moves it to 100 percent. 0 (the default) moves the alias at once."`

	// CanaryWindow is how long the canary is watched.
	CanaryWindow time.Duration `json:"canary-window,omitempty" jsonschema:"title=Canary window" jsonschema_description:"How long the canary is watched before the alias moves to the new version, as a Go duration such as 10m (default 10m)."`

	// GitHubToken is the token for comments and check runs.
	GitHubToken string `json:"github-token,omitempty" jsonschema:"title=GitHub token,default=${{ github.token }}" jsonschema_description:"The token that reads the entity, catalog and policy file from the default branch (needs contents: read), comments on the pull request and creates the check run."`

	// Comment writes the result as a pull request comment.
	Comment bool `json:"comment,omitempty" jsonschema:"title=Comment,default=true" jsonschema_description:"Comment the result on the pull request the workflow runs for, updating the action's earlier comment."`

	// CheckRun reports the result as a check run.
	CheckRun bool `json:"check-run,omitempty" jsonschema:"title=Check run,default=true" jsonschema_description:"Report the result as a check run on the commit."`

	// BackstageURL is the base URL of the Backstage backend.
	BackstageURL string `json:"backstage-url,omitempty" jsonschema:"title=Backstage URL,format=uri" jsonschema_description:"The base URL of the Backstage backend, such as https://backstage.example.com, to read entity references from and to notify."`

	// BackstageToken is a static external-access token of the backend.
	BackstageToken string `json:"backstage-token,omitempty" jsonschema:"title=Backstage token" jsonschema_description:"A static token the Backstage backend accepts (backend.auth.externalAccess type static). Not needed when Backstage verifies the workflow's own OIDC token (externalAccess type jwks), which is the default; prefer backstage-token-secret to a token stored in GitHub."`

	// BackstageAudience is the audience of the OIDC token sent to Backstage.
	BackstageAudience string `json:"backstage-audience,omitempty" jsonschema:"title=Backstage audience,default=stagecrew-backstage,minLength=1,maxLength=255" jsonschema_description:"The audience of the workflow's OIDC token that stagecrew sends to Backstage when neither backstage-token nor backstage-token-secret is set. Backstage verifies it through a backend.auth.externalAccess entry of type jwks with the same audience: no secret is stored anywhere. It cannot be exactly backstage, which Backstage takes for one of its own user tokens."`

	// BackstageTokenSecret is a Secrets Manager secret holding a static
	// Backstage token, read through the federated role.
	BackstageTokenSecret string `json:"backstage-token-secret,omitempty" jsonschema:"title=Backstage token secret" jsonschema_description:"The ARN of an AWS Secrets Manager secret holding a static Backstage token, for backends without a jwks externalAccess entry. It is read at run time with the entity's role for the environment (which needs secretsmanager:GetSecretValue on it) and never printed."`

	// BackstageTask is the id of the scaffolder task that dispatched the run.
	BackstageTask string `json:"backstage-task,omitempty" jsonschema:"title=Backstage task,maxLength=128" jsonschema_description:"The id of the Backstage scaffolder task that dispatched this run (the deploy template passes its own context.task.id). stagecrew reads the task from backstage-url and, when the workflow's actor is one of the policy's dispatchers and the task's template, parameters and age match this run, decides on the user who created the task instead of the actor."`

	// Notify sends the result to the entity's owners in Backstage. Read
	// sets it to whether BackstageURL is set when the input is empty.
	Notify bool `json:"notify,omitempty" jsonschema:"title=Notify" jsonschema_description:"Send the result to the entity's owners as a Backstage notification. Defaults to true when backstage-url is set."`

	// PolicyFile is the policy of who may run what, where.
	PolicyFile string `json:"policy-file,omitempty" jsonschema:"title=Policy file,default=.stagecrew/policy.yaml" jsonschema_description:"The policy file that says which environments the workflow may act on, from which refs and events. Without the file the default policy applies: members of the entity's owner group may act in every environment, and in production only from the default branch."`

	// AuditLog is a path to append the audit record to; empty for none.
	AuditLog string `json:"audit-log,omitempty" jsonschema:"title=Audit log" jsonschema_description:"A file to append the audit record to, as one JSON line."`
}

// JSONSchemaExtend sets what the tags cannot say: the patterns shared with
// the annotations, and the types of the inputs GitHub passes as text.
func (Inputs) JSONSchemaExtend(s *jsonschema.Schema) {
	prop := func(name string) *jsonschema.Schema {
		p, _ := s.Properties.Get(name)
		return p
	}
	prop("environment").Pattern = annotations.PatternObjectName
	prop("role-arn").Pattern = annotations.PatternRoleARN
	prop("aws-region").Pattern = annotations.PatternRegion
	prop("container").Pattern = annotations.PatternContainer
	prop("definition-file").Pattern = annotations.PatternRepoPath
	prop("alias").Pattern = annotations.PatternAliasName
	prop("substitutions").Pattern = `^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$` // no control characters but tab and line breaks
	cw := prop("canary-window")
	cw.Type, cw.Pattern = "string", durationPattern // no default: unset means "no canary" (10m once canary-weight is set)
	prop("backstage-task").Pattern = PatternTaskID
	prop("backstage-token-secret").Pattern = PatternSecretARN
	prop("task-role-arn").Pattern = annotations.PatternRoleARN
	prop("execution-role-arn").Pattern = annotations.PatternRoleARN
	prop("desired-count").Pattern = `^[0-9]{1,5}$`
	for _, name := range []string{"images", "environment-variables", "secrets", "tags", "subnets", "security-groups", "capacity-provider-strategy", "codedeploy-appspec"} {
		prop(name).Pattern = PatternText
	}
	for _, name := range []string{"codedeploy-application", "codedeploy-deployment-group", "codedeploy-config"} {
		prop(name).Pattern = PatternCodeDeployName
	}

	cmd := prop("command")
	cmd.Type, cmd.Items, cmd.ContentMediaType = "string", nil, "application/json"
	in := prop("input")
	in.ContentMediaType = "application/json"

	to := prop("timeout")
	to.Type, to.Default, to.Pattern = "string", "30m", durationPattern
}

// PatternText matches text without control characters other than tab and
// new lines (the multi-line inputs; their own parsers check the rest).
const PatternText = `^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$`

// PatternCodeDeployName matches the name of a CodeDeploy application,
// deployment group or deployment configuration.
const PatternCodeDeployName = `^[A-Za-z0-9_.+@-]{1,100}$`

// PatternTaskID matches a scaffolder task id (Backstage makes UUIDs).
const PatternTaskID = `^[A-Za-z0-9][-A-Za-z0-9_.]*$`

// PatternSecretARN matches the ARN of a Secrets Manager secret.
const PatternSecretARN = `^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`

// durationPattern matches what time.ParseDuration reads, without a sign.
const durationPattern = `^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))*$`
