package ghrepo_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/ghrepo"
	"github.com/stagecrew/stagecrew/pkg/report"
)

func TestOpenAndReadFile(t *testing.T) {
	gh, c := startGitHub(t)
	ctx := context.Background()
	first := gh.SetRepository("Acme", "orders", "trunk", map[string]string{
		"catalog-info.yaml":       "kind: Component\n",
		".github/stagecrew.yaml":  "version: 1\n",
		"deploy/prod/policy.yaml": "nested: true\n",
	})
	s := open(t, c, "acme", "orders")
	if s.Owner != "Acme" || s.Repo != "orders" || s.Branch != "trunk" || s.SHA != first || len(s.Tree) != 40 {
		t.Fatalf("snapshot %+v, want Acme/orders trunk at %s", s, first)
	}
	if s.HTMLURL != "https://github.com/Acme/orders" {
		t.Errorf("HTMLURL %q", s.HTMLURL)
	}
	if got, want := s.WebURL("deploy/a b#.yaml", 3), "https://github.com/Acme/orders/blob/"+first+"/deploy/a%20b%23.yaml#L3"; got != want {
		t.Errorf("WebURL = %s, want %s", got, want)
	}
	if got, want := s.Location("deploy/prod/policy.yaml"), "Acme/orders@"+first+":deploy/prod/policy.yaml"; got != want {
		t.Errorf("Location = %s, want %s", got, want)
	}
	for path, want := range map[string]string{
		"catalog-info.yaml": "kind: Component\n", "./.github/stagecrew.yaml": "version: 1\n", "deploy/prod/policy.yaml": "nested: true\n",
	} {
		got, err := s.ReadFile(ctx, path)
		if err != nil || string(got) != want {
			t.Errorf("ReadFile(%q) = %q, %v; want %q", path, got, err, want)
		}
	}

	// The snapshot stays at its commit when the branch moves.
	second := gh.SetRepository("Acme", "orders", "trunk", map[string]string{"catalog-info.yaml": "kind: Group\n"})
	if got, err := s.ReadFile(ctx, "catalog-info.yaml"); err != nil || string(got) != "kind: Component\n" {
		t.Errorf("old snapshot after the branch moved: %q, %v", got, err)
	}
	if _, err := s.ReadFile(ctx, "deploy/prod/policy.yaml"); err != nil {
		t.Errorf("old snapshot lost a file the new commit removed: %v", err)
	}
	if s2 := open(t, c, "Acme", "orders"); s2.SHA != second {
		t.Errorf("new snapshot at %s, want %s", s2.SHA, second)
	}

	for path, want := range map[string]error{
		"missing.yaml":            fs.ErrNotExist,
		"deploy/missing/x.yaml":   fs.ErrNotExist,
		"catalog-info.yaml/x":     fs.ErrNotExist, // a file where a folder was expected
		"deploy/prod":             ghrepo.ErrNotRegular,
		"../orders/x.yaml":        ghrepo.ErrInvalidPath,
		"/catalog-info.yaml":      ghrepo.ErrInvalidPath,
		"deploy//prod/policy.yml": ghrepo.ErrInvalidPath,
		"":                        ghrepo.ErrInvalidPath,
	} {
		_, err := s.ReadFile(ctx, path)
		if !errors.Is(err, want) {
			t.Errorf("ReadFile(%q): %v, want %v", path, err, want)
			continue
		}
		var e *ghrepo.Error
		if !errors.As(err, &e) || e.Repo != "Acme/orders" || e.SHA != first || !strings.Contains(err.Error(), "Acme/orders@"+first) {
			t.Errorf("ReadFile(%q): %v does not name the repository and commit", path, err)
		}
	}
	_, err := s.ReadFile(ctx, "deploy/missing/x.yaml")
	if want := "ghrepo: read Acme/orders@" + first + ":deploy/missing/x.yaml: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start %q", err, want)
	}
}

