package annotations

import (
	"strings"

	"github.com/stagecrew/stagecrew/internal/suggest"
)

// Keys of the AWS annotations. The ECS keys are those of the awslabs Backstage
// ECS plugin; the Step Functions keys follow the same naming.
const (
	KeyECSServiceARN    = "aws.amazon.com/amazon-ecs-service-arn"
	KeyECSServiceTags   = "aws.amazon.com/amazon-ecs-service-tags"
	KeyStateMachineARN  = "aws.amazon.com/aws-stepfunctions-state-machine-arn"
	KeyStateMachineTags = "aws.amazon.com/aws-stepfunctions-state-machine-tags"
)

// Prefix is the prefix of the annotations only stagecrew reads.
const Prefix = "stagecrew.dev/"

// Keys of stagecrew's own annotations. The Key...For functions form the
// per-environment keys.
const (
	// KeyEnvironments lists the environments, comma-separated ("staging, production").
	KeyEnvironments = Prefix + "environments"
	// KeyRoleARN is the IAM role stagecrew assumes in every environment.
	KeyRoleARN = Prefix + "role-arn"
	// KeyExecutionInput is the JSON template of the Step Functions execution input.
	KeyExecutionInput = Prefix + "execution-input"
	// KeyECSContainer names the container whose image a deployment updates.
	KeyECSContainer = Prefix + "ecs-container"
	// KeyStateMachineDefinition is the repository path of the ASL definition.
	KeyStateMachineDefinition = Prefix + "state-machine-definition"
	// KeyTaskDefinition is the repository path of an ECS task definition JSON file.
	KeyTaskDefinition = Prefix + "task-definition"
	// KeyDefinitionSubstitutions holds the values of the ${Name}
	// placeholders of the state machine definition in every environment:
	// NAME=value pairs separated by commas or lines.
	KeyDefinitionSubstitutions = Prefix + definitionSubstitutionsName
)

// Names of the per-environment keys, before the ".<env>" suffix.
const (
	roleARNName         = "role-arn"
	stateMachineARNName = "state-machine-arn"
	ecsServiceARNName   = "ecs-service-arn"

	stateMachineAliasName       = "state-machine-alias"
	definitionSubstitutionsName = "definition-substitutions"
)

// KeyRoleARNFor is the key of the role override of one environment
// (stagecrew.dev/role-arn.<env>).
func KeyRoleARNFor(env string) string { return Prefix + roleARNName + "." + env }

// KeyStateMachineARNFor is the key of the state machine override of one
// environment (stagecrew.dev/state-machine-arn.<env>).
func KeyStateMachineARNFor(env string) string { return Prefix + stateMachineARNName + "." + env }

// KeyECSServiceARNFor is the key of the ECS service override of one
// environment (stagecrew.dev/ecs-service-arn.<env>).
func KeyECSServiceARNFor(env string) string { return Prefix + ecsServiceARNName + "." + env }

// KeyStateMachineAliasFor is the key of the state machine alias a
// definition deploy moves in one environment
// (stagecrew.dev/state-machine-alias.<env>).
func KeyStateMachineAliasFor(env string) string { return Prefix + stateMachineAliasName + "." + env }

// KeyDefinitionSubstitutionsFor is the key of the definition substitutions
// of one environment (stagecrew.dev/definition-substitutions.<env>); its
// values beat those of KeyDefinitionSubstitutions name by name.
func KeyDefinitionSubstitutionsFor(env string) string {
	return Prefix + definitionSubstitutionsName + "." + env
}

// fixedNames are the stagecrew.dev/ names without an environment suffix.
var fixedNames = []string{
	"environments", roleARNName, "execution-input", "ecs-container",
	"state-machine-definition", "task-definition", definitionSubstitutionsName,
}

// perEnvNames are the stagecrew.dev/ names that take a ".<env>" suffix.
var perEnvNames = []string{roleARNName, stateMachineARNName, ecsServiceARNName, stateMachineAliasName, definitionSubstitutionsName}

// suggestKey returns the known stagecrew.dev/ key closest to an unknown one.
func suggestKey(key string) string {
	name := strings.TrimPrefix(key, Prefix)
	var cands []string
	cands = append(cands, fixedNames...)
	_, tail, hasDot := strings.Cut(name, ".")
	for _, b := range perEnvNames {
		if hasDot && tail != "" {
			cands = append(cands, b+"."+tail)
		}
		// "role-arn-staging", "role-arn_staging": a wrong separator.
		if len(name) > len(b)+1 && strings.HasPrefix(name, b) {
			cands = append(cands, b+"."+name[len(b)+1:])
		}
		cands = append(cands, b+".<env>")
	}
	best, _ := suggest.Closest(name, cands)
	return Prefix + best
}
