package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Sentinel errors of Resolve, matched with errors.Is.
var (
	// ErrUnknownActor: no User in the catalog is the GitHub login.
	ErrUnknownActor = errors.New("GitHub actor is not a User in the catalog")
	// ErrAmbiguousActor: more than one User claims the GitHub login.
	ErrAmbiguousActor = errors.New("GitHub actor matches more than one User")
)

// Identity is a GitHub actor resolved to a Backstage User.
type Identity struct {
	Login string      // the GitHub login, as given
	User  catalog.Ref // the User entity
	// Groups holds every group the user belongs to: those of its
	// spec.memberOf, those whose spec.members list it, and all of their
	// parents (spec.parent) transitively; sorted by Key.
	Groups []catalog.Ref
}

// MemberOf reports whether the identity belongs to group, directly or
// through a sub-group of it.
func (id *Identity) MemberOf(group catalog.Ref) bool {
	return slices.ContainsFunc(id.Groups, group.Equal)
}

// Resolve finds the User a GitHub login belongs to, and its groups.
//
// The User is the one whose github.com/user-login annotation equals the
// login (ignoring case); failing that, the User in the default namespace
// named like the login — but only when that User has no
// github.com/user-login annotation of its own, since one naming another
// login says the two are different people. Group membership comes from the
// user's spec.memberOf and from the spec.members of groups, then climbs
// spec.parent as far as it goes; cycles are cut. A group a user names but
// the catalog lacks still counts (Backstage records the relation too); its
// parents are just unknown.
func Resolve(ctx context.Context, cat Catalog, login string) (*Identity, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return nil, fmt.Errorf("%w: no GitHub actor given", ErrUnknownActor)
	}
	user, err := findUser(ctx, cat, login)
	if err != nil {
		return nil, err
	}
	return identity(ctx, cat, user, login)
}

// ResolveUser finds a User by its entity ref (a scaffolder task's
// createdBy), and its groups as Resolve does. A ref the catalog lacks, or
// one that is not a User, wraps ErrUnknownActor.
func ResolveUser(ctx context.Context, cat Catalog, ref catalog.Ref) (*Identity, error) {
	if !strings.EqualFold(ref.Kind, catalog.KindUser) {
		return nil, fmt.Errorf("%w: %s is not a User", ErrUnknownActor, ref)
	}
	user, err := cat.Lookup(ctx, ref)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: the catalog has no %s", ErrUnknownActor, ref)
	}
	if err != nil {
		return nil, err
	}
	login, _ := user.Annotation(catalog.AnnotationGitHubUser)
	return identity(ctx, cat, user, strings.TrimSpace(login))
}

// identity collects the groups of user, transitively.
func identity(ctx context.Context, cat Catalog, user *catalog.Entity, login string) (*Identity, error) {
	id := &Identity{Login: login, User: user.Ref()}
	seen := map[string]bool{}
	var queue []catalog.Ref
	push := func(r catalog.Ref) {
		if !seen[r.Key()] {
			seen[r.Key()] = true
			id.Groups = append(id.Groups, r)
			queue = append(queue, r)
		}
	}
	spec, err := catalog.SpecAs[catalog.UserSpec](user)
	if err != nil {
		return nil, err
	}
	for _, m := range spec.MemberOf {
		if r, err := catalog.ParseRef(m, catalog.KindGroup, id.User.Namespace); err == nil {
			push(r)
		}
	}
	groups, err := cat.GroupsWithMember(ctx, id.User)
	if err != nil {
		return nil, fmt.Errorf("groups of %s: %w", id.User, err)
	}
	for _, g := range groups {
		push(g.Ref())
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		e, err := cat.Lookup(ctx, g)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", g, err)
		}
		gs, err := catalog.SpecAs[catalog.GroupSpec](e)
		if err != nil || gs.Parent == "" {
			continue
		}
		if p, err := catalog.ParseRef(gs.Parent, catalog.KindGroup, g.Namespace); err == nil {
			push(p)
		}
	}
	slices.SortFunc(id.Groups, func(a, b catalog.Ref) int { return strings.Compare(a.Key(), b.Key()) })
	return id, nil
}

func findUser(ctx context.Context, cat Catalog, login string) (*catalog.Entity, error) {
	users, err := cat.UsersByGitHubLogin(ctx, login)
	if err != nil {
		return nil, fmt.Errorf("users with %s %s: %w", catalog.AnnotationGitHubUser, login, err)
	}
	switch len(users) {
	case 1:
		return users[0], nil
	case 0:
	default:
		var refs []string
		for _, u := range users {
			refs = append(refs, u.Ref().String())
		}
		slices.Sort(refs)
		return nil, fmt.Errorf("%w: %s all have %s: %s", ErrAmbiguousActor, strings.Join(refs, ", "), catalog.AnnotationGitHubUser, login)
	}
	e, err := cat.Lookup(ctx, catalog.Ref{Kind: catalog.KindUser, Namespace: catalog.DefaultNamespace, Name: login})
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: no User has %s: %s, and there is no user:default/%s", ErrUnknownActor, catalog.AnnotationGitHubUser, login, strings.ToLower(login))
	}
	if err != nil {
		return nil, err
	}
	if other, ok := e.Annotation(catalog.AnnotationGitHubUser); ok && !strings.EqualFold(strings.TrimSpace(other), login) {
		return nil, fmt.Errorf("%w: %s is GitHub user %q, not %q", ErrUnknownActor, e.Ref(), other, login)
	}
	return e, nil
}
