package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// catalogFile is one file named on the command line or found in a folder.
type catalogFile struct {
	path     string
	explicit bool           // named directly (or catalog-info.yaml): read it even if it holds no entity
	root     *safefile.Root // the folder it was found in; nil for a file named directly
	rel      string         // its name in root
	err      error          // set when it was found but cannot be read
}

// read reads the file: only a regular file, inside the folder it was found
// in (or named directly), at most catalog.DefaultMaxFileSize bytes.
func (f catalogFile) read() ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.root != nil {
		return f.root.ReadFile(f.rel)
	}
	return safefile.ReadFile(f.path, catalog.DefaultMaxFileSize)
}

// fileSet is what discovery found; Close releases the folders.
type fileSet struct {
	files []catalogFile
	roots []*safefile.Root
}

func (s *fileSet) Close() {
	for _, r := range s.roots {
		r.Close()
	}
}

// skipDirs are never searched: dependencies, and "skeleton" folders, which by
// Backstage convention hold templated files that are not YAML until rendered.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, ".terraform": true, "skeleton": true}

// collectFiles finds the files named by paths: files, folders (searched for
// .yaml and .yml files) and globs. A name that exists is taken as it is,
// even with glob characters in it. Files found in a folder that cannot be
// read (a named pipe, a link out of the folder or to nothing) are returned
// with err set, to be reported beside the other results; only a path on
// the command line that names nothing is an error.
func collectFiles(ctx context.Context, paths []string) (*fileSet, error) {
	return collectMatching(ctx, paths, isYAMLName)
}

// collectMatching is collectFiles with the names wanted in folders given
// by match.
func collectMatching(ctx context.Context, paths []string, match func(name string) bool) (*fileSet, error) {
	set := &fileSet{}
	seen := map[string]bool{}
	add := func(f catalogFile) {
		if !seen[f.path] {
			seen[f.path] = true
			set.files = append(set.files, f)
		}
	}
	for _, p := range paths {
		matches := []string{p}
		if _, err := os.Lstat(p); err != nil && strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				set.Close()
				return nil, fmt.Errorf("bad pattern %q: %w", p, err)
			}
			if len(m) == 0 {
				set.Close()
				return nil, fmt.Errorf("%s: no file matches", p)
			}
			matches = m
		}
		for _, m := range matches {
			if _, err := os.Lstat(m); err != nil {
				set.Close()
				return nil, fmt.Errorf("cannot read %s: %w", m, unwrapPath(err))
			}
			if err := safefile.CheckNamed(m); err != nil {
				// A link committed where a file or folder is named.
				add(catalogFile{path: m, explicit: true, err: err})
				continue
			}
			info, err := os.Stat(m)
			if err != nil || !info.IsDir() {
				// A file, or a link to nothing: read (or refused) as a file.
				add(catalogFile{path: m, explicit: true})
				continue
			}
			root, err := safefile.OpenRoot(m, catalog.DefaultMaxFileSize)
			if err != nil {
				set.Close()
				return nil, fmt.Errorf("cannot read %s: %w", m, unwrapPath(err))
			}
			set.roots = append(set.roots, root)
			err = root.Walk(ctx, safefile.WalkOptions{
				SkipDir: func(name string) bool { return skipDirs[name] || strings.HasPrefix(name, ".") },
				Match:   match,
			}, func(found safefile.Found) error {
				add(catalogFile{path: found.Path, explicit: filepath.Base(found.Path) == "catalog-info.yaml",
					root: root, rel: found.Rel, err: found.Err})
				return nil
			})
			if err != nil {
				set.Close()
				return nil, err
			}
		}
	}
	return set, nil
}

func isYAMLName(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// unwrapPath drops an *fs.PathError's operation and path, which the
// caller's message already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// unreadableFinding reports a file that was not read. It is an error for a
// file named directly (or a catalog-info.yaml) and a warning for any other
// file found in a folder, which may not be a catalog file at all.
func unreadableFinding(f catalogFile, err error) Finding {
	sev := "warning"
	if f.explicit {
		sev = "error"
	}
	return Finding{File: f.path, Severity: sev, Message: "not read: " + readProblem(err)}
}

// readProblem says why a file was not read, without its path.
func readProblem(err error) string {
	var se *safefile.Error
	if errors.As(err, &se) {
		msg := unwrapPath(se.Err).Error()
		if se.Detail != "" {
			msg += " (" + se.Detail + ")"
		}
		return msg
	}
	return unwrapPath(err).Error()
}
