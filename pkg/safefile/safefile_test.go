package safefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tree makes a folder of hostile entries next to ordinary ones and returns
// the folder (inside a parent that holds an outside file).
func tree(t *testing.T) string {
	t.Helper()
	parent := t.TempDir()
	root := filepath.Join(parent, "repo")
	must(t, os.MkdirAll(filepath.Join(root, "sub", "dir.yaml"), 0o755))
	must(t, os.WriteFile(filepath.Join(parent, "secret.yaml"), []byte("token: x\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(root, "ok.yaml"), []byte("kind: A\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "sub", "b.yaml"), []byte("kind: B\n"), 0o644))
	must(t, syscall.Mkfifo(filepath.Join(root, "fifo.yaml"), 0o644))
	must(t, os.Symlink("/dev/zero", filepath.Join(root, "zero.yaml")))
	must(t, os.Symlink("../secret.yaml", filepath.Join(root, "out.yaml")))
	must(t, os.Symlink(filepath.Join(root, "ok.yaml"), filepath.Join(root, "abs.yaml")))
	must(t, os.Symlink("sub/b.yaml", filepath.Join(root, "in.yaml")))
	must(t, os.Symlink("nothing.yaml", filepath.Join(root, "dangling.yaml")))
	must(t, os.Symlink("loop2.yaml", filepath.Join(root, "loop1.yaml")))
	must(t, os.Symlink("loop1.yaml", filepath.Join(root, "loop2.yaml")))
	must(t, os.Symlink("fifo.yaml", filepath.Join(root, "tofifo.yaml")))
	must(t, os.Symlink("sub", filepath.Join(root, "todir.yaml")))
	must(t, os.Symlink("..", filepath.Join(root, "up")))
	return root
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// within fails the test if f does not return in time: a read that waits for
// a pipe's writer would otherwise hang the test binary.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatal("did not return in time: something blocked")
	}
}

func TestReadFile(t *testing.T) {
	root := tree(t)
	r, err := OpenRoot(root, 1<<10)
	must(t, err)
	defer r.Close()
	cases := []struct {
		rel  string
		want string // content, or empty when an error is expected
		err  error
	}{
		{"ok.yaml", "kind: A\n", nil},
		{"in.yaml", "kind: B\n", nil},
		{"sub/b.yaml", "kind: B\n", nil},
		{"fifo.yaml", "", ErrNotRegular},
		{"tofifo.yaml", "", ErrNotRegular},
		{"zero.yaml", "", ErrOutsideRoot},
		{"out.yaml", "", ErrOutsideRoot},
		{"abs.yaml", "", nil}, // os.Root refuses absolute links; any error will do
		{"up/secret.yaml", "", ErrOutsideRoot},
		{"dangling.yaml", "", ErrDanglingLink},
		{"loop1.yaml", "", ErrDanglingLink},
		{"sub/dir.yaml", "", ErrNotRegular},
		{"todir.yaml", "", ErrNotRegular},
		{"missing.yaml", "", fs.ErrNotExist},
	}
	for _, c := range cases {
		within(t, 5*time.Second, func() {
			data, err := r.ReadFile(c.rel)
			// ReadFileString reads and refuses the same.
			text, serr := r.ReadFileString(c.rel)
			if text != string(data) || errString(serr) != errString(err) {
				t.Errorf("ReadFileString(%s) = %q, %v; ReadFile gave %q, %v", c.rel, text, serr, data, err)
			}
			if c.want != "" {
				if err != nil || string(data) != c.want {
					t.Errorf("ReadFile(%s) = %q, %v; want %q", c.rel, data, err, c.want)
				}
				return
			}
			if err == nil {
				t.Errorf("ReadFile(%s) = %q, want an error", c.rel, data)
				return
			}
			if c.err != nil && !errors.Is(err, c.err) {
				t.Errorf("ReadFile(%s) error %v, want %v", c.rel, err, c.err)
			}
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(e.Error(), filepath.Join(root, c.rel)) {
				t.Errorf("ReadFile(%s) error %q does not name the file", c.rel, err)
			}
		})
	}
}

func TestReadFileSizeLimitWhileReading(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "big.yaml"), make([]byte, 2049), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "edge.yaml"), make([]byte, 2048), 0o644))
	if _, err := ReadFile(filepath.Join(dir, "big.yaml"), 2048); !errors.Is(err, ErrTooLarge) {
		t.Errorf("2049 bytes with a limit of 2048: %v, want ErrTooLarge", err)
	}
	if data, err := ReadFile(filepath.Join(dir, "edge.yaml"), 2048); err != nil || len(data) != 2048 {
		t.Errorf("2048 bytes with a limit of 2048: %d, %v", len(data), err)
	}
	if _, err := ReadFileString(filepath.Join(dir, "big.yaml"), 2048); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFileString: 2049 bytes with a limit of 2048: %v, want ErrTooLarge", err)
	}
	if text, err := ReadFileString(filepath.Join(dir, "edge.yaml"), 2048); err != nil || len(text) != 2048 {
		t.Errorf("ReadFileString: 2048 bytes with a limit of 2048: %d, %v", len(text), err)
	}
}

