package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGitHubRepository checks the stand-in's repository objects against git
// itself (the tree SHA of the same files as `git write-tree` computes it)
// and reads them through the four operations, whose answers the oracle
// validates.
func TestGitHubRepository(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	gh := StartGitHub(t, GitHubOptions{PathPrefix: "/api/v3"})
	dir := t.TempDir()
	files := map[string]string{
		"catalog-info.yaml":       "kind: Component\n",
		"a.yaml":                  "a\n",
		"a/b.yaml":                "nested\n", // git orders "a.yaml" before the tree "a"
		"a-b/c.txt":               strings.Repeat("x", 200),
		".github/workflows/x.yml": "on: push\n",
	}
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", ".")
	wantTree := git("write-tree")
	if err := os.RemoveAll(filepath.Join(dir, ".git")); err != nil {
		t.Fatal(err)
	}
	commit, err := gh.SetRepositoryDir("Acme", "orders", "trunk", dir)
	if err != nil {
		t.Fatal(err)
	}

	get := func(path string, out any) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, gh.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+gh.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if out != nil && resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		return resp.StatusCode
	}
	var repo struct {
		DefaultBranch string `json:"default_branch"`
		FullName      string `json:"full_name"`
	}
	if code := get("repos/acme/orders", &repo); code != 200 || repo.DefaultBranch != "trunk" || repo.FullName != "Acme/orders" {
		t.Errorf("repos/get: %d %+v", code, repo)
	}
	var branch struct {
		Commit struct {
			SHA    string `json:"sha"`
			Commit struct {
				Tree struct {
					SHA string `json:"sha"`
				} `json:"tree"`
			} `json:"commit"`
		} `json:"commit"`
	}
	if code := get("repos/acme/orders/branches/trunk", &branch); code != 200 || branch.Commit.SHA != commit || branch.Commit.Commit.Tree.SHA != wantTree {
		t.Errorf("repos/get-branch: %d %+v, want commit %s tree %s", code, branch, commit, wantTree)
	}
	var tree struct {
		SHA  string `json:"sha"`
		Tree []struct {
			Path, Type, SHA string
			Size            int
		} `json:"tree"`
		Truncated bool `json:"truncated"`
	}
	if code := get("repos/acme/orders/git/trees/"+commit+"?recursive=1", &tree); code != 200 || tree.SHA != wantTree || tree.Truncated {
		t.Fatalf("git/get-tree: %d sha %s truncated %v, want %s", code, tree.SHA, tree.Truncated, wantTree)
	}
	var paths []string
	for _, e := range tree.Tree {
		paths = append(paths, e.Path)
	}
	want := ".github .github/workflows .github/workflows/x.yml a-b a-b/c.txt a.yaml a a/b.yaml catalog-info.yaml"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("recursive tree in git order:\n got %s\nwant %s", got, want)
	}
	var blob struct{ Content, Encoding string }
	if code := get("repos/acme/orders/git/blobs/"+tree.Tree[4].SHA, &blob); code != 200 || blob.Encoding != "base64" || !strings.Contains(blob.Content, "\n") {
		t.Errorf("git/get-blob: %d %+v", code, blob)
	}
	gh.TruncateTrees("acme", "orders", 3)
	if get("repos/acme/orders/git/trees/"+commit+"?recursive=1", &tree); !tree.Truncated || len(tree.Tree) != 3 {
		t.Errorf("truncated listing: %v, %d entries", tree.Truncated, len(tree.Tree))
	}
	if code := get("repos/acme/nothing", nil); code != 404 {
		t.Errorf("unknown repository: %d, want 404", code)
	}
	if code := get("repos/acme/orders/branches/nope", nil); code != 404 {
		t.Errorf("unknown branch: %d, want 404", code)
	}
}
