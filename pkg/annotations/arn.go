package annotations

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Partitions lists the AWS partitions an ARN may name.
var Partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

// partitionOfRegion returns the partition a well-formed region belongs to.
func partitionOfRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	case strings.Contains(region, "-gov-"):
		return "aws-us-gov"
	case strings.Contains(region, "-iso-"):
		return "aws-iso"
	case strings.Contains(region, "-isob-"):
		return "aws-iso-b"
	case strings.Contains(region, "-isoe-"):
		return "aws-iso-e"
	case strings.Contains(region, "-isof-"):
		return "aws-iso-f"
	}
	return "aws"
}

// parseARN splits s and checks the parts every ARN kind shares. regional says
// whether the service's ARNs carry a region (IAM's do not). The error says
// what is wrong without repeating s; callers add which ARN it is.
func parseARN(s, service string, regional bool) (arn.ARN, error) {
	if s == "" {
		return arn.ARN{}, fmt.Errorf("empty")
	}
	if strings.TrimSpace(s) != s {
		return arn.ARN{}, fmt.Errorf("has leading or trailing whitespace")
	}
	a, ok := splitARN(s)
	if !ok {
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
	case regional && !isRegion(a.Region):
		return a, fmt.Errorf("region %q is not an AWS region code (such as us-east-1)", a.Region)
	case regional && partitionOfRegion(a.Region) != a.Partition:
		return a, fmt.Errorf("region %q is in partition %s, not %s", a.Region, partitionOfRegion(a.Region), a.Partition)
	}
	if !isAccount(a.AccountID) {
		return a, fmt.Errorf("account %q is not a 12-digit AWS account ID", a.AccountID)
	}
	return a, nil
}

// splitARN is arn.Parse without its allocation: the five colons of
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE split s, and the resource is
// the rest, colons and all.
func splitARN(s string) (arn.ARN, bool) {
	var a arn.ARN
	rest, ok := strings.CutPrefix(s, "arn:")
	if ok {
		a.Partition, rest, ok = strings.Cut(rest, ":")
	}
	if ok {
		a.Service, rest, ok = strings.Cut(rest, ":")
	}
	if ok {
		a.Region, rest, ok = strings.Cut(rest, ":")
	}
	if ok {
		a.AccountID, a.Resource, ok = strings.Cut(rest, ":")
	}
	if !ok {
		return arn.ARN{}, false
	}
	return a, true
}

func isPartition(p string) bool {
	for _, q := range Partitions {
		if p == q {
			return true
		}
	}
	return false
}

// StateMachineARN is the ARN of a Step Functions state machine, optionally
// qualified with a version number or an alias:
// arn:aws:states:us-east-1:123456789012:stateMachine:NAME[:VERSION|:ALIAS].
// The zero value means "none".
type StateMachineARN struct {
	Partition string // aws, aws-cn, aws-us-gov, ...
	Region    string
	Account   string // 12 digits
	Name      string
	Qualifier string // "" (unqualified), a version number ("3") or an alias name ("live")
}

// ParseStateMachineARN parses and checks a state machine ARN.
func ParseStateMachineARN(s string) (StateMachineARN, error) {
	a, err := parseStateMachineARN(s)
	if err != nil {
		return StateMachineARN{}, fmt.Errorf("invalid state machine ARN %q: %w", s, err)
	}
	return a, nil
}

