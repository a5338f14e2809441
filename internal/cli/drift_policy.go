package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/awsauth"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/policy"
)

// driftAllow is the policy gate of a run in GitHub Actions on the
// workflow's OIDC token: the token is verified, then every entity
// environment is decided with policy.Decide on drift:read (who the
// verified token names, from which repository, ref and event), before any
// call with that environment's role. It is nil outside Actions and with
// --default-credentials: the caller's own credentials decide then.
func driftAllow(ctx context.Context, opts *DriftOptions, entities []*catalog.Entity, gha *githubactions.Action) (func(*catalog.Entity, string) error, error) {
	if opts.DefaultCredentials || opts.Env("GITHUB_ACTIONS") != "true" {
		return nil, nil
	}
	path := opts.Policy
	if path == "" {
		path = filepath.Join(opts.RepoRoot, policy.DefaultPath)
	}
	pol, err := policy.LoadPolicy(path) // the default policy when the file is absent
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	cat, err := policy.NewLocalCatalog(entities...)
	if err != nil {
		return nil, err
	}
	token, err := gha.GetIDToken(ctx, opts.Audience)
	if err != nil {
		return nil, fmt.Errorf("%w: the job needs `permissions: id-token: write` (%v)", awsauth.ErrNoIDTokenPermission, err)
	}
	claims, err := awsauth.VerifyToken(ctx, token, opts.OIDCIssuer, opts.Audience, nil)
	if err != nil {
		return nil, fmt.Errorf("verifying the workflow's OIDC token: %w", err)
	}
	defaultBranch := ""
	if gh, err := gha.Context(); err == nil {
		if repo, ok := gh.Event["repository"].(map[string]any); ok {
			defaultBranch, _ = repo["default_branch"].(string)
		}
	}
	return func(e *catalog.Entity, env string) error {
		d := policy.Decide(ctx, policy.Input{Entity: e, Environment: env, Action: policy.ActionDriftRead,
			Actor: claims.Actor, Repository: claims.Repository, Event: claims.EventName, Ref: claims.Ref,
			GitHubEnvironment: claims.Environment, Subject: claims.Subject, DefaultBranch: defaultBranch, Catalog: cat}, pol)
		if !d.Allowed {
			return fmt.Errorf("denied by policy: %s; %s", d.Reason, d.Remedy)
		}
		return nil
	}, nil
}
