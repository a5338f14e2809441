package policy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// ErrNotFound is matched (with errors.Is) by a Catalog's error for an entity
// it does not hold.
var ErrNotFound = errors.New("entity not found")

// Catalog is the part of a Backstage catalog that policy decisions read. It
// is narrow so that both local files (LocalCatalog) and the Backstage API
// can serve it; each method maps onto one catalog query:
//
//   - Lookup: GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}
//   - UsersByGitHubLogin: GET /api/catalog/entities/by-query?filter=kind=user,metadata.annotations.github.com/user-login=LOGIN
//   - GroupsWithMember: GET /api/catalog/entities/by-query?filter=kind=group,relations.hasMember=user:NS/NAME
//
// (Backstage matches filter values case-insensitively.)
type Catalog interface {
	// Lookup returns the entity ref names, or an error wrapping ErrNotFound.
	Lookup(ctx context.Context, ref catalog.Ref) (*catalog.Entity, error)
	// UsersByGitHubLogin returns the Users whose github.com/user-login
	// annotation equals login, ignoring case; none is not an error.
	UsersByGitHubLogin(ctx context.Context, login string) ([]*catalog.Entity, error)
	// GroupsWithMember returns the Groups whose spec.members lists user.
	GroupsWithMember(ctx context.Context, user catalog.Ref) ([]*catalog.Entity, error)
}

// LocalCatalog is a Catalog over entities held in memory, usually read from
// the catalog files of a repository with LoadLocalCatalog.
type LocalCatalog struct {
	byRef map[string]*catalog.Entity
	order []*catalog.Entity
}

// NewLocalCatalog returns a catalog of the given entities. Two entities with
// the same reference are an error.
func NewLocalCatalog(entities ...*catalog.Entity) (*LocalCatalog, error) {
	c := &LocalCatalog{byRef: map[string]*catalog.Entity{}}
	for _, e := range entities {
		if err := c.add(e); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *LocalCatalog) add(e *catalog.Entity) error {
	key := e.Ref().Key()
	if prev, ok := c.byRef[key]; ok {
		return fmt.Errorf("%s is defined twice: %s and %s", key, where(prev), where(e))
	}
	c.byRef[key] = e
	c.order = append(c.order, e)
	return nil
}

func where(e *catalog.Entity) string {
	if e.Source.File == "" {
		return "(built in Go)"
	}
	return catalog.Position{File: e.Source.File, Line: e.Source.Line}.String()
}

// LoadLocalCatalog reads every entity of the given files and folders
// (folders are searched for .yaml and .yml files, skipping hidden folders
// and node_modules). A file named directly must decode cleanly; a file found
// in a folder that is not a catalog file (a workflow, say) is skipped.
//
// The files come from a repository a pull request controls, so they are read
// through package safefile: only regular files, links followed only inside
// the folder, at most catalog.DefaultMaxFileSize bytes. A file found in a
// folder that is not read (a named pipe, a link out of the folder or to
// nothing) is skipped like any other non-catalog file; a file named
// directly that cannot be read is an error.
func LoadLocalCatalog(paths ...string) (*LocalCatalog, error) {
	c := &LocalCatalog{byRef: map[string]*catalog.Entity{}}
	for _, p := range paths {
		if err := safefile.CheckNamed(p); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		if !info.IsDir() {
			data, err := safefile.ReadFile(p, catalog.DefaultMaxFileSize)
			if err != nil {
				return nil, fmt.Errorf("catalog: %w", err)
			}
			if err := c.loadFile(p, data, true); err != nil {
				return nil, err
			}
			continue
		}
		root, err := safefile.OpenRoot(p, catalog.DefaultMaxFileSize)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		err = root.Walk(context.Background(), safefile.WalkOptions{
			SkipDir: func(name string) bool {
				return strings.HasPrefix(name, ".") || name == "node_modules" || name == "skeleton"
			},
			Match: func(name string) bool {
				ext := filepath.Ext(name)
				return ext == ".yaml" || ext == ".yml"
			},
		}, func(f safefile.Found) error {
			if f.Err != nil {
				return nil
			}
			data, err := root.ReadFile(f.Rel)
			if err != nil {
				return nil // not a file to read: skipped, as Walk's refusals are
			}
			return c.loadFile(f.Path, data, false)
		})
		root.Close()
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *LocalCatalog) loadFile(path string, data []byte, explicit bool) error {
	docs, err := catalog.Decode(path, data, catalog.DecodeOptions{})
	if err != nil {
		if explicit {
			return fmt.Errorf("catalog: %w", err)
		}
		return nil
	}
	for _, d := range docs {
		if d.Err != nil {
			if explicit {
				return fmt.Errorf("catalog: %w", d.Err)
			}
			continue
		}
		e := d.Entity
		if e.APIVersion == "" || e.Kind == "" || e.Metadata.Name == "" {
			if explicit {
				return fmt.Errorf("catalog: %s:%d: not a catalog entity (apiVersion, kind and metadata.name are required)", path, d.Source.Line)
			}
			continue
		}
		if err := c.add(e); err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
	}
	return nil
}

// Entities returns the entities in the order they were added.
func (c *LocalCatalog) Entities() []*catalog.Entity { return c.order }

// Lookup implements Catalog.
func (c *LocalCatalog) Lookup(_ context.Context, ref catalog.Ref) (*catalog.Entity, error) {
	if e, ok := c.byRef[ref.Key()]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, ref.Key())
}

// UsersByGitHubLogin implements Catalog.
func (c *LocalCatalog) UsersByGitHubLogin(_ context.Context, login string) ([]*catalog.Entity, error) {
	var out []*catalog.Entity
	for _, e := range c.order {
		if !strings.EqualFold(e.Kind, catalog.KindUser) {
			continue
		}
		if v, ok := e.Annotation(catalog.AnnotationGitHubUser); ok && strings.EqualFold(strings.TrimSpace(v), login) {
			out = append(out, e)
		}
	}
	return out, nil
}

// GroupsWithMember implements Catalog.
func (c *LocalCatalog) GroupsWithMember(_ context.Context, user catalog.Ref) ([]*catalog.Entity, error) {
	var out []*catalog.Entity
	for _, e := range c.order {
		if !strings.EqualFold(e.Kind, catalog.KindGroup) {
			continue
		}
		spec, err := catalog.SpecAs[catalog.GroupSpec](e)
		if err != nil {
			continue
		}
		for _, m := range spec.Members {
			r, err := catalog.ParseRef(m, catalog.KindUser, e.Ref().Namespace)
			if err == nil && r.Equal(user) {
				out = append(out, e)
				break
			}
		}
	}
	return out, nil
}
