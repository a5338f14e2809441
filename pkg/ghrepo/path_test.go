package ghrepo

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"catalog-info.yaml": "catalog-info.yaml", "./.github/stagecrew.yaml": ".github/stagecrew.yaml",
		".//a/b": "a/b", "a b/c\\d.yaml": "a b/c\\d.yaml", "..a/b..": "..a/b..",
	} {
		if got, err := cleanPath(in); err != nil || got != want {
			t.Errorf("cleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".", "./", "/a", "a/", "a//b", "a/./b", "a/../b", "..", "../a", "a/..", "a\x00b", "\xff.yaml"} {
		if got, err := cleanPath(in); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("cleanPath(%q) = %q, %v; want ErrInvalidPath", in, got, err)
		}
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"a/b.yaml", "./a", "../a", "a//b", "/", "a/./b", ".github/x.yml", "\x00", "é/ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := cleanPath(in)
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("cleanPath(%q): %v is not ErrInvalidPath", in, err)
			}
			return
		}
		if !utf8.ValidString(out) || strings.HasPrefix(out, "/") || strings.ContainsRune(out, 0) {
			t.Fatalf("cleanPath(%q) = %q", in, out)
		}
		for _, seg := range strings.Split(out, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("cleanPath(%q) = %q has segment %q", in, out, seg)
			}
		}
		if again, err := cleanPath(out); err != nil || again != out {
			t.Fatalf("cleanPath is not idempotent on %q: %q, %v", out, again, err)
		}
		if !strings.HasSuffix(in, out) {
			t.Fatalf("cleanPath(%q) = %q changed more than a leading ./", in, out)
		}
	})
}

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"acme", "orders.go", "..", ".", "a/b", "a?b", "a%2Fb", "x#y", "Hello-World_1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if err := validName("repository", name); err != nil {
			if !errors.Is(err, ErrInvalidName) {
				t.Fatalf("validName(%q): %v is not ErrInvalidName", name, err)
			}
			return
		}
		// An accepted name is one URL path segment, sent as is.
		if name == "." || name == ".." || url.PathEscape(name) != name || strings.ContainsAny(name, "/?#%") {
			t.Fatalf("validName accepted %q", name)
		}
	})
}

// TestCandidatesAndOrderMatchWalkDir writes a tree and compares
// catalogCandidate and walkLess with the files filepath.WalkDir visits under
// LoadLocalCatalog's rules (its walk, copied in the test).
func TestCandidatesAndOrderMatchWalkDir(t *testing.T) {
	paths := []string{
		"a.yaml", "a/b.yaml", "a-b/c.yaml", "a/b/c.yml", "A/z.yml", "b.yml", "Z.yaml", "x.YAML", "x.yaml.bak", ".hidden.yaml",
		".github/workflows/ci.yml", "deep/.git/config.yaml", "node_modules/p/c.yaml", "web/node_modules/c.yaml",
		"skeleton/c.yaml", "t/skeleton/c.yaml", "skeletons/c.yaml", "node_modules.yaml", "a.b/c.yaml", "a0/c.yaml", "ä/c.yaml", "a_/c.yaml",
	}
	dir := t.TempDir()
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var walked []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "skeleton") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" {
			rel, _ := filepath.Rel(dir, p)
			walked = append(walked, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, p := range paths {
		if catalogCandidate(p) {
			ours = append(ours, p)
		}
	}
	slices.SortFunc(ours, func(a, b string) int {
		switch {
		case walkLess(a, b):
			return -1
		case walkLess(b, a):
			return 1
		}
		return 0
	})
	if !slices.Equal(ours, walked) {
		t.Errorf("candidates in order:\n got %q\nwant %q", ours, walked)
	}
}

func FuzzWalkLess(f *testing.F) {
	f.Add("a.yaml", "a/b.yaml")
	f.Add("a/b", "a-b/c")
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := walkLess(a, b), walkLess(b, a)
		if ab && ba {
			t.Fatalf("%q and %q are each less than the other", a, b)
		}
		if a == b && ab {
			t.Fatalf("%q is less than itself", a)
		}
		if a != b && !ab && !ba {
			t.Fatalf("%q and %q are distinct but unordered", a, b)
		}
	})
}
