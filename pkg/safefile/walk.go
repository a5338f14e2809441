package safefile

import (
	"context"
	"io/fs"
	"path/filepath"
)

// Found is one entry Walk reports.
type Found struct {
	Rel  string // slash-separated, relative to the Root
	Path string // as callers name it: the Root's folder joined with Rel
	// Err is set when the entry cannot be read: not a regular file, a link
	// out of the tree or to nothing (the sentinels of this package), or a
	// folder that cannot be listed.
	Err error
}

// WalkOptions choose what Walk visits.
type WalkOptions struct {
	// SkipDir reports whether to leave out a folder below the Root, by name.
	SkipDir func(name string) bool
	// Match reports whether a file's name is wanted; nil matches all.
	Match func(name string) bool
}

// Walk calls fn, in lexical order, for each entry below the Root whose name
// Match accepts and that is not a folder: regular files with Err nil, and
// named pipes, devices, sockets and symbolic links that do not lead to a
// regular file inside the tree with Err set. Links to folders are not
// followed. A folder that cannot be listed is reported with Err and left
// out. Walk reads no file (see ReadFile) and never opens a non-folder, so
// nothing it meets can block it. It stops at the first error fn returns,
// or when ctx is done, and returns that error.
func (r *Root) Walk(ctx context.Context, opts WalkOptions, fn func(Found) error) error {
	return fs.WalkDir(r.root.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			// A folder that cannot be listed (or vanished): reported, and
			// the walk goes on with its siblings.
			if ferr := fn(Found{Rel: rel, Path: r.Path(rel), Err: &Error{Path: r.Path(rel), Err: unwrapPath(err)}}); ferr != nil {
				return ferr
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel != "." && opts.SkipDir != nil && opts.SkipDir(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if opts.Match != nil && !opts.Match(d.Name()) {
			return nil
		}
		return fn(r.found(rel, d))
	})
}

// found checks a matching entry without opening it.
func (r *Root) found(rel string, d fs.DirEntry) Found {
	f := Found{Rel: rel, Path: r.Path(rel)}
	t := d.Type()
	switch {
	case t.IsRegular():
	case t&fs.ModeSymlink != 0:
		if err := r.checkLink(rel, f.Path); err != nil {
			f.Err = err
			return f
		}
		info, err := r.root.Stat(filepath.FromSlash(rel))
		if err != nil {
			f.Err = r.openError(f.Path, err)
		} else if !info.Mode().IsRegular() {
			f.Err = &Error{Path: f.Path, Err: ErrNotRegular, Detail: "a symbolic link to " + Kind(info.Mode())}
		}
	default:
		f.Err = &Error{Path: f.Path, Err: ErrNotRegular, Detail: Kind(t)}
	}
	return f
}

// unwrapPath drops an *fs.PathError's path (the Error carries its own).
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
