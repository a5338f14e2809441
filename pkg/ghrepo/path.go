package ghrepo

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// validName checks an owner or repository name: 1 to 100 letters, digits,
// '-', '_' or '.', and not "." or "..". It keeps names from adding path
// segments or queries to API URLs.
func validName(kind, s string) error {
	if s == "" || len(s) > 100 || s == "." || s == ".." {
		return fmt.Errorf("%w: %s %q", ErrInvalidName, kind, s)
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("%w: %s %q has the character %q", ErrInvalidName, kind, s, c)
		}
	}
	return nil
}

// cleanPath turns a file path relative to the repository root into the form
// tree listings use: "/" separators, leading "./" removed. Absolute paths,
// empty, "." and ".." segments, NUL and invalid UTF-8 are refused: a path
// never leaves the repository nor names the root itself.
func cleanPath(p string) (string, error) {
	orig := p
	for strings.HasPrefix(p, "./") {
		p = strings.TrimLeft(p[2:], "/")
	}
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w %q: %s", ErrInvalidPath, orig, why)
	}
	switch {
	case p == "":
		return bad("empty")
	case !utf8.ValidString(p) || strings.ContainsRune(p, 0):
		return bad("not valid UTF-8 text")
	case strings.HasPrefix(p, "/"):
		return bad("absolute; give it relative to the repository root")
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return bad("empty path segment")
		case ".", "..":
			return bad("'.' and '..' segments are not allowed")
		}
	}
	return p, nil
}

// catalogCandidate says whether the file at p (a tree listing path) is one
// policy.LoadLocalCatalog would read from a checkout of the tree: a .yaml
// or .yml file (extension compared as is) none of whose folders is hidden,
// node_modules or skeleton.
func catalogCandidate(p string) bool {
	if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
		return false
	}
	dirs := strings.Split(p, "/")
	for _, d := range dirs[:len(dirs)-1] {
		if strings.HasPrefix(d, ".") || d == "node_modules" || d == "skeleton" {
			return false
		}
	}
	return true
}

// walkLess orders paths as filepath.WalkDir visits them: segment by
// segment, each folder's entries by name, so "a/b.yaml" comes before
// "a.yaml" (git's listing order puts it after).
func walkLess(a, b string) bool {
	for {
		sa, ra, moreA := strings.Cut(a, "/")
		sb, rb, moreB := strings.Cut(b, "/")
		if sa != sb {
			return sa < sb
		}
		if !moreA || !moreB {
			return !moreA && moreB
		}
		a, b = ra, rb
	}
}
