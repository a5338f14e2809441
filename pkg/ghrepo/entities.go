package ghrepo

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Entities reads the catalog entities of the snapshot: every .yaml and .yml
// file outside hidden folders, node_modules and skeleton/ (the files
// policy.LoadLocalCatalog reads from a checkout of the same tree, in the
// same order), decoded with catalog.Decode. As LoadLocalCatalog does for
// files found in a folder, a file that is not a catalog file (a workflow, a
// syntax error) is skipped, and so is a document without apiVersion, kind
// and metadata.name. Symbolic links and submodules are never followed.
//
// Each entity's Source.File is s.Location(path). Two entities with the same
// reference are both returned; policy.NewLocalCatalog refuses them.
//
// One recursive listing of the tree decides what is read, and every limit
// is checked on it before any file is fetched: a truncated listing is
// ErrTruncated, more files than Limits.MaxFiles ErrTooManyFiles, a file
// larger than Limits.MaxFileSize ErrTooLarge, more than Limits.MaxTotalSize
// bytes in all ErrTotalTooLarge.
func (s *Snapshot) Entities(ctx context.Context) ([]*catalog.Entity, error) {
	start := time.Now()
	files, total, err := s.catalogFiles(ctx)
	if err != nil {
		return nil, err
	}
	contents, err := s.blobs(ctx, files)
	if err != nil {
		return nil, err
	}
	var out []*catalog.Entity
	for i, f := range files {
		docs, err := catalog.Decode(s.Location(f.GetPath()), contents[i], catalog.DecodeOptions{MaxFileSize: s.opts.Limits.MaxFileSize})
		if err != nil {
			continue // not a catalog file
		}
		for _, d := range docs {
			if d.Err != nil {
				continue
			}
			e := d.Entity
			if e.APIVersion == "" || e.Kind == "" || e.Metadata.Name == "" {
				continue
			}
			out = append(out, e)
		}
	}
	s.opts.Logger.DebugContext(ctx, "ghrepo: read the catalog", "repository", s.repoName(), "commit", s.SHA,
		"files", len(files), "bytes", total, "entities", len(out), "duration", time.Since(start))
	return out, nil
}

// catalogFiles lists the tree recursively and returns the candidate
// catalog files in LoadLocalCatalog's order, and their size in all, after
// checking the limits.
func (s *Snapshot) catalogFiles(ctx context.Context) ([]*github.TreeEntry, int64, error) {
	var t *github.Tree
	err := s.opts.call(ctx, func() (resp *github.Response, err error) {
		t, resp, err = s.client.Git.GetTree(ctx, s.Owner, s.Repo, s.Tree, true)
		return resp, err
	})
	if err != nil {
		return nil, 0, s.errorf("list", "", err)
	}
	if t.GetTruncated() {
		return nil, 0, s.errorf("list", "", fmt.Errorf("%w (%d entries listed); the catalog cannot be read in part", ErrTruncated, len(t.Entries)))
	}
	lim := s.opts.Limits
	var files []*github.TreeEntry
	var total int64
	for _, e := range t.Entries {
		if e.GetType() != "blob" || e.GetMode() == modeSymlink || !catalogCandidate(e.GetPath()) {
			continue
		}
		if e.Size == nil {
			return nil, 0, s.errorf("list", e.GetPath(), fmt.Errorf("%w: the listing gives no size", ErrBadAnswer))
		}
		size := int64(e.GetSize())
		if size > lim.MaxFileSize {
			return nil, 0, s.errorf("list", e.GetPath(), fmt.Errorf("%w: %d bytes, more than the limit of %d for a catalog file", ErrTooLarge, size, lim.MaxFileSize))
		}
		files = append(files, e)
		total += size
	}
	if len(files) > lim.MaxFiles {
		return nil, 0, s.errorf("list", "", fmt.Errorf("%w: %d .yaml/.yml files outside hidden folders, node_modules and skeleton/, more than the limit of %d", ErrTooManyFiles, len(files), lim.MaxFiles))
	}
	if total > lim.MaxTotalSize {
		return nil, 0, s.errorf("list", "", fmt.Errorf("%w: %d catalog files of %d bytes in all, more than the limit of %d", ErrTotalTooLarge, len(files), total, lim.MaxTotalSize))
	}
	slices.SortFunc(files, func(a, b *github.TreeEntry) int {
		switch {
		case walkLess(a.GetPath(), b.GetPath()):
			return -1
		case walkLess(b.GetPath(), a.GetPath()):
			return 1
		}
		return 0
	})
	return files, total, nil
}

// blobs fetches the files' contents, Limits.Concurrency at a time, each
// distinct blob once; the first error stops the rest.
func (s *Snapshot) blobs(ctx context.Context, files []*github.TreeEntry) ([][]byte, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	first := map[string]int{} // blob SHA → index of the first file holding it
	var fetch []int
	for i, f := range files {
		if _, ok := first[f.GetSHA()]; !ok {
			first[f.GetSHA()] = i
			fetch = append(fetch, i)
		}
	}
	out := make([][]byte, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.opts.Limits.Concurrency, len(fetch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				data, err := s.blob(ctx, files[i].GetPath(), files[i].GetSHA())
				if err != nil {
					cancel(err)
					continue
				}
				out[i] = data
			}
		}()
	}
feed:
	for _, i := range fetch {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	for i, f := range files {
		out[i] = out[first[f.GetSHA()]]
	}
	return out, nil
}
