package ghrepo

import (
	"errors"
	"fmt"
)

// Sentinel errors, matched with errors.Is on an *Error.
var (
	// ErrRepoNotFound: GitHub answered 404 for the repository: it does not
	// exist, or the token may not read it (the job needs `permissions:
	// contents: read`).
	ErrRepoNotFound = errors.New("repository not found, or the token cannot read it")
	// ErrUnauthorized: GitHub refused the token (401).
	ErrUnauthorized = errors.New("GitHub refused the token")
	// ErrForbidden: GitHub answered 403 for a reason other than a rate limit.
	ErrForbidden = errors.New("GitHub refused access")
	// ErrRateLimited: GitHub's rate limit was reached and does not reset
	// within Retry.MaxDelay, or retries ran out while it lasted. The
	// underlying *github.RateLimitError or *github.AbuseRateLimitError is
	// wrapped too.
	ErrRateLimited = errors.New("GitHub's rate limit was reached")
	// ErrEmptyBranch: the default branch has no commit to read.
	ErrEmptyBranch = errors.New("the default branch has no commits")
	// ErrTruncated: GitHub truncated the tree listing (more than 100,000
	// entries or 7 MB); reading part of a catalog would be unsafe.
	ErrTruncated = errors.New("GitHub truncated the tree listing")
	// ErrTooManyFiles: more candidate catalog files than Limits.MaxFiles.
	ErrTooManyFiles = errors.New("too many catalog files")
	// ErrTooLarge: one file is larger than Limits.MaxFileSize.
	ErrTooLarge = errors.New("file too large")
	// ErrTotalTooLarge: the catalog files add up to more than
	// Limits.MaxTotalSize.
	ErrTotalTooLarge = errors.New("catalog files too large in all")
	// ErrNotRegular: the path is a folder, a symbolic link (never followed)
	// or a submodule, not a file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrInvalidPath: the path is not a plain relative path inside the
	// repository.
	ErrInvalidPath = errors.New("invalid path")
	// ErrInvalidName: the owner or repository name is not one GitHub allows.
	ErrInvalidName = errors.New("invalid repository name")
	// ErrBadAnswer: GitHub's answer was not what the API promises (a blob
	// whose content does not hash to its SHA, an unknown encoding, ...).
	ErrBadAnswer = errors.New("unexpected answer from GitHub")
)

// Error is a failure to read from a repository, with where it happened. A
// missing file wraps fs.ErrNotExist.
type Error struct {
	Op   string // "open", "list", "read"
	Repo string // "OWNER/REPO"
	SHA  string // the commit, "" before Open resolved it
	Path string // the file or folder, "" for the repository as a whole
	Err  error
}

// Error formats the failure as "ghrepo: OP OWNER/REPO@SHA:PATH: ERR".
func (e *Error) Error() string {
	where := e.Repo
	if e.SHA != "" {
		where += "@" + e.SHA
	}
	if e.Path != "" {
		where += ":" + e.Path
	}
	return fmt.Sprintf("ghrepo: %s %s: %v", e.Op, where, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