func parseStateMachineARN(s string) (StateMachineARN, error) {
	a, err := parseARN(s, "states", true)
	if err != nil {
		return StateMachineARN{}, err
	}
	kind, rest, _ := strings.Cut(a.Resource, ":")
	if kind != "stateMachine" {
		return StateMachineARN{}, fmt.Errorf("resource %q is not a state machine (expected stateMachine:NAME)", a.Resource)
	}
	name, q, qualified := strings.Cut(rest, ":")
	if qualified && strings.Contains(q, ":") {
		return StateMachineARN{}, fmt.Errorf("resource %q has too many parts (expected stateMachine:NAME[:VERSION|:ALIAS])", a.Resource)
	}
	if !isStateMachineName(name) {
		return StateMachineARN{}, fmt.Errorf("state machine name %q is not 1-80 letters, digits, hyphens and underscores", name)
	}
	sm := StateMachineARN{Partition: a.Partition, Region: a.Region, Account: a.AccountID, Name: name}
	if qualified {
		switch {
		case isDigits(q) && !isVersion(q):
			return StateMachineARN{}, fmt.Errorf("version %q is not a positive number without leading zeros", q)
		case !isDigits(q) && !isAliasQualifier(q):
			return StateMachineARN{}, fmt.Errorf("alias %q is not 1-80 letters, digits, and [-_.]", q)
		}
		sm.Qualifier = q
	}
	return sm, nil
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// String formats the ARN; it is "" for the zero value.
func (a StateMachineARN) String() string {
	if a.IsZero() {
		return ""
	}
	s := fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", a.Partition, a.Region, a.Account, a.Name)
	if a.Qualifier != "" {
		s += ":" + a.Qualifier
	}
	return s
}

// IsZero reports whether a is the zero value (no state machine).
func (a StateMachineARN) IsZero() bool { return a == StateMachineARN{} }

// IsVersion reports whether the ARN is qualified with a version number.
func (a StateMachineARN) IsVersion() bool { return isDigits(a.Qualifier) }

// IsAlias reports whether the ARN is qualified with an alias.
func (a StateMachineARN) IsAlias() bool { return a.Qualifier != "" && !a.IsVersion() }

// Unqualified returns the ARN of the state machine itself, without version or alias.
func (a StateMachineARN) Unqualified() StateMachineARN {
	a.Qualifier = ""
	return a
}

// ServiceARN is the ARN of an ECS service:
// arn:aws:ecs:us-east-1:123456789012:service/CLUSTER/SERVICE. The old form
// without a cluster (service/SERVICE) is read with Cluster "default", and
// String always writes the new form. The zero value means "none".
type ServiceARN struct {
	Partition string
	Region    string
	Account   string
	Cluster   string
	Service   string
}

// ParseServiceARN parses and checks an ECS service ARN.
func ParseServiceARN(s string) (ServiceARN, error) {
	a, err := parseServiceARN(s)
	if err != nil {
		return ServiceARN{}, fmt.Errorf("invalid ECS service ARN %q: %w", s, err)
	}
	return a, nil
}

func parseServiceARN(s string) (ServiceARN, error) {
	a, err := parseARN(s, "ecs", true)
	if err != nil {
		return ServiceARN{}, err
	}
	kind, rest, ok := strings.Cut(a.Resource, "/")
	cluster, service, withCluster := strings.Cut(rest, "/")
	if kind != "service" || !ok || strings.Contains(service, "/") {
		return ServiceARN{}, fmt.Errorf("resource %q is not an ECS service (expected service/CLUSTER/SERVICE)", a.Resource)
	}
	svc := ServiceARN{Partition: a.Partition, Region: a.Region, Account: a.AccountID, Cluster: "default", Service: rest}
	if withCluster {
		svc.Cluster, svc.Service = cluster, service
		if !isECSName(svc.Cluster) {
			return ServiceARN{}, fmt.Errorf("cluster name %q is not 1-255 letters, digits, hyphens and underscores", svc.Cluster)
		}
	}
	if !isECSName(svc.Service) {
		return ServiceARN{}, fmt.Errorf("service name %q is not 1-255 letters, digits, hyphens and underscores", svc.Service)
	}
	return svc, nil
}

// String formats the ARN in the new (cluster-qualified) form; it is "" for
// the zero value.
func (a ServiceARN) String() string {
	if a.IsZero() {
		return ""
	}
	return fmt.Sprintf("arn:%s:ecs:%s:%s:service/%s/%s", a.Partition, a.Region, a.Account, a.Cluster, a.Service)
}

// IsZero reports whether a is the zero value (no service).
func (a ServiceARN) IsZero() bool { return a == ServiceARN{} }

// RoleARN is the ARN of an IAM role: arn:aws:iam::123456789012:role/[PATH/]NAME.
// The zero value means "none".
type RoleARN struct {
	Partition string
	Account   string
	Path      string // "/" or "/a/b/"; "" is read as "/"
	Name      string
}

// ParseRoleARN parses and checks an IAM role ARN.
func ParseRoleARN(s string) (RoleARN, error) {
	a, err := parseRoleARN(s)
	if err != nil {
		return RoleARN{}, fmt.Errorf("invalid IAM role ARN %q: %w", s, err)
	}
	return a, nil
}

func parseRoleARN(s string) (RoleARN, error) {
	a, err := parseARN(s, "iam", false)
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
	if !isRoleName(name) {
		return RoleARN{}, fmt.Errorf("role name %q is not 1-64 letters, digits and [_+=,.@-]", name)
	}
	if err := checkIAMPath(path); err != nil {
		return RoleARN{}, err
	}
	return RoleARN{Partition: a.Partition, Account: a.AccountID, Path: path, Name: name}, nil
}

// checkIAMPath checks an IAM path: "/" or "/segments/", at most 512
// characters of printable ASCII, without empty segments.
func checkIAMPath(p string) error {
	if len(p) > 512 {
		return fmt.Errorf("role path is longer than 512 characters")
	}
	if strings.Contains(p, "//") {
		return fmt.Errorf("role path %q has an empty segment", p)
	}
	for _, c := range []byte(p) {
		if c < 0x21 || c > 0x7e {
			return fmt.Errorf("role path %q has a character other than printable ASCII", p)
		}
	}
	return nil
}

// String formats the ARN; it is "" for the zero value.
func (a RoleARN) String() string {
	if a.IsZero() {
		return ""
	}
	path := a.Path
	if path == "" {
		path = "/"
	}
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s", a.Partition, a.Account, path, a.Name)
}

// IsZero reports whether a is the zero value (no role).
func (a RoleARN) IsZero() bool { return a == RoleARN{} }