func TestReadFileRefusesLinksAndSubfolders(t *testing.T) {
	gh, c := startGitHub(t)
	gh.SetRepositoryFiles("acme", "orders", "main", map[string]testenv.GitHubFile{
		"policy.yaml":            {Content: "real\n"},
		".github/stagecrew.yaml": {Content: "../policy.yaml", Mode: "120000"},
		"run.sh":                 {Content: "#!/bin/sh\n", Mode: "100755"},
	})
	s := open(t, c, "acme", "orders")
	if _, err := s.ReadFile(context.Background(), ".github/stagecrew.yaml"); !errors.Is(err, ghrepo.ErrNotRegular) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("symlink: %v, want ErrNotRegular naming a symbolic link", err)
	}
	if got, err := s.ReadFile(context.Background(), "run.sh"); err != nil || string(got) != "#!/bin/sh\n" {
		t.Errorf("executable file: %q, %v", got, err)
	}
	if _, err := s.ReadFile(context.Background(), ".github"); !errors.Is(err, ghrepo.ErrNotRegular) {
		t.Errorf("folder: %v, want ErrNotRegular", err)
	}
}

func TestOpenErrors(t *testing.T) {
	gh, c := startGitHub(t)
	gh.SetRepository("acme", "orders", "main", map[string]string{"a.yaml": "a: 1\n"})
	ctx := context.Background()

	_, err := ghrepo.Open(ctx, c, "acme", "nothing", noSleep)
	if !errors.Is(err, ghrepo.ErrRepoNotFound) || !strings.Contains(err.Error(), "acme/nothing") || !strings.Contains(err.Error(), "contents: read") {
		t.Errorf("unknown repository: %v, want ErrRepoNotFound naming acme/nothing and the permission", err)
	}

	wrong := "ghs_wrongtoken9876543210"
	bad, _ := report.NewGitHubClient(nil, gh.URL, wrong)
	_, err = ghrepo.Open(ctx, bad, "acme", "orders", noSleep)
	if !errors.Is(err, ghrepo.ErrUnauthorized) || !strings.Contains(err.Error(), "acme/orders") {
		t.Errorf("bad token: %v, want ErrUnauthorized naming acme/orders", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), gh.Token) {
		t.Errorf("the error shows a token: %v", err)
	}

	before := len(gh.Requests())
	for _, name := range [][2]string{{"acme", "../x"}, {"acme/x", "y"}, {"acme", "x?y=1"}, {"", "x"}, {"acme", ".."}} {
		if _, err := ghrepo.Open(ctx, c, name[0], name[1]); !errors.Is(err, ghrepo.ErrInvalidName) {
			t.Errorf("Open(%q, %q): %v, want ErrInvalidName", name[0], name[1], err)
		}
	}
	if n := len(gh.Requests()) - before; n != 0 {
		t.Errorf("invalid names sent %d requests", n)
	}

	// 5xx answers are retried; 403 (not a rate limit) is not.
	gh.FailNext(http.StatusBadGateway, nil, "Server Error", "")
	if _, err := ghrepo.Open(ctx, c, "acme", "orders", noSleep); err != nil {
		t.Errorf("after one 502: %v", err)
	}
	gh.FailNext(http.StatusForbidden, nil, "Resource not accessible by integration", "https://docs.github.com/rest")
	before = len(gh.Requests())
	_, err = ghrepo.Open(ctx, c, "acme", "orders", noSleep)
	if !errors.Is(err, ghrepo.ErrForbidden) || !strings.Contains(err.Error(), "contents: read") {
		t.Errorf("403: %v, want ErrForbidden naming the permission", err)
	}
	if n := len(gh.Requests()) - before; n != 1 {
		t.Errorf("403 was tried %d times, want once", n)
	}
	for range 3 {
		gh.FailNext(http.StatusServiceUnavailable, nil, "Unavailable", "")
	}
	_, err = ghrepo.Open(ctx, c, "acme", "orders", noSleep, func(o *ghrepo.Options) { o.Retry.Attempts = 3 })
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("after 3 attempts of 503: %v", err)
	}
}
