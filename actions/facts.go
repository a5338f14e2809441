package actions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/backstage"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/config"
	"github.com/stagecrew/stagecrew/pkg/ghrepo"
	"github.com/stagecrew/stagecrew/pkg/policy"
	"github.com/stagecrew/stagecrew/pkg/report"
)

// ErrNoTrustedFacts: the facts a decision needs could not be read from a
// place the change under review cannot rewrite.
var ErrNoTrustedFacts = errors.New("stagecrew: cannot read the trusted catalog and policy")

// trusted reads what the policy decides on, each from a place the change
// under review cannot rewrite: the repository's default branch at its
// current head, fetched through the GitHub API, and Backstage's catalog.
// The checked-out workspace — a pull request's merge commit, or any branch
// a dispatch names — is never read for them.
type trusted struct {
	snap  *ghrepo.Snapshot
	bs    *backstage.Client
	local *policy.LocalCatalog
	// Source says where the facts came from, for the log and the audit:
	// "acme/orders@main (0123abc)", and Backstage's URL when it is used.
	Source string
}

// openTrusted resolves the default branch of the workflow's repository.
func openTrusted(ctx context.Context, d Deps, in config.Inputs, gh *githubactions.GitHubContext) (*trusted, error) {
	if in.GitHubToken == "" {
		return nil, fmt.Errorf("%w: github-token is empty; stagecrew reads the policy file and the catalog from the default branch through the GitHub API (the job needs `permissions: contents: read`)", ErrNoTrustedFacts)
	}
	owner, repo, ok := strings.Cut(gh.Repository, "/")
	if !ok || owner == "" || repo == "" {
		return nil, fmt.Errorf("%w: GITHUB_REPOSITORY %q is not OWNER/REPO", ErrNoTrustedFacts, logSafe(gh.Repository))
	}
	client, err := report.NewGitHubClient(d.HTTPClient, gh.APIURL, in.GitHubToken)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoTrustedFacts, err)
	}
	snap, err := ghrepo.Open(ctx, client, owner, repo)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoTrustedFacts, err)
	}
	return &trusted{snap: snap, Source: fmt.Sprintf("%s@%s (%s)", gh.Repository, snap.Branch, shortSHA(snap.SHA))}, nil
}

// useBackstage reads users, groups and entity refs from Backstage from now
// on.
func (t *trusted) useBackstage(bs *backstage.Client) {
	t.bs = bs
	t.Source += " and " + bs.BaseURL()
}

// Policy reads the policy file from the default branch; without one, the
// default policy applies.
func (t *trusted) Policy(ctx context.Context, path string) (*policy.Policy, error) {
	path = strings.TrimPrefix(path, "./")
	data, err := t.snap.ReadFile(ctx, path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return policy.DefaultPolicy(), nil
	case err != nil:
		return nil, fmt.Errorf("%w: the policy file: %w", ErrNoTrustedFacts, err)
	}
	p, err := policy.ParsePolicy(path, data)
	if err != nil {
		return nil, fmt.Errorf("stagecrew: the policy file on %s: %w", t.Source, err)
	}
	return p, nil
}

// Catalog is where users and groups are looked up: Backstage when it is
// configured, else the catalog files of the default branch.
func (t *trusted) Catalog(ctx context.Context) (policy.Catalog, error) {
	if t.bs != nil {
		return policy.BackstageCatalog{Client: t.bs}, nil
	}
	return t.localCatalog(ctx)
}

func (t *trusted) localCatalog(ctx context.Context) (*policy.LocalCatalog, error) {
	if t.local != nil {
		return t.local, nil
	}
	entities, err := t.snap.Entities(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: the catalog files: %w", ErrNoTrustedFacts, err)
	}
	if t.local, err = policy.NewLocalCatalog(entities...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoTrustedFacts, err)
	}
	return t.local, nil
}

// Entity reads the entity the input names: a catalog file of the default
// branch, or an entity ref looked up in Backstage (without it, in the
// default branch's catalog files).
func (t *trusted) Entity(ctx context.Context, name string) (*catalog.Entity, error) {
	if isCatalogPath(name) {
		data, err := t.snap.ReadFile(ctx, strings.TrimPrefix(name, "./"))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s is not on %s (stagecrew reads the entity from the default branch, not from the change being run)", ErrNoEntity, logSafe(name), t.Source)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoTrustedFacts, err)
		}
		return entityFromFile(name, data)
	}
	ref, err := catalog.ParseRef(name, catalog.KindComponent, "")
	if err != nil {
		return nil, fmt.Errorf("%w: %q is neither a catalog file (.yaml) nor an entity ref: %w", ErrNoEntity, logSafe(name), err)
	}
	if t.bs != nil {
		e, err := t.bs.Entity(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoEntity, err)
		}
		return e, nil
	}
	cat, err := t.localCatalog(ctx)
	if err != nil {
		return nil, err
	}
	e, err := cat.Lookup(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not in the catalog files on %s, and backstage-url is not set", ErrNoEntity, ref, t.Source)
	}
	return e, nil
}

// entityFromFile decodes a catalog file and returns the one entity in it
// that names a state machine or ECS service (a catalog file often holds the
// service with its group and users).
func entityFromFile(name string, data []byte) (*catalog.Entity, error) {
	docs, err := catalog.Decode(name, data, catalog.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	var found []*catalog.Entity
	for _, doc := range docs {
		if doc.Err != nil {
			return nil, doc.Err
		}
		if hasTarget(doc.Entity) {
			found = append(found, doc.Entity)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%w: %s holds %d entities with a state machine or ECS service annotation; name one with an entity ref", ErrNoEntity, logSafe(name), len(found))
	}
	if err := catalog.Validate(found[0]); err != nil {
		return nil, err
	}
	return found[0], nil
}

// isCatalogPath tells a catalog file path from an entity ref.
func isCatalogPath(s string) bool {
	return strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}

func shortSHA(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}
