package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// recordingTB stands in for a *testing.T to see how unavailable ends a test.
type recordingTB struct {
	testing.TB
	fatal, skip string
}

func (r *recordingTB) Helper()                        {}
func (r *recordingTB) Fatalf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }
func (r *recordingTB) Skipf(format string, a ...any)  { r.skip = fmt.Sprintf(format, a...) }

func TestUnavailable(t *testing.T) {
	var ci recordingTB
	unavailable(&ci, true, "no node")
	if ci.fatal == "" || ci.skip != "" {
		t.Errorf("CI: fatal=%q skip=%q, want a failure", ci.fatal, ci.skip)
	}
	var local recordingTB
	unavailable(&local, false, "no node")
	if local.fatal != "" || local.skip == "" {
		t.Errorf("local: fatal=%q skip=%q, want a skip", local.fatal, local.skip)
	}
}

func TestRepoRoot(t *testing.T) {
	root := RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "scripts", "npm-install.sh")); err != nil {
		t.Errorf("RepoRoot = %s, which has no scripts/npm-install.sh: %v", root, err)
	}
	if _, err := findModuleRoot(t.TempDir()); err == nil {
		t.Errorf("findModuleRoot found a go.mod above a temp dir")
	}
}
