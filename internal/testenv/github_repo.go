package testenv

// Repository contents on the GitHub stand-in: the calls pkg/ghrepo makes to
// read a repository's default branch (repos/get, repos/get-branch,
// git/get-tree with and without recursive, git/get-blob). Objects are real
// git objects: blob, tree and commit SHAs are what git computes for the same
// content, so a test can compare them with `git hash-object`. Answers start
// from the examples of GitHub's own description, with this repository's
// values filled in, and are validated like every other answer.

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// GitHub's modes in tree listings.
const (
	ghModeFile    = "100644"
	ghModeExec    = "100755"
	ghModeSymlink = "120000"
	ghModeTree    = "040000"
)

type ghRepo struct {
	owner, name   string
	id            int64
	defaultBranch string
	branches      map[string]string // branch → commit SHA
	commits       map[string]string // commit SHA → root tree SHA
	trees         map[string][]ghTreeEntry
	blobs         map[string][]byte
	// truncateAt, when > 0, truncates recursive tree listings after that
	// many entries, as GitHub does past 100,000 entries or 7 MB.
	truncateAt int
}

type ghTreeEntry struct {
	name, mode, sha string
	size            int
}

func (e ghTreeEntry) isTree() bool { return e.mode == ghModeTree }

// GitHubFile is one file of a repository given to SetRepositoryFiles.
type GitHubFile struct {
	Content string
	// Mode is the git mode: "100644" (default), "100755", or "120000" for a
	// symbolic link whose Content is the link's target.
	Mode string
}

// SetRepository commits files (path → content, paths relative to the
// repository root with "/" separators) as the new head of branch, and makes
// branch the repository's default branch. The repository is created on
// first use; earlier commits stay readable by SHA. It returns the commit SHA.
func (g *GitHubServer) SetRepository(owner, repo, defaultBranch string, files map[string]string) string {
	withModes := make(map[string]GitHubFile, len(files))
	for p, c := range files {
		withModes[p] = GitHubFile{Content: c}
	}
	return g.SetRepositoryFiles(owner, repo, defaultBranch, withModes)
}

// SetRepositoryDir commits the files under dir (regular files and symbolic
// links; folders are walked, none skipped) as SetRepository does.
func (g *GitHubServer) SetRepositoryDir(owner, repo, defaultBranch, dir string) (string, error) {
	files := map[string]GitHubFile{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			files[rel] = GitHubFile{Content: filepath.ToSlash(target), Mode: ghModeSymlink}
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			mode := ghModeFile
			if info, err := d.Info(); err == nil && info.Mode()&0o111 != 0 {
				mode = ghModeExec
			}
			files[rel] = GitHubFile{Content: string(b), Mode: mode}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return g.SetRepositoryFiles(owner, repo, defaultBranch, files), nil
}

// SetRepositoryFiles is SetRepository with file modes.
func (g *GitHubServer) SetRepositoryFiles(owner, repo, defaultBranch string, files map[string]GitHubFile) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.repoLocked(owner, repo, true)
	r.defaultBranch = defaultBranch
	return g.commitLocked(r, defaultBranch, files)
}

// PushBranch commits files as the new head of branch (a pull request's
// branch, say) without making it the default branch; a repository created
// here has "main" as its default. It returns the commit SHA.
func (g *GitHubServer) PushBranch(owner, repo, branch string, files map[string]string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.repoLocked(owner, repo, true)
	if r.defaultBranch == "" {
		r.defaultBranch = "main"
	}
	withModes := make(map[string]GitHubFile, len(files))
	for p, c := range files {
		withModes[p] = GitHubFile{Content: c}
	}
	return g.commitLocked(r, branch, withModes)
}

// commitLocked writes files as a commit on top of branch. g.mu is held.
func (g *GitHubServer) commitLocked(r *ghRepo, branch string, files map[string]GitHubFile) string {
	root := r.writeTree(files)
	var parent string
	if prev, ok := r.branches[branch]; ok {
		parent = "parent " + prev + "\n"
	}
	g.nextID++
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.nextID) * time.Second).Unix()
	sig := fmt.Sprintf("Stagecrew Test <test@stagecrew.invalid> %d +0000", when)
	commit := gitHash("commit", []byte(fmt.Sprintf("tree %s\n%sauthor %s\ncommitter %s\n\ncommit %d\n", root, parent, sig, sig, g.nextID)))
	r.commits[commit] = root
	r.branches[branch] = commit
	return commit
}

