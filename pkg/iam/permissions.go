package iam

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

// ErrNothingToGrant is returned by Permissions for an entity with neither a
// state machine nor an ECS service.
var ErrNothingToGrant = errors.New("no state machine and no ECS service to grant access to")

// ErrNoTaskDefinition is returned by Permissions for an ECS service without
// a task definition to take the family and roles from.
var ErrNoTaskDefinition = errors.New("no task definition")

// PermissionOptions name the resources of one entity in one environment.
type PermissionOptions struct {
	StateMachine annotations.StateMachineARN // zero: no Step Functions statements
	Service      annotations.ServiceARN      // zero: no ECS statements
	// TaskDefinition is the service's task definition (required with a
	// Service): its family scopes RunTask, its roles scope iam:PassRole, its
	// awslogs groups scope log reading.
	TaskDefinition *TaskDefinition

	// What a deploy may do besides (see Permissions); each adds only the
	// calls it makes.
	Deploy DeployOptions

	// DefinitionDeploy, when set, lets the role publish the state
	// machine's definition as a version and move the environment's alias
	// (mode stepfunctions-deploy); nil grants none of it.
	DefinitionDeploy *DefinitionDeploy
}

// DefinitionDeploy names what a definition deploy touches besides the
// state machine.
type DefinitionDeploy struct {
	// Alias is the environment's alias (stagecrew.dev/state-machine-alias.<env>);
	// "" publishes versions and moves no alias.
	Alias string
	// Role is the state machine's execution role: the only role the deploy
	// may pass, and only to Step Functions. Zero grants no iam:PassRole
	// (a deploy that keeps the role passes none).
	Role annotations.RoleARN
}

// DeployOptions are the optional parts of an ECS deploy that need calls of
// their own.
type DeployOptions struct {
	// PassRoles are more roles a deploy sets on new revisions (the action's
	// task-role-arn and execution-role-arn), in the service's account.
	PassRoles []string
	// Tags: the deploy tags new revisions or one-off tasks (the action's
	// tags input), which needs ecs:TagResource on create.
	Tags bool
	// KeepRevisions: the deploy deregisters old revisions (keep-revisions).
	KeepRevisions bool
	// FindByTags: the service is found through the Resource Groups Tagging
	// API (aws.amazon.com/amazon-ecs-service-tags without an ARN).
	FindByTags bool
	// CodeDeploy is the blue/green application and deployment group of a
	// service with the CODE_DEPLOY deployment controller; nil for none.
	CodeDeploy *CodeDeployGroup
}

// CodeDeployGroup names a CodeDeploy application and deployment group.
type CodeDeployGroup struct {
	Application, DeploymentGroup string
}

