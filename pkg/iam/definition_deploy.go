package iam

import (
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

// definitionDeployStatements adds what stepfunctions.Deployer calls:
//
//   - DeployDefinition: UpdateStateMachine with publish (which also needs
//     PublishStateMachineVersion) and ListStateMachineVersions, on the
//     state machine;
//   - DeployAlias: the alias calls, on the state machine and the alias;
//   - Versions: DescribeStateMachine and ListExecutions of the state
//     machine's versions (an alias's current version, a canary's
//     executions), on STATE_MACHINE_ARN:*, which names this state
//     machine's versions and aliases only;
//   - PassStateMachineRole: iam:PassRole of the state machine's execution
//     role alone, and only to states.amazonaws.com.
//
// AWS's guide says Step Functions authorizes calls on versions and aliases
// through the state machine's own ARN, while the service authorization
// reference gives them the version and alias resource types: the
// statements name both, so either reading allows the deploy and nothing
// of another state machine.
func definitionDeployStatements(add func(Statement), sm annotations.StateMachineARN, dd *DefinitionDeploy) error {
	base := sm.Unqualified().String()
	add(Statement{Sid: "DeployDefinition", Effect: "Allow", Resource: Strings{base},
		Action: Strings{"states:ListStateMachineVersions", "states:PublishStateMachineVersion", "states:UpdateStateMachine"}})
	if dd.Alias != "" {
		if err := annotations.CheckAliasName(dd.Alias); err != nil {
			return err
		}
		add(Statement{Sid: "DeployAlias", Effect: "Allow", Resource: Strings{base, base + ":" + dd.Alias},
			Action: Strings{"states:CreateStateMachineAlias", "states:DescribeStateMachineAlias", "states:UpdateStateMachineAlias"}})
	}
	add(Statement{Sid: "Versions", Effect: "Allow", Resource: Strings{base + ":*"},
		Action: Strings{"states:DescribeStateMachine", "states:ListExecutions"}})
	if r := dd.Role; !r.IsZero() {
		if r.Partition != sm.Partition || r.Account != sm.Account {
			return fmt.Errorf("state machine role %s is not in the account and partition of %s", r, base)
		}
		add(Statement{Sid: "PassStateMachineRole", Effect: "Allow", Action: Strings{"iam:PassRole"}, Resource: Strings{r.String()},
			Condition: map[string]map[string]Strings{"StringEquals": {"iam:PassedToService": {"states.amazonaws.com"}}}})
	}
	return nil
}
