package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// stdinName is the path that stands for standard input.
const stdinName = "-"

// catalogFile is one file named on the command line or found in a folder.
type catalogFile struct {
	path     string
	explicit bool           // named directly (or catalog-info.yaml): read it even if it holds no entity
	root     *safefile.Root // the folder it was found in; nil for a file named directly
	rel      string         // its name in root
	err      error          // set when it was found but cannot be read
	arg      int            // index of the command-line path it came from
	stdin    io.Reader      // set for "-": the file is standard input
}

// read reads the file: only a regular file, inside the folder it was found
// in (or named directly), at most catalog.DefaultMaxFileSize bytes.
func (f catalogFile) read() ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.stdin != nil {
		data, err := io.ReadAll(io.LimitReader(f.stdin, catalog.DefaultMaxFileSize+1))
		if err == nil && len(data) > catalog.DefaultMaxFileSize {
			err = fmt.Errorf("standard input is larger than %d bytes", catalog.DefaultMaxFileSize)
		}
		return data, err
	}
	if f.root != nil {
		return f.root.ReadFile(f.rel)
	}
	return safefile.ReadFile(f.path, catalog.DefaultMaxFileSize)
}

// readString is read returning the file as a string, which
// catalog.DecodeEachString reads without a copy.
func (f catalogFile) readString() (string, error) {
	if f.err != nil || f.stdin != nil {
		data, err := f.read()
		return string(data), err
	}
	if f.root != nil {
		return f.root.ReadFileString(f.rel)
	}
	return safefile.ReadFileString(f.path, catalog.DefaultMaxFileSize)
}

// reader reads the files a placeholder or Location target of the file
// names, relative to it ("/x" from the folder searched), never outside
// that folder; nil for standard input. Each file is read once however
// many entities of the file name it.
func (f catalogFile) reader() catalog.ReadFunc {
	if f.stdin != nil || f.err != nil {
		return nil
	}
	type result struct {
		data []byte
		err  error
	}
	cache := map[string]result{}
	read := f.readRef
	return func(ref string) ([]byte, error) {
		if r, ok := cache[ref]; ok {
			return r.data, r.err
		}
		data, err := read(ref)
		cache[ref] = result{data, err}
		return data, err
	}
}

// readRef reads one file a reference of the file names (see reader).
func (f catalogFile) readRef(ref string) ([]byte, error) {
	{
		if f.root != nil {
			rel := path.Join(path.Dir(f.rel), ref)
			if strings.HasPrefix(ref, "/") {
				rel = path.Clean(strings.TrimPrefix(ref, "/"))
			}
			if rel == ".." || strings.HasPrefix(rel, "../") {
				return nil, fmt.Errorf("%s is outside %s: %w", ref, f.root.Dir(), fs.ErrNotExist)
			}
			return f.root.ReadFile(rel)
		}
		dir := filepath.Dir(f.path)
		rel := filepath.Clean(filepath.FromSlash(strings.TrimPrefix(ref, "/")))
		if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
			return nil, fmt.Errorf("%s is outside %s: %w", ref, dir, fs.ErrNotExist)
		}
		return safefile.ReadFile(filepath.Join(dir, rel), catalog.DefaultMaxFileSize)
	}
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

// skipDirs are never searched: dependencies, test fixtures (testdata, as
// the go tool skips it), and "skeleton" folders, which by Backstage
// convention hold templated files that are not YAML until rendered.
// Folders whose names start with "." are skipped too, but for .backstage,
// where many repositories keep their catalog.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, ".terraform": true, "skeleton": true, "testdata": true}

func skipDir(name string, exclude []string) bool {
	if skipDirs[name] || (strings.HasPrefix(name, ".") && name != ".backstage") {
		return true
	}
	return excluded(name, exclude)
}

// excluded reports whether a name (or a slash path relative to the folder
// searched) matches one of the --exclude patterns: a pattern without "/"
// is matched against the name of every file and folder, one with "/"
// against the path from the folder searched.
func excluded(rel string, exclude []string) bool {
	base := path.Base(rel)
	for _, pat := range exclude {
		pat = strings.TrimSuffix(filepath.ToSlash(pat), "/")
		if !strings.Contains(pat, "/") {
			if ok, _ := path.Match(pat, base); ok {
				return true
			}
			continue
		}
		for p := rel; p != "." && p != "/" && p != ""; p = path.Dir(p) {
			if ok, _ := path.Match(strings.TrimPrefix(pat, "./"), p); ok {
				return true
			}
		}
	}
	return false
}

// discoverOptions change what discover finds.
type discoverOptions struct {
	match   func(name string) bool // the names wanted in folders
	exclude []string               // --exclude patterns
	stdin   io.Reader              // what "-" reads; nil: "-" is a file name
}

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
	return discover(ctx, paths, discoverOptions{match: match})
}

// discover is collectMatching with options: --exclude patterns, and "-"
// for standard input.
func discover(ctx context.Context, paths []string, opts discoverOptions) (*fileSet, error) {
	if opts.match == nil {
		opts.match = isYAMLName
	}
	match := opts.match
	set := &fileSet{}
	seen := map[string]bool{}
	add := func(f catalogFile) {
		if !seen[f.path] {
			seen[f.path] = true
			set.files = append(set.files, f)
		}
	}
	for argIndex, p := range paths {
		if p == stdinName && opts.stdin != nil {
			set.files = append(set.files, catalogFile{path: stdinName, explicit: true, arg: argIndex, stdin: opts.stdin})
			continue
		}
		add := func(f catalogFile) {
			f.arg = argIndex
			add(f)
		}
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
				SkipDir: func(name string) bool { return skipDir(name, opts.exclude) },
				Match:   match,
			}, func(found safefile.Found) error {
				if excluded(found.Rel, opts.exclude) {
					return nil
				}
				add(catalogFile{path: found.Path, explicit: isCatalogInfo(found.Path),
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

// isCatalogInfo: catalog-info.yaml or .yml, the name Backstage's
// discovery looks for, is judged whatever it holds.
func isCatalogInfo(p string) bool {
	base := filepath.Base(p)
	return base == "catalog-info.yaml" || base == "catalog-info.yml"
}

// looksLikeCatalog is the test for other YAML files found in folders: does
// a document have a root-level apiVersion of Backstage's
// (backstage.io/... or scaffolder.backstage.io/...)? A Kubernetes
// manifest or an OpenShift Template has apiVersion and kind too, and is
// not a catalog file.
func looksLikeCatalog(data string) bool {
	for len(data) > 0 {
		line := data
		if i := strings.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = ""
		}
		rest, ok := strings.CutPrefix(line, "apiVersion:")
		if !ok {
			continue
		}
		v := strings.Trim(strings.TrimSpace(rest), `"'`)
		if strings.HasPrefix(v, "backstage.io/") || strings.HasPrefix(v, "scaffolder.backstage.io/") {
			return true
		}
	}
	return false
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