// TestReadFileStringWhole reads files larger than ReadFileString's copy
// buffer, and files of every size around its edges, whole.
func TestReadFileStringWhole(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 512, 513, 16<<10 - 1, 16 << 10, 16<<10 + 1, 100_003} {
		want := make([]byte, size)
		for i := range want {
			want[i] = byte('a' + i*7%26)
		}
		path := filepath.Join(dir, fmt.Sprintf("f%d.yaml", size))
		must(t, os.WriteFile(path, want, 0o644))
		got, err := ReadFileString(path, 0)
		if err != nil || got != string(want) {
			t.Errorf("ReadFileString of %d bytes: %d bytes back, %v", size, len(got), err)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestReadFileNamedDirectly(t *testing.T) {
	root := tree(t)
	within(t, 5*time.Second, func() {
		for name, want := range map[string]error{"fifo.yaml": ErrNotRegular, "zero.yaml": ErrOutsideRoot, "dangling.yaml": ErrDanglingLink} {
			path := filepath.Join(root, name)
			if _, err := ReadFile(path, 0); !errors.Is(err, want) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("ReadFile(%s) = %v, want %v naming the file", name, err, want)
			}
		}
		if _, err := ReadFile(root, 0); !errors.Is(err, ErrNotRegular) {
			t.Errorf("ReadFile of a folder = %v, want ErrNotRegular", err)
		}
	})
	// The folder itself given as a pipe: refused before any open.
	if _, err := OpenRoot(filepath.Join(root, "fifo.yaml"), 0); err == nil {
		t.Error("OpenRoot of a named pipe succeeded")
	}
}

// A file the reader may not open is reported, not fatal. Root reads every
// file whatever its mode, so the case only runs for other users.
func TestReadFileUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: mode 000 does not stop root from reading")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "locked.yaml")
	must(t, os.WriteFile(p, []byte("x"), 0o000))
	if _, err := ReadFile(p, 0); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("ReadFile of a mode-000 file = %v, want a permission error", err)
	}
}

func TestWalk(t *testing.T) {
	root := tree(t)
	must(t, os.MkdirAll(filepath.Join(root, "node_modules"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "node_modules", "x.yaml"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(root, "readme.md"), nil, 0o644))
	r, err := OpenRoot(root, 0)
	must(t, err)
	defer r.Close()
	got := map[string]error{}
	within(t, 5*time.Second, func() {
		err = r.Walk(context.Background(), WalkOptions{
			SkipDir: func(name string) bool { return name == "node_modules" },
			Match:   func(name string) bool { return strings.HasSuffix(name, ".yaml") },
		}, func(f Found) error {
			if f.Path != filepath.Join(root, filepath.FromSlash(f.Rel)) {
				t.Errorf("Path %s for Rel %s", f.Path, f.Rel)
			}
			got[f.Rel] = f.Err
			return nil
		})
	})
	must(t, err)
	want := map[string]error{
		"ok.yaml": nil, "in.yaml": nil, "sub/b.yaml": nil,
		"fifo.yaml": ErrNotRegular, "tofifo.yaml": ErrNotRegular, "todir.yaml": ErrNotRegular,
		"zero.yaml": ErrOutsideRoot, "out.yaml": ErrOutsideRoot, "abs.yaml": nil,
		"dangling.yaml": ErrDanglingLink, "loop1.yaml": ErrDanglingLink, "loop2.yaml": ErrDanglingLink,
	}
	for rel, werr := range want {
		gerr, ok := got[rel]
		switch {
		case !ok:
			t.Errorf("%s not reported", rel)
		case rel == "abs.yaml":
			if gerr == nil {
				t.Errorf("absolute link reported readable")
			}
		case werr == nil && gerr != nil:
			t.Errorf("%s: %v, want readable", rel, gerr)
		case werr != nil && !errors.Is(gerr, werr):
			t.Errorf("%s: %v, want %v", rel, gerr, werr)
		}
	}
	for rel := range got {
		if _, ok := want[rel]; !ok {
			t.Errorf("%s reported, want it left out", rel)
		}
	}
}

func TestWalkStopsOnContext(t *testing.T) {
	root := tree(t)
	r, err := OpenRoot(root, 0)
	must(t, err)
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Walk(ctx, WalkOptions{}, func(Found) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Walk with a done context = %v", err)
	}
}

func TestCheckNamed(t *testing.T) {
	root := tree(t)
	must(t, os.Symlink("..", filepath.Join(root, "parent")))
	must(t, os.Symlink("sub", filepath.Join(root, "subdir")))
	for name, want := range map[string]error{
		"parent": ErrOutsideRoot, "out.yaml": ErrOutsideRoot, "zero.yaml": ErrOutsideRoot,
		"subdir": nil, "in.yaml": nil, "ok.yaml": nil, "sub": nil, "missing.yaml": nil,
	} {
		if err := CheckNamed(filepath.Join(root, name)); !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("CheckNamed(%s) = %v, want %v", name, err, want)
		}
	}
	// Inside the current folder, the whole name must resolve inside it.
	t.Chdir(root)
	if err := CheckNamed("up/secret.yaml"); !errors.Is(err, ErrOutsideRoot) {
		t.Errorf("CheckNamed(up/secret.yaml) from the tree = %v", err)
	}
	if err := CheckNamed("sub/b.yaml"); err != nil {
		t.Errorf("CheckNamed(sub/b.yaml) = %v", err)
	}
}