// Permissions returns the permission policy of a role that deploys and
// runs one entity: only that entity's own ARNs, in a fixed statement order
// with stable Sids:
//
//	StartExecution, DescribeStateMachine, Executions  (Step Functions)
//	DeployDefinition, DeployAlias, Versions,          (definition deploys)
//	PassStateMachineRole
//	DeployService, TaskDefinitions, RunTask, Tasks,   (ECS)
//	ListTasks, PassTaskRoles, ReadLogs
//
// TaskDefinitions and ListTasks are the statements on "*":
// ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition support no
// resource-level permissions and no condition key that names the family or
// cluster; ecs:ListTasks names no task, and is held to the service's
// cluster by the ecs:cluster condition.
func Permissions(o PermissionOptions) (*Document, error) {
	if o.StateMachine.IsZero() && o.Service.IsZero() {
		return nil, ErrNothingToGrant
	}
	doc := &Document{Version: PolicyVersion}
	add := func(s Statement) { doc.Statement = append(doc.Statement, s) }

	if sm := o.StateMachine; !sm.IsZero() {
		base := sm.Unqualified().String()
		arns := Strings{base}
		start := Statement{Sid: "StartExecution", Effect: "Allow", Action: Strings{"states:StartExecution"}}
		if sm.Qualifier != "" {
			// Step Functions authorizes a version or alias through the state
			// machine's own ARN; the qualifier condition keeps the role to
			// the one version or alias the entity names.
			arns = append(arns, sm.String())
			start.Condition = map[string]map[string]Strings{"StringEquals": {"states:StateMachineQualifier": {sm.Qualifier}}}
		}
		start.Resource = arns
		add(start)
		add(Statement{Sid: "DescribeStateMachine", Effect: "Allow", Action: Strings{"states:DescribeStateMachine"}, Resource: arns})
		add(Statement{
			Sid: "Executions", Effect: "Allow",
			Action: Strings{
				"states:DescribeExecution", "states:GetExecutionHistory",
				"states:RedriveExecution", "states:StopExecution",
			},
			Resource: Strings{fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:*", sm.Partition, sm.Region, sm.Account, sm.Name)},
		})
		if dd := o.DefinitionDeploy; dd != nil {
			if err := definitionDeployStatements(add, sm, dd); err != nil {
				return nil, err
			}
		}
	}

	if svc := o.Service; !svc.IsZero() {
		td := o.TaskDefinition
		if td == nil {
			return nil, fmt.Errorf("%w for ECS service %s: its family and roles scope RunTask and iam:PassRole", ErrNoTaskDefinition, svc)
		}
		if !isFamily(td.Family) {
			return nil, fmt.Errorf("task definition family %q is not 1-255 letters, digits, hyphens and underscores", td.Family)
		}
		ecsARN := func(resource string) string {
			return fmt.Sprintf("arn:%s:ecs:%s:%s:%s", svc.Partition, svc.Region, svc.Account, resource)
		}
		onCluster := map[string]map[string]Strings{"ArnEquals": {"ecs:cluster": {ecsARN("cluster/" + svc.Cluster)}}}
		add(Statement{Sid: "DeployService", Effect: "Allow",
			Action: Strings{"ecs:DescribeServices", "ecs:UpdateService"}, Resource: Strings{svc.String()}})
		// RegisterTaskDefinition and DescribeTaskDefinition support no
		// resource-level permissions (AWS requires "*"), and no condition key
		// names the family; the PassRole statement is what keeps a new
		// revision from carrying another role.
		tdActions := Strings{"ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"}
		if o.Deploy.KeepRevisions {
			// Neither supports resource-level permissions either.
			tdActions = append(tdActions, "ecs:DeregisterTaskDefinition", "ecs:ListTaskDefinitions")
		}
		add(Statement{Sid: "TaskDefinitions", Effect: "Allow", Action: tdActions, Resource: Strings{"*"}})
		// RunTask is authorized on the task definition: the family ARN
		// (when called with the family alone) and its revisions.
		add(Statement{Sid: "RunTask", Effect: "Allow", Action: Strings{"ecs:RunTask"},
			Resource:  Strings{ecsARN("task-definition/" + td.Family), ecsARN("task-definition/" + td.Family + ":*")},
			Condition: onCluster})
		add(Statement{Sid: "Tasks", Effect: "Allow", Action: Strings{"ecs:DescribeTasks", "ecs:StopTask"},
			Resource: Strings{ecsARN("task/" + svc.Cluster + "/*")}, Condition: onCluster})
		// ListTasks (finding a re-run's task, a deployment's stopped tasks)
		// names no task: its only resource type is the container instance,
		// so IAM authorizes "*", and the cluster condition key keeps it to
		// the service's cluster.
		add(Statement{Sid: "ListTasks", Effect: "Allow", Action: Strings{"ecs:ListTasks"}, Resource: Strings{"*"}, Condition: onCluster})

		if o.Deploy.Tags {
			// Tagging a resource as it is created is authorized as
			// ecs:TagResource with the creating call in ecs:CreateAction.
			add(Statement{Sid: "TagOnCreate", Effect: "Allow", Action: Strings{"ecs:TagResource"},
				Resource:  Strings{ecsARN("task-definition/" + td.Family + ":*"), ecsARN("task/" + svc.Cluster + "/*")},
				Condition: map[string]map[string]Strings{"StringEquals": {"ecs:CreateAction": {"RegisterTaskDefinition", "RunTask"}}}})
		}
		var roles Strings
		for _, r := range slices.Concat([]string{td.TaskRoleARN, td.ExecutionRoleARN}, o.Deploy.PassRoles) {
			if r == "" {
				continue
			}
			arn, err := roleARN(r, svc.Partition, svc.Account)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(roles, arn) {
				roles = append(roles, arn)
			}
		}
		if len(roles) > 0 {
			add(Statement{Sid: "PassTaskRoles", Effect: "Allow", Action: Strings{"iam:PassRole"}, Resource: roles,
				Condition: map[string]map[string]Strings{"StringEquals": {"iam:PassedToService": {"ecs-tasks.amazonaws.com"}}}})
		}
		var logs Strings
		for _, g := range td.LogGroups {
			if !isLogGroup(g.Name) {
				return nil, fmt.Errorf("awslogs-group %q is not a CloudWatch Logs group name", g.Name)
			}
			region := g.Region
			if region == "" {
				region = svc.Region
			}
			base := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", svc.Partition, region, svc.Account, g.Name)
			logs = append(logs, base, base+":log-stream:*")
		}
		if len(logs) > 0 {
			add(Statement{Sid: "ReadLogs", Effect: "Allow", Action: Strings{"logs:FilterLogEvents", "logs:GetLogEvents"}, Resource: logs})
		}
		if cd := o.Deploy.CodeDeploy; cd != nil {
			if err := addCodeDeploy(add, svc, *cd); err != nil {
				return nil, err
			}
		}
		if o.Deploy.FindByTags {
			// GetResources supports no resource-level permissions.
			add(Statement{Sid: "FindServiceByTags", Effect: "Allow", Action: Strings{"tag:GetResources"}, Resource: Strings{"*"}})
		}
	}
	return doc, nil
}

// roleARN turns a role ARN or bare role name (task definitions accept
// both) into an ARN in the service's partition and account.
func roleARN(s, partition, account string) (string, error) {
	if strings.HasPrefix(s, "arn:") {
		r, err := annotations.ParseRoleARN(s)
		if err != nil {
			return "", fmt.Errorf("task definition: %w", err)
		}
		if r.Account != account || r.Partition != partition {
			return "", fmt.Errorf("task definition: role %s is in account %s (partition %s) but the ECS service is in account %s (partition %s); give the task definition of this environment", s, r.Account, r.Partition, account, partition)
		}
		return r.String(), nil
	}
	r, err := annotations.ParseRoleARN(fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, s))
	if err != nil {
		return "", fmt.Errorf("task definition: role %q: %w", s, err)
	}
	return r.String(), nil
}
