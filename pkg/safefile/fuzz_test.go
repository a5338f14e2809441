package safefile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FuzzWalk builds a tree from the input (regular files, folders, symbolic
// links inside and out of the tree, to devices and to nothing, named pipes,
// odd names and modes), walks it and reads every file found. Nothing may
// block or panic, and every byte read must come from a regular file inside
// the tree: outside files hold a marker that must never be read.
func FuzzWalk(f *testing.F) {
	f.Add([]byte{0, 'a', 1, 'b', 2, 'c', 3, 'd', 4, 'e', 5, 'f', 6, 'g', 7, 'h'})
	f.Add([]byte{1, 'x', 0, 'y', 4, 'z', 5, 'w', 9, 0})
	f.Add([]byte("\x03\n\x02[\x06.\x07\xff"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		parent := t.TempDir()
		root := filepath.Join(parent, "repo")
		must(t, os.Mkdir(root, 0o755))
		must(t, os.WriteFile(filepath.Join(parent, "outside.yaml"), []byte("OUTSIDE"), 0o644))
		dirs := []string{"."}
		var names []string
		for i := 0; i+1 < len(ops); i += 2 {
			op, b := ops[i]%10, ops[i+1]
			dir := dirs[int(b)%len(dirs)]
			name := fmt.Sprintf("%s%d.yaml", oddName(b), i)
			rel := filepath.Join(dir, name)
			path := filepath.Join(root, rel)
			var target string
			if len(names) > 0 {
				target = names[int(b)%len(names)]
			}
			var err error
			switch op {
			case 0: // regular file, content names it
				err = os.WriteFile(path, []byte("in:"+rel), 0o644)
			case 1: // folder (named like a file half of the time)
				if b%2 == 0 {
					rel = strings.TrimSuffix(rel, ".yaml")
					path = filepath.Join(root, rel)
				}
				if err = os.Mkdir(path, 0o755); err == nil {
					dirs = append(dirs, rel)
				}
			case 2: // named pipe
				err = syscall.Mkfifo(path, 0o644)
			case 3: // link to a device
				err = os.Symlink("/dev/zero", path)
			case 4: // relative link out of the tree
				err = os.Symlink(strings.Repeat("../", strings.Count(rel, "/")+1)+"outside.yaml", path)
			case 5: // relative link to an earlier entry
				if target != "" {
					r, _ := filepath.Rel(filepath.Dir(path), filepath.Join(root, target))
					err = os.Symlink(r, path)
				}
			case 6: // absolute link to an earlier entry
				if target != "" {
					err = os.Symlink(filepath.Join(root, target), path)
				}
			case 7: // dangling link
				err = os.Symlink("nowhere/"+name, path)
			case 8: // a mode change on an earlier entry
				if target != "" {
					_ = os.Chmod(filepath.Join(root, target), os.FileMode(b)&0o777)
				}
				continue
			case 9: // a link to the parent folder
				err = os.Symlink("..", path)
			}
			if err == nil {
				names = append(names, rel)
			}
		}
		r, err := OpenRoot(root, 64)
		must(t, err)
		defer r.Close()
		within(t, 10*time.Second, func() {
			err := r.Walk(context.Background(), WalkOptions{Match: func(n string) bool { return strings.HasSuffix(n, ".yaml") }}, func(fd Found) error {
				data, rerr := r.ReadFile(fd.Rel)
				if rerr != nil {
					return nil
				}
				if fd.Err != nil {
					t.Errorf("%s: Walk said %v but ReadFile read it", fd.Rel, fd.Err)
				}
				if !strings.HasPrefix(string(data), "in:") {
					t.Errorf("%s: read %q, which is not a regular file in the tree", fd.Rel, data)
				}
				return nil
			})
			if err != nil {
				t.Errorf("Walk: %v", err)
			}
		})
		// Restore modes so TempDir can be removed.
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type()&os.ModeSymlink == 0 {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
	})
}

// oddName is a file name prefix with characters that trouble shells, globs
// and logs.
func oddName(b byte) string {
	return []string{"a", "[x]", "*", "::add-mask::", "##[warning]", "a\nb", "a\rb", "\x1b[31m", " sp ", "-", "é"}[int(b)%11]
}
