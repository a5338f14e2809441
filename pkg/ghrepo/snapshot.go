package ghrepo

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Limits bound what a Snapshot reads. Zero fields take the defaults.
type Limits struct {
	// MaxFiles is the most candidate catalog files Entities reads
	// (default 2,000).
	MaxFiles int
	// MaxFileSize is the largest file read, in bytes (default
	// catalog.DefaultMaxFileSize, 8 MiB, the largest file catalog.Decode
	// reads).
	MaxFileSize int64
	// MaxTotalSize is the most bytes Entities reads in all (default 64 MiB).
	MaxTotalSize int64
	// Concurrency is how many blobs are fetched at once (default 4).
	Concurrency int
}

// Defaults of Limits.
const (
	DefaultMaxFiles     = 2000
	DefaultMaxFileSize  = catalog.DefaultMaxFileSize
	DefaultMaxTotalSize = 64 << 20
	DefaultConcurrency  = 4
)

func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.Concurrency <= 0 {
		l.Concurrency = DefaultConcurrency
	}
	return l
}

// Options configure Open.
type Options struct {
	Limits Limits
	Retry  Retry
	// Sleep waits between attempts (default: a timer that ends early with
	// ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives a debug line per listing and per catalog read (never
	// the token); nil discards them.
	Logger *slog.Logger
}

// Snapshot is a repository's default branch at one commit, resolved by
// Open. Every read is at SHA, however the branch moves afterwards. Its
// methods may be called concurrently.
type Snapshot struct {
	Owner, Repo string // as GitHub spells them
	Branch      string // the default branch
	SHA         string // the commit at the branch's head when Open ran
	Tree        string // the commit's root tree
	HTMLURL     string // the repository's web page, "https://github.com/OWNER/REPO"

	client *github.Client
	opts   Options

	mu    sync.Mutex
	trees map[string]*github.Tree // non-recursive listings by tree SHA, for ReadFile
}

// Open resolves the repository's default branch and the commit at its head
// now, through c (see report.NewGitHubClient for a client of GITHUB_API_URL
// with the job's token). The token needs `contents: read`.
func Open(ctx context.Context, c *github.Client, owner, repo string, optFns ...func(*Options)) (*Snapshot, error) {
	var opts Options
	for _, f := range optFns {
		f(&opts)
	}
	opts.Limits = opts.Limits.withDefaults()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	fail := func(err error) (*Snapshot, error) {
		return nil, &Error{Op: "open", Repo: owner + "/" + repo, Err: err}
	}
	if err := validName("owner", owner); err != nil {
		return fail(err)
	}
	if err := validName("repository", repo); err != nil {
		return fail(err)
	}
	s := &Snapshot{Owner: owner, Repo: repo, client: c, opts: opts, trees: map[string]*github.Tree{}}

	var r *github.Repository
	err := opts.call(ctx, func() (resp *github.Response, err error) {
		r, resp, err = c.Repositories.Get(ctx, owner, repo)
		return resp, err
	})
	if err != nil {
		if httpStatus(err) == http.StatusNotFound {
			err = fmt.Errorf("%w (404; the job needs `permissions: contents: read`, and the token must be one of this repository or its organisation): %w", ErrRepoNotFound, err)
		}
		return fail(err)
	}
	if o, n, ok := strings.Cut(r.GetFullName(), "/"); ok && validName("owner", o) == nil && validName("repository", n) == nil {
		s.Owner, s.Repo = o, n
	}
	s.Branch, s.HTMLURL = r.GetDefaultBranch(), r.GetHTMLURL()
	if s.Branch == "" {
		return fail(fmt.Errorf("%w: GitHub gave no default branch", ErrEmptyBranch))
	}

	// GET /repos/{owner}/{repo}/branches/{branch} through the client's Do:
	// go-github's GetBranch turns every error answer into a plain string,
	// losing the status and rate-limit headers the retries need.
	var b github.Branch
	err = opts.call(ctx, func() (*github.Response, error) {
		req, err := c.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/branches/%s", owner, repo, url.PathEscape(s.Branch)), nil)
		if err != nil {
			return nil, err
		}
		return c.Do(ctx, req, &b)
	})
	if err != nil {
		if httpStatus(err) == http.StatusNotFound {
			err = fmt.Errorf("%w: branch %q: %w", ErrEmptyBranch, s.Branch, err)
		}
		return fail(err)
	}
	s.SHA, s.Tree = b.GetCommit().GetSHA(), b.GetCommit().GetCommit().GetTree().GetSHA()
	if !isObjectName(s.SHA) {
		return fail(fmt.Errorf("%w: branch %q has head commit %q", ErrBadAnswer, s.Branch, s.SHA))
	}
	if !isObjectName(s.Tree) {
		s.Tree = s.SHA // GitHub lists a commit's tree when given the commit
	}
	opts.Logger.DebugContext(ctx, "ghrepo: opened", "repository", s.Owner+"/"+s.Repo, "branch", s.Branch, "commit", s.SHA)
	return s, nil
}

// isObjectName says whether s is a git object name: 40 (SHA-1) or 64
// (SHA-256) lower-case hex digits.
func isObjectName(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Location names a file of the snapshot as "OWNER/REPO@SHA:PATH": the
// Source.File of the entities Entities returns, so a decision or audit
// record says where a fact came from.
func (s *Snapshot) Location(path string) string {
	return fmt.Sprintf("%s/%s@%s:%s", s.Owner, s.Repo, s.SHA, path)
}

// WebURL links to a file of the snapshot on GitHub, at line when line > 0:
// "https://github.com/OWNER/REPO/blob/SHA/PATH#L12".
func (s *Snapshot) WebURL(path string, line int) string {
	base := s.HTMLURL
	if base == "" {
		base = "https://github.com/" + s.Owner + "/" + s.Repo
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	u := strings.TrimSuffix(base, "/") + "/blob/" + s.SHA + "/" + strings.Join(segs, "/")
	if line > 0 {
		u += fmt.Sprintf("#L%d", line)
	}
	return u
}

func (s *Snapshot) repoName() string { return s.Owner + "/" + s.Repo }

func (s *Snapshot) errorf(op, path string, err error) error {
	return &Error{Op: op, Repo: s.repoName(), SHA: s.SHA, Path: path, Err: err}
}
