package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/awsauth"
	"github.com/stagecrew/stagecrew/pkg/config"
)

// SecretReader is the part of the Secrets Manager client that reads the
// Backstage token.
type SecretReader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ SecretReader = (*secretsmanager.Client)(nil)

// maxTokenSecret bounds the secret read as a token.
const maxTokenSecret = 8 << 10

// backstageTokenFromSecret reads a static Backstage token from Secrets
// Manager (backstage-token-secret) with the entity's role for the
// environment, found on the default branch (or role-arn). The session is
// named stagecrew-backstage-token, apart from the run's own session, since
// the requester is not known before Backstage is read. The token is masked
// before anything could print it.
func backstageTokenFromSecret(ctx context.Context, d Deps, in config.Inputs, facts *trusted) (string, error) {
	secret, err := arn.Parse(in.BackstageTokenSecret)
	if err != nil || secret.Service != "secretsmanager" {
		return "", fmt.Errorf("%w: backstage-token-secret is not a Secrets Manager ARN", ErrBadInputs)
	}
	role := annotations.RoleARN{}
	if in.RoleARN != "" {
		if role, err = annotations.ParseRoleARN(in.RoleARN); err != nil {
			return "", err
		}
	} else {
		e, err := facts.Entity(ctx, in.Entity)
		if err != nil {
			return "", fmt.Errorf("stagecrew: finding the role to read backstage-token-secret with: %w", err)
		}
		targets, err := annotations.Read(e)
		if err != nil {
			return "", err
		}
		if role, err = awsauth.ResolveRole(targets, in.Environment, ""); err != nil {
			return "", fmt.Errorf("stagecrew: finding the role to read backstage-token-secret with: %w", err)
		}
	}
	cfg, err := awsauth.Config(ctx, awsauth.Options{RoleARN: role, SessionName: awsauth.SessionName("stagecrew-backstage-token", ""),
		Duration: 15 * time.Minute, Audience: in.Audience, Region: secret.Region, Endpoint: d.AWSEndpoint, HTTPClient: d.HTTPClient, Action: d.Action, Logger: d.Logger})
	if err != nil {
		return "", fmt.Errorf("stagecrew: credentials to read backstage-token-secret: %w", err)
	}
	if d.AWSEndpoint != "" {
		cfg.BaseEndpoint = aws.String(d.AWSEndpoint)
	}
	var reader SecretReader = secretsmanager.NewFromConfig(cfg)
	out, err := reader.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(in.BackstageTokenSecret)})
	if err != nil {
		return "", fmt.Errorf("stagecrew: reading backstage-token-secret with %s: %w", role, err)
	}
	token := strings.TrimSpace(aws.ToString(out.SecretString))
	switch {
	case token == "":
		return "", errors.New("stagecrew: backstage-token-secret holds no string (binary secrets are not read)")
	case len(token) > maxTokenSecret:
		return "", fmt.Errorf("stagecrew: backstage-token-secret holds %d bytes, more than a token's %d", len(token), maxTokenSecret)
	}
	d.Action.AddMask(token)
	return token, nil
}
