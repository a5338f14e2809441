package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// installTimeout bounds one run of scripts/npm-install.sh: a cache miss that
// compiles native modules takes a few minutes.
const installTimeout = 20 * time.Minute

// installs remembers, per absolute folder, the outcome of installing it, so
// the tests of one package run the install script once.
var installs sync.Map // string -> func() error

// NPM makes sure dir, a folder relative to the repository root such as
// "test/npm", has its node_modules installed from its committed
// package-lock.json, and returns dir's absolute path.
//
// When node or npm is missing or the install fails, the test fails if the
// environment has CI=true and is skipped, loudly, otherwise.
func NPM(t testing.TB, dir string) string {
	t.Helper()
	root := RepoRoot(t)
	abs := filepath.Join(root, filepath.FromSlash(dir))
	for _, tool := range []string{"node", "npm", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			unavailable(t, inCI(), fmt.Sprintf("%s needs %q on PATH to install %s", t.Name(), tool, dir))
			return abs
		}
	}
	once, _ := installs.LoadOrStore(abs, sync.OnceValue(func() error {
		return runInstall(root, abs)
	}))
	if err := once.(func() error)(); err != nil {
		unavailable(t, inCI(), fmt.Sprintf("%s cannot install the npm project %s: %v", t.Name(), dir, err))
	}
	return abs
}

func runInstall(root, abs string) error {
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "npm-install.sh"), abs)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %v", installTimeout)
		}
		return fmt.Errorf("scripts/npm-install.sh: %w\n%s", err, tail(out.Bytes(), 8<<10))
	}
	return nil
}

// inCI reports whether the environment says this is a CI run (CI=true).
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// unavailable ends a test that cannot get a part it needs: a failure in CI,
// a loud skip elsewhere.
func unavailable(t testing.TB, ci bool, msg string) {
	t.Helper()
	if ci {
		t.Fatalf("testenv: %s", msg)
		return
	}
	t.Skipf("\n*** SKIPPING: %s\n*** (set CI=true to make this a failure)", msg)
}

// tail returns at most the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return append([]byte("...\n"), b[len(b)-n:]...)
}
