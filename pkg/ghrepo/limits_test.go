package ghrepo_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/ghrepo"
)

func TestEntitiesLimits(t *testing.T) {
	gh, c := startGitHub(t)
	ctx := context.Background()
	user := func(name string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: " + name + "\n"
	}
	gh.SetRepository("acme", "orders", "main", map[string]string{
		"a.yaml": user("a"), "b.yaml": user("b"), "c/d.yml": user("d"), "e/f.yaml": user("f") + strings.Repeat("# padding\n", 10),
		".github/workflows/x.yaml": strings.Repeat("# not counted\n", 100), "README.md": strings.Repeat("not counted\n", 100),
	})
	blobReads := func() int {
		n := 0
		for _, r := range gh.Requests() {
			if strings.Contains(r, "/git/blobs/") {
				n++
			}
		}
		return n
	}
	cases := []struct {
		name   string
		limits ghrepo.Limits
		want   error
		path   string // named in the error
		says   string
	}{
		{"too many files", ghrepo.Limits{MaxFiles: 3}, ghrepo.ErrTooManyFiles, "", "4 .yaml/.yml files"},
		{"a file too large", ghrepo.Limits{MaxFileSize: 100}, ghrepo.ErrTooLarge, "e/f.yaml", "limit of 100"},
		{"too many bytes", ghrepo.Limits{MaxTotalSize: 200}, ghrepo.ErrTotalTooLarge, "", "limit of 200"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, c, "acme", "orders", func(o *ghrepo.Options) { o.Limits = tc.limits })
			before := blobReads()
			_, err := s.Entities(ctx)
			var e *ghrepo.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.Path != tc.path || e.SHA != s.SHA || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Entities: %v, want %v naming %q and saying %q", err, tc.want, tc.path, tc.says)
			}
			if n := blobReads() - before; n != 0 {
				t.Errorf("%d blobs were read before the limit was checked", n)
			}
		})
	}
	// At the limits exactly, all is read.
	s := open(t, c, "acme", "orders", func(o *ghrepo.Options) {
		o.Limits = ghrepo.Limits{MaxFiles: 4, MaxFileSize: 170, MaxTotalSize: 400, Concurrency: 1}
	})
	before := blobReads()
	if ents, err := s.Entities(ctx); err != nil || len(ents) != 4 {
		t.Fatalf("at the limits: %d entities, %v", len(ents), err)
	}
	if n := blobReads() - before; n != 4 {
		t.Errorf("%d blobs read for 4 catalog files", n)
	}
	if _, err := s.ReadFile(ctx, ".github/workflows/x.yaml"); !errors.Is(err, ghrepo.ErrTooLarge) {
		t.Errorf("ReadFile of a file over MaxFileSize: %v, want ErrTooLarge", err)
	}

	// A truncated listing is refused, not read in part.
	gh.TruncateTrees("acme", "orders", 5)
	_, err := s.Entities(ctx)
	if !errors.Is(err, ghrepo.ErrTruncated) || !strings.Contains(err.Error(), "acme/orders@"+s.SHA) {
		t.Errorf("truncated tree: %v, want ErrTruncated naming the commit", err)
	}
}
