package cli

import (
	"path"
	"path/filepath"
	"sync"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// refCache shares, across the files of one validate run, what their
// placeholders and Location targets read: many catalog files in one folder
// name the same targets, and each read through safefile opens, checks and
// reads the file again. Errors are always kept; contents only up to
// maxCachedRefBytes in all (past that, files are read per catalog file as
// catalogFile.reader does), so memory stays bounded.
type refCache struct {
	mu      sync.Mutex
	entries map[refKey]refResult
	bytes   int
}

// refKey is what a reference's meaning depends on (see catalogFile.readRef):
// the folder searched, the catalog file's folder and the reference.
type refKey struct {
	root *safefile.Root
	dir  string
	ref  string
}

type refResult struct {
	data []byte
	err  error
}

// Bounds on what one run keeps.
const (
	maxCachedRefBytes = 16 << 20
	maxCachedRefs     = 100_000
)

func newRefCache() *refCache { return &refCache{entries: map[refKey]refResult{}} }

// reader is catalogFile.reader sharing c; with a nil c it is f.reader().
func (c *refCache) reader(f catalogFile) catalog.ReadFunc {
	if c == nil || f.stdin != nil || f.err != nil {
		return f.reader()
	}
	dir := filepath.Dir(f.path)
	if f.root != nil {
		dir = path.Dir(f.rel)
	}
	return func(ref string) ([]byte, error) {
		k := refKey{root: f.root, dir: dir, ref: ref}
		c.mu.Lock()
		r, ok := c.entries[k]
		c.mu.Unlock()
		if ok {
			return r.data, r.err
		}
		data, err := f.readRef(ref)
		c.mu.Lock()
		if len(c.entries) < maxCachedRefs && (err != nil || c.bytes+len(data) <= maxCachedRefBytes) {
			c.entries[k] = refResult{data, err}
			c.bytes += len(data)
		}
		c.mu.Unlock()
		return data, err
	}
}
