package iam

import (
	"fmt"
	"slices"
)

// DriftPermissionOptions name where 'stagecrew drift' reads with one role.
type DriftPermissionOptions struct {
	Partition string   // aws, aws-cn, ...; "aws" when empty
	Account   string   // 12 digits: the role's account
	Regions   []string // regions scanned; none means any region ("*")
}

// DriftPermissions returns the read-only permission policy a role needs for
// 'stagecrew drift' (policy action drift:read) in its account, in a fixed
// statement order with stable Sids:
//
//	List             tag:GetResources, states:ListStateMachines on "*"
//	DescribeServices ecs:DescribeServices on the account's services
//	StateMachines    states:DescribeStateMachine, states:DescribeStateMachineAlias
//	                 on the account's state machines, versions and aliases
//
// List is on "*" because neither action supports resource-level
// permissions. Nothing in it can change a resource.
func DriftPermissions(o DriftPermissionOptions) (*Document, error) {
	if o.Partition == "" {
		o.Partition = "aws"
	}
	if len(o.Account) != 12 || !isDigits(o.Account) {
		return nil, fmt.Errorf("account %q is not a 12-digit AWS account ID", o.Account)
	}
	regions := slices.Clone(o.Regions)
	slices.Sort(regions)
	regions = slices.Compact(regions)
	if len(regions) == 0 {
		regions = []string{"*"}
	}
	var services, machines Strings
	for _, r := range regions {
		services = append(services, fmt.Sprintf("arn:%s:ecs:%s:%s:service/*", o.Partition, r, o.Account))
		machines = append(machines, fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:*", o.Partition, r, o.Account))
	}
	return &Document{Version: PolicyVersion, Statement: []Statement{
		{Sid: "List", Effect: "Allow", Action: Strings{"states:ListStateMachines", "tag:GetResources"}, Resource: Strings{"*"}},
		{Sid: "DescribeServices", Effect: "Allow", Action: Strings{"ecs:DescribeServices"}, Resource: services},
		{Sid: "StateMachines", Effect: "Allow", Action: Strings{"states:DescribeStateMachine", "states:DescribeStateMachineAlias"}, Resource: machines},
	}}, nil
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
