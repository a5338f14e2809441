package iam

import (
	"errors"
	"fmt"
	"strings"
)

// GitHubOIDCHost is the issuer host of GitHub Actions OIDC tokens; the
// account's IAM OIDC provider is named after it.
const GitHubOIDCHost = "token.actions.githubusercontent.com"

// DefaultAudience is the aud claim aws-actions and stagecrew request.
const DefaultAudience = "sts.amazonaws.com"

// SubjectForm is the shape of the sub claim a trust policy pins.
type SubjectForm int

// The subject forms.
const (
	// SubjectEnvironment: repo:OWNER/REPO:environment:ENV, the claim of a
	// job that runs in a GitHub environment (whose reviewers and branch
	// rules then guard the role).
	SubjectEnvironment SubjectForm = iota
	// SubjectBranch: repo:OWNER/REPO:ref:refs/heads/BRANCH, the claim of a
	// job without an environment, on one branch.
	SubjectBranch
)

// ErrTrust is matched (with errors.Is) by TrustPolicy's input errors.
var ErrTrust = errors.New("cannot build trust policy")

// TrustOptions say whose workflow may assume a role.
type TrustOptions struct {
	Partition string // the role's partition: aws, aws-cn, aws-us-gov; "aws" when empty
	Account   string // the role's account, where the OIDC provider is

	Repository  string // OWNER/REPO, from github.com/project-slug
	Form        SubjectForm
	Environment string // for SubjectEnvironment: the GitHub environment name
	Branch      string // for SubjectBranch: the branch name ("main" or "refs/heads/main")

	// OwnerID and RepositoryID, when both set, select the immutable form
	// of the subject: repo:OWNER@OWNERID/REPO@REPOID:..., which a renamed
	// or re-created repository of the same name cannot match.
	OwnerID      string
	RepositoryID string

	Audience string // DefaultAudience when empty
}

// SplitRepository splits OWNER/REPO, checking both parts.
func SplitRepository(s string) (owner, repo string, err error) {
	owner, repo, ok := strings.Cut(s, "/")
	if !ok || !isOwner(owner) || !isRepo(repo) || repo == "." || repo == ".." {
		return "", "", fmt.Errorf("%w: %q is not a GitHub OWNER/REPO", ErrTrust, s)
	}
	return owner, repo, nil
}

// Subject returns the exact sub claim the options pin.
func Subject(o TrustOptions) (string, error) {
	owner, repo, err := SplitRepository(o.Repository)
	if err != nil {
		return "", err
	}
	if (o.OwnerID == "") != (o.RepositoryID == "") {
		return "", fmt.Errorf("%w: the immutable form needs both the owner ID and the repository ID", ErrTrust)
	}
	if o.OwnerID != "" {
		if !isID(o.OwnerID) || !isID(o.RepositoryID) {
			return "", fmt.Errorf("%w: owner and repository IDs are numbers, found %q and %q", ErrTrust, o.OwnerID, o.RepositoryID)
		}
		owner += "@" + o.OwnerID
		repo += "@" + o.RepositoryID
	}
	prefix := "repo:" + owner + "/" + repo
	switch o.Form {
	case SubjectEnvironment:
		if !isEnvName(o.Environment) {
			return "", fmt.Errorf("%w: %q is not a GitHub environment name (no \":\", \"*\" or \"?\")", ErrTrust, o.Environment)
		}
		return prefix + ":environment:" + o.Environment, nil
	case SubjectBranch:
		b := strings.TrimPrefix(o.Branch, "refs/heads/")
		if !isBranch(b) {
			return "", fmt.Errorf("%w: %q is not a branch name (no wildcards: the trust policy matches exactly)", ErrTrust, o.Branch)
		}
		return prefix + ":ref:refs/heads/" + b, nil
	}
	return "", fmt.Errorf("%w: unknown subject form %d", ErrTrust, o.Form)
}

// ProviderARN returns the ARN of the account's GitHub OIDC provider.
func ProviderARN(partition, account string) string {
	if partition == "" {
		partition = "aws"
	}
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partition, account, GitHubOIDCHost)
}

// TrustPolicy returns the role trust policy that lets exactly one workflow
// subject, with the given audience, assume the role through the account's
// GitHub OIDC provider.
func TrustPolicy(o TrustOptions) (*Document, error) {
	if !isAccount(o.Account) {
		return nil, fmt.Errorf("%w: account %q is not a 12-digit AWS account ID", ErrTrust, o.Account)
	}
	sub, err := Subject(o)
	if err != nil {
		return nil, err
	}
	aud := o.Audience
	if aud == "" {
		aud = DefaultAudience
	}
	if strings.ContainsAny(aud, "*?") || strings.TrimSpace(aud) != aud {
		return nil, fmt.Errorf("%w: audience %q must be exact", ErrTrust, aud)
	}
	return &Document{
		Version: PolicyVersion,
		Statement: []Statement{{
			Sid:       "GitHubActionsOIDC",
			Effect:    "Allow",
			Principal: map[string]Strings{"Federated": {ProviderARN(o.Partition, o.Account)}},
			Action:    Strings{"sts:AssumeRoleWithWebIdentity"},
			Condition: map[string]map[string]Strings{
				"StringEquals": {
					GitHubOIDCHost + ":aud": {aud},
					GitHubOIDCHost + ":sub": {sub},
				},
			},
		}},
	}, nil
}
