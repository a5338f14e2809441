package annotations

// The ARN parsers as they were with regular expressions and strings.Split,
// before arn.go replaced them with allocation-free code: arn_diff_test.go
// checks that both give the same results and errors.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

var (
	oldReRegion           = regexp.MustCompile(`^([a-z]{2}(-gov|-iso[a-z]*)?|eusc-[a-z]{2})-[a-z]+-\d$`)
	oldReAccount          = regexp.MustCompile(`^\d{12}$`)
	oldReStateMachineName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	oldReVersion          = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)
	oldReAlias            = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,80}$`)
	oldReECSName          = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	oldReRoleName         = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

func regexpParseARN(s, service string, regional bool) (arn.ARN, error) {
	if s == "" {
		return arn.ARN{}, fmt.Errorf("empty")
	}
	if strings.TrimSpace(s) != s {
		return arn.ARN{}, fmt.Errorf("has leading or trailing whitespace")
	}
	a, err := arn.Parse(s)
	if err != nil {
		return arn.ARN{}, fmt.Errorf("not an ARN (expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")
	}
	if !isPartition(a.Partition) {
		return a, fmt.Errorf("unknown partition %q (expected one of %s)", a.Partition, strings.Join(Partitions, ", "))
	}
	if a.Service != service {
		return a, fmt.Errorf("is an ARN of service %q, expected %q", a.Service, service)
	}
	switch {
	case !regional && a.Region != "":
		return a, fmt.Errorf("%s ARNs have no region, found %q", service, a.Region)
	case regional && a.Region == "":
		return a, fmt.Errorf("region is missing")
	case regional && !oldReRegion.MatchString(a.Region):
		return a, fmt.Errorf("region %q is not an AWS region code (such as us-east-1)", a.Region)
	case regional && partitionOfRegion(a.Region) != a.Partition:
		return a, fmt.Errorf("region %q is in partition %s, not %s", a.Region, partitionOfRegion(a.Region), a.Partition)
	}
	if !oldReAccount.MatchString(a.AccountID) {
		return a, fmt.Errorf("account %q is not a 12-digit AWS account ID", a.AccountID)
	}
	return a, nil
}

func regexpParseStateMachineARN(s string) (StateMachineARN, error) {
	a, err := regexpParseARN(s, "states", true)
	if err != nil {
		return StateMachineARN{}, err
	}
	parts := strings.Split(a.Resource, ":")
	if parts[0] != "stateMachine" {
		return StateMachineARN{}, fmt.Errorf("resource %q is not a state machine (expected stateMachine:NAME)", a.Resource)
	}
	if len(parts) > 3 {
		return StateMachineARN{}, fmt.Errorf("resource %q has too many parts (expected stateMachine:NAME[:VERSION|:ALIAS])", a.Resource)
	}
	if len(parts) < 2 || !oldReStateMachineName.MatchString(parts[1]) {
		name := ""
		if len(parts) > 1 {
			name = parts[1]
		}
		return StateMachineARN{}, fmt.Errorf("state machine name %q is not 1-80 letters, digits, hyphens and underscores", name)
	}
	sm := StateMachineARN{Partition: a.Partition, Region: a.Region, Account: a.AccountID, Name: parts[1]}
	if len(parts) == 3 {
		q := parts[2]
		switch {
		case isDigits(q) && !oldReVersion.MatchString(q):
			return StateMachineARN{}, fmt.Errorf("version %q is not a positive number without leading zeros", q)
		case !isDigits(q) && !oldReAlias.MatchString(q):
			return StateMachineARN{}, fmt.Errorf("alias %q is not 1-80 letters, digits, and [-_.]", q)
		}
		sm.Qualifier = q
	}
	return sm, nil
}

func regexpParseServiceARN(s string) (ServiceARN, error) {
	a, err := regexpParseARN(s, "ecs", true)
	if err != nil {
		return ServiceARN{}, err
	}
	parts := strings.Split(a.Resource, "/")
	if parts[0] != "service" || len(parts) < 2 || len(parts) > 3 {
		return ServiceARN{}, fmt.Errorf("resource %q is not an ECS service (expected service/CLUSTER/SERVICE)", a.Resource)
	}
	svc := ServiceARN{Partition: a.Partition, Region: a.Region, Account: a.AccountID, Cluster: "default", Service: parts[len(parts)-1]}
	if len(parts) == 3 {
		svc.Cluster = parts[1]
		if !oldReECSName.MatchString(svc.Cluster) {
			return ServiceARN{}, fmt.Errorf("cluster name %q is not 1-255 letters, digits, hyphens and underscores", svc.Cluster)
		}
	}
	if !oldReECSName.MatchString(svc.Service) {
		return ServiceARN{}, fmt.Errorf("service name %q is not 1-255 letters, digits, hyphens and underscores", svc.Service)
	}
	return svc, nil
}

func regexpParseRoleARN(s string) (RoleARN, error) {
	a, err := regexpParseARN(s, "iam", false)
	if err != nil {
		if a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/") {
			role, _, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
			return RoleARN{}, fmt.Errorf("is an STS session of an assumed role; use the role's ARN, arn:%s:iam::%s:role/%s (with its path, if any)", a.Partition, a.AccountID, role)
		}
		return RoleARN{}, err
	}
	kind, rest, ok := strings.Cut(a.Resource, "/")
	if kind != "role" || !ok {
		return RoleARN{}, fmt.Errorf("resource %q is not an IAM role (expected role/[PATH/]NAME)", a.Resource)
	}
	i := strings.LastIndex(rest, "/")
	path, name := "/"+rest[:i+1], rest[i+1:]
	if !oldReRoleName.MatchString(name) {
		return RoleARN{}, fmt.Errorf("role name %q is not 1-64 letters, digits and [_+=,.@-]", name)
	}
	if err := checkIAMPath(path); err != nil {
		return RoleARN{}, err
	}
	return RoleARN{Partition: a.Partition, Account: a.AccountID, Path: path, Name: name}, nil
}