// TruncateTrees makes recursive tree listings of the repository stop after
// entries entries and say truncated, as GitHub's do beyond 100,000 entries
// or 7 MB. Zero turns it off.
func (g *GitHubServer) TruncateTrees(owner, repo string, entries int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.repoLocked(owner, repo, true).truncateAt = entries
}

// repoLocked finds the repository (nil when unknown), or creates it. g.mu
// is held.
func (g *GitHubServer) repoLocked(owner, repo string, create bool) *ghRepo {
	key := strings.ToLower(owner + "/" + repo) // GitHub's names are case-insensitive
	if r := g.repos[key]; r != nil || !create {
		return r
	}
	if g.repos == nil {
		g.repos = map[string]*ghRepo{}
	}
	g.nextID++
	r := &ghRepo{owner: owner, name: repo, id: 700000000 + g.nextID, branches: map[string]string{}, commits: map[string]string{},
		trees: map[string][]ghTreeEntry{}, blobs: map[string][]byte{}}
	g.repos[key] = r
	return r
}

// gitHash is git's object name: SHA-1 of "TYPE SIZE\x00CONTENT".
func gitHash(typ string, content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", typ, len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// writeTree stores the blobs and trees of files and returns the root tree's
// SHA. Paths with empty, "." or ".." segments panic: a test bug.
func (r *ghRepo) writeTree(files map[string]GitHubFile) string {
	type dir struct {
		files map[string]ghTreeEntry
		dirs  map[string]*dir
	}
	newDir := func() *dir { return &dir{files: map[string]ghTreeEntry{}, dirs: map[string]*dir{}} }
	root := newDir()
	for p, f := range files {
		parts := strings.Split(p, "/")
		d := root
		for i, part := range parts {
			if part == "" || part == "." || part == ".." {
				panic(fmt.Sprintf("testenv: SetRepository: bad path %q", p))
			}
			if i == len(parts)-1 {
				mode := f.Mode
				if mode == "" {
					mode = ghModeFile
				}
				sha := gitHash("blob", []byte(f.Content))
				r.blobs[sha] = []byte(f.Content)
				d.files[part] = ghTreeEntry{name: part, mode: mode, sha: sha, size: len(f.Content)}
				break
			}
			if d.dirs[part] == nil {
				d.dirs[part] = newDir()
			}
			d = d.dirs[part]
		}
	}
	var write func(d *dir) string
	write = func(d *dir) string {
		var entries []ghTreeEntry
		for _, e := range d.files {
			entries = append(entries, e)
		}
		for name, sub := range d.dirs {
			entries = append(entries, ghTreeEntry{name: name, mode: ghModeTree, sha: write(sub)})
		}
		// git orders entries by name, a tree's name taken with a trailing "/".
		key := func(e ghTreeEntry) string {
			if e.isTree() {
				return e.name + "/"
			}
			return e.name
		}
		sort.Slice(entries, func(i, j int) bool { return key(entries[i]) < key(entries[j]) })
		var buf bytes.Buffer
		for _, e := range entries {
			raw, _ := hex.DecodeString(e.sha)
			fmt.Fprintf(&buf, "%s %s\x00%s", strings.TrimPrefix(e.mode, "0"), e.name, raw)
		}
		sha := gitHash("tree", buf.Bytes())
		r.trees[sha] = entries
		return sha
	}
	return write(root)
}

// repoContentLocked answers the repository content operations. g.mu is held.
func (g *GitHubServer) repoContentLocked(w http.ResponseWriter, r *http.Request, op string, params map[string]string) {
	repo := g.repoLocked(params["owner"], params["repo"], false)
	if repo == nil {
		ghError(w, http.StatusNotFound, "Not Found")
		return
	}
	api := fmt.Sprintf("https://api.github.com/repos/%s/%s", url.PathEscape(repo.owner), url.PathEscape(repo.name))
	switch op {
	case "repos/get":
		v := g.exampleLocked("full-repository-default-response")
		html := fmt.Sprintf("https://github.com/%s/%s", url.PathEscape(repo.owner), url.PathEscape(repo.name))
		replaceStrings(v, "https://api.github.com/repos/octocat/Hello-World", api)
		replaceStrings(v, "https://github.com/octocat/Hello-World", html)
		replaceStrings(v, "octocat/Hello-World", repo.owner+"/"+repo.name) // clone, ssh and svn URLs
		v["id"], v["name"], v["full_name"] = repo.id, repo.name, repo.owner+"/"+repo.name
		v["language"] = nil // required, and missing from the example
		v["default_branch"], v["master_branch"] = repo.defaultBranch, repo.defaultBranch
		v["owner"] = githubUser(repo.owner, "Organization", 9000+repo.id%1000)
		v["organization"] = v["owner"]
		delete(v, "parent")
		delete(v, "source")
		delete(v, "template_repository")
		v["fork"] = false
		ghJSON(w, http.StatusOK, nil, v)
	case "repos/get-branch":
		branch := params["branch"]
		commit, ok := repo.branches[branch]
		if !ok {
			ghError(w, http.StatusNotFound, "Branch not found")
			return
		}
		v := g.exampleLocked("branch-get")
		replaceStrings(v, "https://api.github.com/repos/octocat/Hello-World", api)
		replaceStrings(v, "https://github.com/octocat/Hello-World", "https://github.com/"+repo.owner+"/"+repo.name)
		replaceStrings(v, "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d", commit)
		replaceStrings(v, "b4eecafa9be2f2006ce1b709d6857b07069b4608", repo.commits[commit])
		v["name"] = branch
		ghJSON(w, http.StatusOK, nil, v)
	case "git/get-tree":
		sha := params["tree_sha"]
		if c, ok := repo.commits[sha]; ok {
			sha = c
		} else if b, ok := repo.branches[sha]; ok {
			sha = repo.commits[b]
		}
		if _, ok := repo.trees[sha]; !ok {
			ghError(w, http.StatusNotFound, "Not Found")
			return
		}
		// GitHub lists subtrees for any value of recursive, even "0" or "false".
		_, recursive := r.URL.Query()["recursive"]
		items := []any{}
		truncated := false
		var list func(sha, prefix string)
		list = func(sha, prefix string) {
			for _, e := range repo.trees[sha] {
				if truncated {
					return
				}
				if recursive && repo.truncateAt > 0 && len(items) >= repo.truncateAt {
					truncated = true
					return
				}
				item := map[string]any{"path": prefix + e.name, "mode": e.mode, "sha": e.sha}
				if e.isTree() {
					item["type"], item["url"] = "tree", api+"/git/trees/"+e.sha
				} else {
					item["type"], item["size"], item["url"] = "blob", e.size, api+"/git/blobs/"+e.sha
				}
				items = append(items, item)
				if recursive && e.isTree() {
					list(e.sha, prefix+e.name+"/")
				}
			}
		}
		list(sha, "")
		ghJSON(w, http.StatusOK, nil, map[string]any{"sha": sha, "url": api + "/git/trees/" + sha, "tree": items, "truncated": truncated})
	case "git/get-blob":
		sha := params["file_sha"]
		b, ok := repo.blobs[sha]
		if !ok {
			ghError(w, http.StatusNotFound, "Not Found")
			return
		}
		// GitHub wraps the base64 at 60 characters a line.
		enc := base64.StdEncoding.EncodeToString(b)
		var wrapped strings.Builder
		for len(enc) > 60 {
			wrapped.WriteString(enc[:60] + "\n")
			enc = enc[60:]
		}
		wrapped.WriteString(enc)
		ghJSON(w, http.StatusOK, nil, map[string]any{"sha": sha, "node_id": "B_" + sha[:12], "size": len(b),
			"url": api + "/git/blobs/" + sha, "content": wrapped.String(), "encoding": "base64"})
	}
}

// exampleLocked returns a deep copy of a named example of GitHub's
// description, as a JSON object.
func (g *GitHubServer) exampleLocked(name string) map[string]any {
	ex := g.Oracle.Doc.Components.Examples[name]
	if ex == nil || ex.Value == nil {
		panic("testenv: GitHub's description has no example " + name)
	}
	b, err := json.Marshal(ex.Value.Value)
	if err != nil {
		panic(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		panic(err)
	}
	return v
}

// replaceStrings replaces old with new in every string inside v.
func replaceStrings(v any, old, new string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok {
				x[k] = strings.ReplaceAll(s, old, new)
			} else {
				replaceStrings(e, old, new)
			}
		}
	case []any:
		for i, e := range x {
			if s, ok := e.(string); ok {
				x[i] = strings.ReplaceAll(s, old, new)
			} else {
				replaceStrings(e, old, new)
			}
		}
	}
}
