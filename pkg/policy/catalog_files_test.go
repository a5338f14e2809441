package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// TestLoadLocalCatalogHostileTree: the action loads every *.yaml of the
// workspace, which a pull request controls. A named pipe, a link to
// /dev/zero, a dangling link and a link to an entity outside the workspace
// are skipped (none hangs or is read); the real entity is loaded. Named
// directly, the pipe is an error, at once.
func TestLoadLocalCatalogHostileTree(t *testing.T) {
	parent := t.TempDir()
	ws := filepath.Join(parent, "ws")
	entity := "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: %s\nspec:\n  type: team\n  children: []\n"
	mustDo(t, os.MkdirAll(ws, 0o755))
	mustDo(t, os.WriteFile(filepath.Join(ws, "catalog-info.yaml"), []byte(fmtName(entity, "inside")), 0o644))
	mustDo(t, os.WriteFile(filepath.Join(parent, "outside.yaml"), []byte(fmtName(entity, "outside")), 0o644))
	mustDo(t, syscall.Mkfifo(filepath.Join(ws, "fifo.yaml"), 0o644))
	mustDo(t, os.Symlink("/dev/zero", filepath.Join(ws, "zero.yaml")))
	mustDo(t, os.Symlink("gone.yaml", filepath.Join(ws, "dangling.yaml")))
	mustDo(t, os.Symlink("../outside.yaml", filepath.Join(ws, "out.yaml")))

	done := make(chan struct{})
	var c *LocalCatalog
	var err error
	go func() { defer close(done); c, err = LoadLocalCatalog(ws) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("LoadLocalCatalog hung on the tree")
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Entities(); len(got) != 1 || got[0].Metadata.Name != "inside" {
		t.Fatalf("entities %v, want only the one inside the workspace", got)
	}
	if _, err := LoadLocalCatalog(filepath.Join(ws, "fifo.yaml")); !errors.Is(err, safefile.ErrNotRegular) {
		t.Errorf("named pipe named directly: %v, want ErrNotRegular", err)
	}
}

func fmtName(format, name string) string { return fmt.Sprintf(format, name) }

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
