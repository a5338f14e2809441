package ghrepo

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Git modes of tree entries.
const (
	modeSymlink = "120000"
	modeCommit  = "160000" // a submodule
)

// ReadFile reads the file at path (relative to the repository root, "/"
// separators) at the snapshot's commit. A missing file wraps fs.ErrNotExist;
// a folder, symbolic link (never followed) or submodule wraps
// ErrNotRegular; a file larger than Limits.MaxFileSize wraps ErrTooLarge.
// It lists one folder per path segment, then fetches one blob.
func (s *Snapshot) ReadFile(ctx context.Context, path string) ([]byte, error) {
	clean, err := cleanPath(path)
	if err != nil {
		return nil, s.errorf("read", path, err)
	}
	segs := strings.Split(clean, "/")
	treeSHA := s.Tree
	var found *github.TreeEntry
	for i, seg := range segs {
		if i > 0 {
			if found.GetType() != "tree" {
				return nil, s.errorf("read", clean, fmt.Errorf("%w: %q is not a folder", fs.ErrNotExist, strings.Join(segs[:i], "/")))
			}
			treeSHA = found.GetSHA()
		}
		dir := strings.Join(segs[:i], "/")
		t, err := s.listTree(ctx, treeSHA, dir)
		if err != nil {
			return nil, err
		}
		found = nil
		for _, e := range t.Entries {
			if e.GetPath() == seg {
				found = e
				break
			}
		}
		if found == nil {
			if t.GetTruncated() {
				return nil, s.errorf("read", clean, fmt.Errorf("%w: folder %q", ErrTruncated, dir))
			}
			return nil, s.errorf("read", clean, fmt.Errorf("%w: no %q in the default branch", fs.ErrNotExist, strings.Join(segs[:i+1], "/")))
		}
	}
	if err := regular(found); err != nil {
		return nil, s.errorf("read", clean, err)
	}
	if size := int64(found.GetSize()); size > s.opts.Limits.MaxFileSize {
		return nil, s.errorf("read", clean, fmt.Errorf("%w: %d bytes, more than the limit of %d", ErrTooLarge, size, s.opts.Limits.MaxFileSize))
	}
	return s.blob(ctx, clean, found.GetSHA())
}

// regular refuses tree entries that are not plain files.
func regular(e *github.TreeEntry) error {
	switch {
	case e.GetType() == "tree":
		return fmt.Errorf("%w: a folder", ErrNotRegular)
	case e.GetMode() == modeSymlink:
		return fmt.Errorf("%w: a symbolic link (links are not followed)", ErrNotRegular)
	case e.GetType() == "commit" || e.GetMode() == modeCommit:
		return fmt.Errorf("%w: a submodule", ErrNotRegular)
	case e.GetType() != "blob":
		return fmt.Errorf("%w: a %q entry", ErrNotRegular, e.GetType())
	}
	return nil
}

// listTree lists one folder (not recursively), cached by tree SHA.
func (s *Snapshot) listTree(ctx context.Context, sha, dir string) (*github.Tree, error) {
	s.mu.Lock()
	t := s.trees[sha]
	s.mu.Unlock()
	if t != nil {
		return t, nil
	}
	err := s.opts.call(ctx, func() (resp *github.Response, err error) {
		t, resp, err = s.client.Git.GetTree(ctx, s.Owner, s.Repo, sha, false)
		return resp, err
	})
	if err != nil {
		return nil, s.errorf("list", dir, err)
	}
	s.mu.Lock()
	s.trees[sha] = t
	s.mu.Unlock()
	return t, nil
}

// blob fetches a blob and checks that its content is what sha names.
func (s *Snapshot) blob(ctx context.Context, path, sha string) ([]byte, error) {
	var b *github.Blob
	err := s.opts.call(ctx, func() (resp *github.Response, err error) {
		b, resp, err = s.client.Git.GetBlob(ctx, s.Owner, s.Repo, sha)
		return resp, err
	})
	if err != nil {
		return nil, s.errorf("read", path, err)
	}
	if enc := b.GetEncoding(); enc != "base64" {
		return nil, s.errorf("read", path, fmt.Errorf("%w: blob %s has encoding %q, not base64", ErrBadAnswer, sha, enc))
	}
	data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b.GetContent(), "\n", ""))
	if err != nil {
		return nil, s.errorf("read", path, fmt.Errorf("%w: blob %s: %w", ErrBadAnswer, sha, err))
	}
	if int64(len(data)) > s.opts.Limits.MaxFileSize {
		return nil, s.errorf("read", path, fmt.Errorf("%w: %d bytes, more than the limit of %d", ErrTooLarge, len(data), s.opts.Limits.MaxFileSize))
	}
	if got := blobName(data, len(sha)); got != sha {
		return nil, s.errorf("read", path, fmt.Errorf("%w: the content of blob %s hashes to %s", ErrBadAnswer, sha, got))
	}
	return data, nil
}

// blobName is git's name of a blob with content data: SHA-1, or SHA-256
// for repositories whose names are 64 hex digits.
func blobName(data []byte, nameLen int) string {
	var h hash.Hash = sha1.New()
	if nameLen == 64 {
		h = sha256.New()
	}
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}
