package iam

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// ErrSecretRef is wrapped by errors about a container secret's valueFrom.
var ErrSecretRef = errors.New("not a secret ARN")

// SecretRef is where a container secret comes from: a Secrets Manager
// secret or an SSM parameter, named by its full ARN.
type SecretRef struct {
	Service   string // "secretsmanager" or "ssm"
	Partition string
	Region    string
	Account   string
	// Name is the secret's name (with the random suffix when the ARN has
	// one) or the parameter's name without its leading slash.
	Name string
	// Partial says a Secrets Manager ARN lacks the six-character suffix
	// Secrets Manager adds; its policy resource then ends in "-??????".
	Partial bool
}

// ParseSecretRef reads a container secret's valueFrom: the ARN of a Secrets
// Manager secret, optionally followed by :json-key:version-stage:version-id
// as ECS allows, or the ARN of an SSM parameter. A bare parameter name is
// refused: its account and region could not be checked.
func ParseSecretRef(valueFrom string) (SecretRef, error) {
	a, err := arn.Parse(valueFrom)
	if err != nil {
		return SecretRef{}, fmt.Errorf("%w: %q (give the full ARN of a Secrets Manager secret or SSM parameter)", ErrSecretRef, valueFrom)
	}
	r := SecretRef{Service: a.Service, Partition: a.Partition, Region: a.Region, Account: a.AccountID}
	if !isAccount(a.AccountID) || !isRegionValue(a.Region) || !strings.HasPrefix(a.Partition, "aws") {
		return SecretRef{}, fmt.Errorf("%w: %q has no valid partition, region and account", ErrSecretRef, valueFrom)
	}
	switch a.Service {
	case "secretsmanager":
		name, ok := strings.CutPrefix(a.Resource, "secret:")
		if ok {
			// secret:NAME[:json-key[:version-stage[:version-id]]]
			name, _, _ = strings.Cut(name, ":")
		}
		if !ok || !isSecretName(name) {
			return SecretRef{}, fmt.Errorf("%w: %q is not arn:%s:secretsmanager:REGION:ACCOUNT:secret:NAME", ErrSecretRef, valueFrom, a.Partition)
		}
		r.Name, r.Partial = name, !hasSecretSuffix(name)
	case "ssm":
		name, ok := strings.CutPrefix(a.Resource, "parameter/")
		if !ok || len(name) > 2048 || !isParamName(name) || strings.Contains(name, "//") || strings.HasPrefix(name, "/") {
			return SecretRef{}, fmt.Errorf("%w: %q is not arn:%s:ssm:REGION:ACCOUNT:parameter/NAME", ErrSecretRef, valueFrom, a.Partition)
		}
		r.Name = name
	default:
		return SecretRef{}, fmt.Errorf("%w: %q is a %s ARN, not a Secrets Manager secret or SSM parameter", ErrSecretRef, valueFrom, a.Service)
	}
	return r, nil
}

// Resource is the policy resource that grants reading the secret: the
// secret's ARN (with "-??????" for a partial ARN) or the parameter's.
func (r SecretRef) Resource() string {
	if r.Service == "ssm" {
		return fmt.Sprintf("arn:%s:ssm:%s:%s:parameter/%s", r.Partition, r.Region, r.Account, r.Name)
	}
	name := r.Name
	if r.Partial {
		name += "-??????"
	}
	return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s", r.Partition, r.Region, r.Account, name)
}

// Action is the IAM action that reads the secret.
func (r SecretRef) Action() string {
	if r.Service == "ssm" {
		return "ssm:GetParameters"
	}
	return "secretsmanager:GetSecretValue"
}

// CheckAccount refuses a secret outside the given partition and account
// (the entity's role's), so a deploy cannot point a task at another
// account's secrets.
func (r SecretRef) CheckAccount(partition, account string) error {
	if r.Account != account || r.Partition != partition {
		return fmt.Errorf("%w: %s is in account %s (partition %s), not in the environment's account %s (partition %s)",
			ErrForeignAccount, r.Resource(), r.Account, r.Partition, account, partition)
	}
	return nil
}

// ErrForeignAccount is wrapped by errors about a role or secret in another
// account than the environment's.
var ErrForeignAccount = errors.New("another account")

// ExecutionRoleOptions name what a task execution role reads.
type ExecutionRoleOptions struct {
	// Secrets are the valueFrom ARNs of the task definition's secrets.
	Secrets []string
	// Partition and Account are the environment's; a secret elsewhere is
	// an error.
	Partition, Account string
}

// ExecutionRolePermissions returns the statements the task execution role
// needs to hand the containers their secrets: secretsmanager:GetSecretValue
// on the secrets, ssm:GetParameters on the parameters (Sids ReadSecrets,
// ReadParameters). The deploying role never reads them, so they are not in
// Permissions' document: ECS reads them with the execution role when a task
// starts. A customer managed KMS key needs kms:Decrypt besides, which the
// ARNs do not reveal.
func ExecutionRolePermissions(o ExecutionRoleOptions) (*Document, error) {
	var secrets, params Strings
	for _, v := range o.Secrets {
		r, err := ParseSecretRef(v)
		if err != nil {
			return nil, err
		}
		if err := r.CheckAccount(o.Partition, o.Account); err != nil {
			return nil, err
		}
		res := r.Resource()
		switch {
		case r.Service == "ssm" && !slices.Contains(params, res):
			params = append(params, res)
		case r.Service == "secretsmanager" && !slices.Contains(secrets, res):
			secrets = append(secrets, res)
		}
	}
	if len(secrets)+len(params) == 0 {
		return nil, fmt.Errorf("no secrets: the execution role needs no read permission")
	}
	doc := &Document{Version: PolicyVersion}
	if len(secrets) > 0 {
		doc.Statement = append(doc.Statement, Statement{Sid: "ReadSecrets", Effect: "Allow", Action: Strings{"secretsmanager:GetSecretValue"}, Resource: secrets})
	}
	if len(params) > 0 {
		doc.Statement = append(doc.Statement, Statement{Sid: "ReadParameters", Effect: "Allow", Action: Strings{"ssm:GetParameters"}, Resource: params})
	}
	return doc, nil
}
