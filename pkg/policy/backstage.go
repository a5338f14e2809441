package policy

import (
	"context"
	"errors"
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/backstage"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// BackstageCatalog is a Catalog read from a Backstage backend's catalog API,
// for organisations whose users and groups live in Backstage rather than in
// the repository.
type BackstageCatalog struct {
	Client *backstage.Client
}

// Lookup returns the entity ref names from Backstage.
func (b BackstageCatalog) Lookup(ctx context.Context, ref catalog.Ref) (*catalog.Entity, error) {
	e, err := b.Client.Entity(ctx, ref)
	if errors.Is(err, backstage.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s in Backstage", ErrNotFound, ref)
	}
	return e, err
}

// UsersByGitHubLogin asks Backstage for the Users annotated with the login.
// Backstage's filters ignore case, as this interface asks.
func (b BackstageCatalog) UsersByGitHubLogin(ctx context.Context, login string) ([]*catalog.Entity, error) {
	return b.Client.Query(ctx, "kind=user", "metadata.annotations."+catalog.AnnotationGitHubUser+"="+login)
}

// GroupsWithMember asks Backstage for the Groups that list the user as a
// member (the hasMember relation, which Backstage derives from both
// Group.spec.members and User.spec.memberOf).
func (b BackstageCatalog) GroupsWithMember(ctx context.Context, user catalog.Ref) ([]*catalog.Entity, error) {
	return b.Client.Query(ctx, "kind=group", "relations.hasMember="+user.String())
}
