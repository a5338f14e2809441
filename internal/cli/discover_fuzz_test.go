package cli

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

// FuzzDiscovery builds a repository from the input (regular files, folders,
// named pipes, links to devices, out of the tree, to earlier entries and to
// nothing, odd names, mode changes) and runs validate's discovery and
// reading over it, the folder and each entry named directly. Nothing may
// block or panic, and every byte read must come from a regular file inside
// the tree: the file outside holds a marker that must never be read.
func FuzzDiscovery(f *testing.F) {
	f.Add([]byte{0, 'a', 1, 'b', 2, 'c', 3, 'd', 4, 'e', 5, 'f', 6, 'g', 7, 'h', 9, 1})
	f.Add([]byte("\x00[\x02*\x05\x01\x04\x00"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 48 {
			ops = ops[:48]
		}
		parent := t.TempDir()
		root := filepath.Join(parent, "repo")
		if err := os.Mkdir(root, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(parent, "outside.yaml"), []byte("OUTSIDE"), 0o644)
		dirs := []string{"."}
		var names []string
		for i := 0; i+1 < len(ops); i += 2 {
			op, b := ops[i]%10, ops[i+1]
			dir := dirs[int(b)%len(dirs)]
			name := []string{"a", "[x]", "*", "::add-mask::", "##[w]", "a\nb", "\x1b", ".hidden", "node_modules", "catalog-info"}[int(b)%10] + fmt.Sprint(i) + ".yaml"
			rel := filepath.Join(dir, name)
			path := filepath.Join(root, rel)
			target := ""
			if len(names) > 0 {
				target = names[int(b)%len(names)]
			}
			var err error
			switch op {
			case 0:
				err = os.WriteFile(path, []byte("in:"+rel+"\napiVersion: v1\nkind: X\n"), 0o644)
			case 1:
				if err = os.Mkdir(path, 0o755); err == nil {
					dirs = append(dirs, rel)
				}
			case 2:
				err = syscall.Mkfifo(path, 0o644)
			case 3:
				err = os.Symlink("/dev/zero", path)
			case 4:
				err = os.Symlink(strings.Repeat("../", strings.Count(rel, "/")+1)+"outside.yaml", path)
			case 5:
				if target != "" {
					r, _ := filepath.Rel(filepath.Dir(path), filepath.Join(root, target))
					err = os.Symlink(r, path)
				}
			case 6:
				if target != "" {
					err = os.Symlink(filepath.Join(root, target), path)
				}
			case 7:
				err = os.Symlink("nowhere", path)
			case 8:
				if target != "" {
					os.Chmod(filepath.Join(root, target), os.FileMode(b)&0o777)
				}
				continue
			case 9:
				err = os.Symlink("..", path)
			}
			if err == nil {
				names = append(names, rel)
			}
		}
		defer filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type()&os.ModeSymlink == 0 {
				os.Chmod(p, 0o755)
			}
			return nil
		})
		paths := [][]string{{root}}
		for _, n := range names {
			paths = append(paths, []string{filepath.Join(root, n)})
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, p := range paths {
				set, err := collectFiles(context.Background(), p)
				if err != nil {
					continue // a named path that is not there: a usage error
				}
				for _, file := range set.files {
					data, err := file.read()
					if err == nil && !strings.HasPrefix(string(data), "in:") {
						t.Errorf("%q: read %q, not a regular file in the tree", file.path, data)
					}
					if _, err := checkFile(file); err != nil {
						t.Errorf("%q: checkFile: %v", file.path, err)
					}
				}
				set.Close()
			}
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("discovery or reading blocked")
		}
	})
}
