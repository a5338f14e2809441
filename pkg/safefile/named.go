package safefile

import (
	"io/fs"
	"os"
	"path/filepath"
)

// CheckNamed checks a path given by name (on a command line, or in a
// workflow that runs over a pull request's checkout) before it is opened
// as a folder or file: a name inside the current folder must resolve
// inside it, and a symbolic link at the end of any name must lead inside
// the folder that holds it. So "validate catalog" refuses a catalog
// committed as a link to "..", while a path the caller spelled out
// outside the current folder is taken as given. It returns an *Error
// wrapping ErrOutsideRoot, or nil; a name that does not exist is left to
// the open that follows.
func CheckNamed(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil
	}
	if wd, err := os.Getwd(); err == nil && inside(wd, abs) {
		if rwd, err := filepath.EvalSymlinks(wd); err == nil && !inside(rwd, real) {
			return &Error{Path: path, Err: ErrOutsideRoot}
		}
	}
	info, err := os.Lstat(abs)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil || !inside(dir, real) {
		return &Error{Path: path, Err: ErrOutsideRoot}
	}
	return nil
}
